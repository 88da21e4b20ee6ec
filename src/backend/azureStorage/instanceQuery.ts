import { TableClient, odata } from '@azure/data-tables';
import { InstancePage, ValidQuery } from '../instanceQuery';
import { fromRow } from './instanceStore';
import { escapePartitionKey } from './keys';

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
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    parts.push(odata`PartitionKey ge ${prefix} and PartitionKey lt ${upper}`);
  }
  return parts.length ? parts.join(' and ') : undefined;
}

/** One page of instances (the token is the table's own continuation, passed through opaquely). */
export async function queryInstancePage(table: TableClient, filter: ValidQuery): Promise<InstancePage> {
  const pageSize = filter.pageSize;
  const pages = table
    .listEntities<Record<string, unknown>>({ queryOptions: { filter: instancesFilter(filter) } })
    .byPage({ maxPageSize: pageSize, continuationToken: filter.continuationToken || undefined });
  for await (const page of pages) {
    return { instances: page.map(fromRow), continuationToken: page.continuationToken };
  }
  return { instances: [] };
}
