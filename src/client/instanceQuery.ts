import { TableClient, odata } from '@azure/data-tables';
import { InstanceState, fromRow } from '../storage/instanceStore';
import { escapePartitionKey } from '../storage/keys';
import { OrchestrationRuntimeStatus } from './status';

/** Filter of getStatusBy / purgeInstanceHistoryBy, as durable-functions' OrchestrationFilter. */
export interface OrchestrationFilter {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: OrchestrationRuntimeStatus[];
  instanceIdPrefix?: string;
  pageSize?: number;
  continuationToken?: string;
}

const STATUS_NAMES = new Set<string>(Object.values(OrchestrationRuntimeStatus));

function validDate(value: unknown, name: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new RangeError(`${name} is not a valid date: '${String(value)}'.`);
  return date;
}

/**
 * OData filter for the Instances table. Every user value goes through the `odata` template,
 * which quotes and escapes it, so filter values can never change the query's structure.
 */
export function instancesFilter(filter: OrchestrationFilter): string | undefined {
  const parts: string[] = [];
  const from = validDate(filter.createdTimeFrom, 'createdTimeFrom');
  const to = validDate(filter.createdTimeTo, 'createdTimeTo');
  if (from) parts.push(odata`CreatedTime ge ${from}`);
  if (to) parts.push(odata`CreatedTime le ${to}`);
  if (filter.runtimeStatus && filter.runtimeStatus.length > 0) {
    for (const s of filter.runtimeStatus) {
      if (!STATUS_NAMES.has(s)) throw new RangeError(`Unknown runtimeStatus '${s}'; expected one of ${[...STATUS_NAMES].join(', ')}.`);
    }
    parts.push(`(${filter.runtimeStatus.map((s) => odata`RuntimeStatus eq ${s}`).join(' or ')})`);
  }
  if (filter.instanceIdPrefix) {
    const prefix = escapePartitionKey(filter.instanceIdPrefix);
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    parts.push(odata`PartitionKey ge ${prefix} and PartitionKey lt ${upper}`);
  }
  return parts.length ? parts.join(' and ') : undefined;
}

/** @internal */
export interface InstancePage {
  instances: InstanceState[];
  continuationToken?: string;
}

/** @internal */
/** One page of instances (the token is the table's own continuation, passed through opaquely). */
export async function queryInstancePage(table: TableClient, filter: OrchestrationFilter): Promise<InstancePage> {
  const pageSize = filter.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError('pageSize must be an integer from 1 to 1000.');
  const pages = table
    .listEntities<Record<string, unknown>>({ queryOptions: { filter: instancesFilter(filter) } })
    .byPage({ maxPageSize: pageSize, continuationToken: filter.continuationToken || undefined });
  for await (const page of pages) {
    return { instances: page.map(fromRow), continuationToken: page.continuationToken };
  }
  return { instances: [] };
}
