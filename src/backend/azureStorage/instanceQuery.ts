import { TableClient, odata } from '@azure/data-tables';
import { InvalidQueryError } from '../errors';
import { InstancePage, ValidQuery } from '../instanceQuery';
import { fromRow } from './instanceStore';
import { escapePartitionKey } from './keys';

/**
 * The least valid string above every string that starts with `prefix`, in the table's ordinal
 * UTF-16 order; undefined when there is none. Incrementing the last code unit is not enough: it
 * must not leave an unpaired surrogate (which no query can carry) or wrap U+FFFF around.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  let head = prefix;
  while (head.length > 0) {
    const last = head.charCodeAt(head.length - 1);
    const before = head.slice(0, -1);
    if (last >= 0xdc00 && last <= 0xdfff) {
      const high = head.charCodeAt(head.length - 2);
      const stem = head.slice(0, -2);
      if (last < 0xdfff) return stem + String.fromCharCode(high, last + 1);
      if (high < 0xdbff) return stem + String.fromCharCode(high + 1, 0xdc00);
      return `${stem}\ue000`;
    }
    if (last === 0xd7ff) return `${before}\ud800\udc00`;
    if (last < 0xffff) return before + String.fromCharCode(last + 1);
    head = before; // U+FFFF: nothing follows it, so raise the character before
  }
  return undefined;
}

/**
 * The table SDK's continuation token is base64 of {"nextPartitionKey","nextRowKey"}; a token that
 * is not one is refused here, as bad input, instead of failing inside the SDK.
 */
export function validContinuationToken(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  const invalid = () => new InvalidQueryError('The continuation token is not valid: pass back a token exactly as a previous page returned it.');
  if (typeof token !== 'string' || token.length > 4096 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('latin1'));
  } catch {
    throw invalid();
  }
  const { nextPartitionKey, nextRowKey } = (parsed ?? {}) as Record<string, unknown>;
  const keyText = (v: unknown) => typeof v === 'string' && /^[\x20-\x7e]{1,1024}$/.test(v);
  if (typeof parsed !== 'object' || !keyText(nextPartitionKey) || (nextRowKey !== undefined && !keyText(nextRowKey))) throw invalid();
  return token;
}

/**
 * OData filter for the Instances table. Every user value goes through the `odata` template,
 * which quotes and escapes it, so filter values can never change the query's structure.
 */
export function instancesFilter(filter: ValidQuery): string | undefined {
  const parts: string[] = [];
  if (filter.createdTimeFrom) parts.push(odata`CreatedTime ge ${filter.createdTimeFrom}`);
  if (filter.createdTimeTo) parts.push(odata`CreatedTime le ${filter.createdTimeTo}`);
  if (filter.runtimeStatus && filter.runtimeStatus.length > 0) {
    parts.push(`(${filter.runtimeStatus.map((s) => odata`RuntimeStatus eq ${s}`).join(' or ')})`);
  }
  if (filter.instanceIdPrefix) {
    const prefix = escapePartitionKey(filter.instanceIdPrefix);
    const upper = prefixUpperBound(prefix);
    parts.push(upper === undefined ? odata`PartitionKey ge ${prefix}` : odata`PartitionKey ge ${prefix} and PartitionKey lt ${upper}`);
  }
  if (filter.name) parts.push(odata`Name eq ${filter.name}`);
  // Entity ids start with '@' (0x40), so everything else sorts below '@' or from 'A' (0x41) on.
  if (filter.excludeEntities) parts.push("(PartitionKey lt '@' or PartitionKey ge 'A')");
  return parts.length ? parts.join(' and ') : undefined;
}

/** One page of instances (the token is the table's own continuation, passed through opaquely). */
export async function queryInstancePage(table: TableClient, filter: ValidQuery): Promise<InstancePage> {
  const pageSize = filter.pageSize;
  const continuationToken = validContinuationToken(filter.continuationToken);
  const pages = table
    .listEntities<Record<string, unknown>>({ queryOptions: { filter: instancesFilter(filter) } })
    .byPage({ maxPageSize: pageSize, continuationToken });
  try {
    for await (const page of pages) {
      return { instances: page.map(fromRow), continuationToken: page.continuationToken };
    }
  } catch (e) {
    // Well-formed but not a token the service issued.
    if (continuationToken && (e as { statusCode?: number }).statusCode === 400) throw new InvalidQueryError('The continuation token is not valid for this query.');
    throw e;
  }
  return { instances: [] };
}
