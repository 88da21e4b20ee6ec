import { OrchestrationStatus, RuntimeStatusName } from '../history/events';
import { InstanceState } from '../history/instanceState';
import { InvalidQueryError } from './errors';
import { MAX_INSTANCE_ID_LENGTH } from '../history/instanceIdRules';
import { findXmlInvalidChar, unicodeEscape } from '../util/xmlText';

/** Which instances to list; every field narrows the result. */
export interface InstanceQuery {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: string[];
  instanceIdPrefix?: string;
  /** Orchestrator name, exact match. */
  name?: string;
  /** Leave out entity instances (ids '@name@key'). */
  excludeEntities?: boolean;
  pageSize?: number;
  /** Opaque token from the previous page. */
  continuationToken?: string;
}

export interface InstancePage {
  instances: InstanceState[];
  continuationToken?: string;
}

/** A query whose values were checked: real dates, known statuses, a page size in range. */
export interface ValidQuery {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: RuntimeStatusName[];
  instanceIdPrefix?: string;
  name?: string;
  excludeEntities: boolean;
  pageSize: number;
  continuationToken?: string;
}

function validDate(value: unknown, name: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new InvalidQueryError(`${name} is not a valid date: '${String(value)}'.`);
  return date;
}

function validPrefix(prefix: unknown): string | undefined {
  if (prefix === undefined || prefix === null || prefix === '') return undefined;
  if (typeof prefix !== 'string') throw new InvalidQueryError('instanceIdPrefix must be a string.');
  if (prefix.length > MAX_INSTANCE_ID_LENGTH) throw new InvalidQueryError(`instanceIdPrefix must not exceed ${MAX_INSTANCE_ID_LENGTH} characters (got ${prefix.length}).`);
  const bad = findXmlInvalidChar(prefix);
  if (bad) throw new InvalidQueryError(`instanceIdPrefix contains the character ${unicodeEscape(bad.code)} at position ${bad.index}, which no instance id can contain.`);
  return prefix;
}

/** Checks a query once, for every backend, so each reports bad input with the same message. */
export function validateQuery(query: InstanceQuery): ValidQuery {
  const pageSize = query.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new InvalidQueryError('pageSize must be an integer from 1 to 1000.');
  const statuses = query.runtimeStatus?.length ? query.runtimeStatus : undefined;
  for (const s of statuses ?? []) {
    if (!(s in OrchestrationStatus) || !Number.isNaN(Number(s))) {
      throw new InvalidQueryError(`Unknown runtimeStatus '${s}'; expected one of ${Object.keys(OrchestrationStatus).filter((k) => Number.isNaN(Number(k))).join(', ')}.`);
    }
  }
  return {
    createdTimeFrom: validDate(query.createdTimeFrom, 'createdTimeFrom'),
    createdTimeTo: validDate(query.createdTimeTo, 'createdTimeTo'),
    runtimeStatus: statuses as RuntimeStatusName[] | undefined,
    instanceIdPrefix: validPrefix(query.instanceIdPrefix),
    name: query.name || undefined,
    excludeEntities: query.excludeEntities === true,
    pageSize,
    continuationToken: query.continuationToken || undefined,
  };
}

/** Whether an instance matches a validated query (the memory backend's filter; Azure filters server-side). */
export function matchesQuery(state: InstanceState, query: ValidQuery): boolean {
  if (query.createdTimeFrom && state.createdTime < query.createdTimeFrom) return false;
  if (query.createdTimeTo && state.createdTime > query.createdTimeTo) return false;
  if (query.runtimeStatus && !query.runtimeStatus.includes(state.runtimeStatus)) return false;
  if (query.instanceIdPrefix && !state.instanceId.startsWith(query.instanceIdPrefix)) return false;
  if (query.name !== undefined && state.name !== query.name) return false;
  if (query.excludeEntities && state.instanceId.startsWith('@')) return false;
  return true;
}
