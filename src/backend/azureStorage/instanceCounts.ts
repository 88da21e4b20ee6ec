import { TableClient } from '@azure/data-tables';
import { CountOptions, InstanceCounts } from '../hubInfo';
import { ValidQuery } from '../instanceQuery';
import { instancesFilter } from './instanceQuery';

/**
 * Counts instances per status. Tables have no COUNT, so this reads the matching rows with only
 * the RuntimeStatus column selected, 1,000 per page, and stops early on huge hubs rather than
 * keeping a request open for minutes.
 */
export async function countInstances(table: TableClient, filter: ValidQuery, options: CountOptions = {}): Promise<InstanceCounts> {
  const maxRows = options.maxRows ?? 250_000;
  const deadline = Date.now() + (options.timeBudgetMs ?? 20_000);
  const counts: Record<string, number> = {};
  let total = 0;
  const pages = table
    .listEntities<Record<string, unknown>>({ queryOptions: { filter: instancesFilter(filter), select: ['RuntimeStatus'] } })
    .byPage({ maxPageSize: 1000 });
  try {
    for await (const page of pages) {
      for (const row of page) {
        const status = String(row.RuntimeStatus ?? 'Pending');
        counts[status] = (counts[status] ?? 0) + 1;
        total++;
      }
      if (!page.continuationToken) return { counts, total, complete: true };
      if (total >= maxRows || Date.now() > deadline) return { counts, total, complete: false };
    }
  } catch (e) {
    // A hub that has not been created yet has no instances.
    if ((e as { statusCode?: number }).statusCode === 404) return { counts, total, complete: true };
    throw e;
  }
  return { counts, total, complete: true };
}
