import type { ManagementResponse } from './managementApi';
import { DurableClient } from './durableClient';
import { OrchestrationFilter } from './orchestrationFilter';

const json = (status: number, body: unknown): ManagementResponse => ({
  status,
  headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  body,
});

/**
 * Read-only routes the dashboard needs beyond the extension's API (our additions):
 *   GET hub/overview  partitions, lease owners, queue depths, workers, recent throughput
 *   GET hub/counts    instances per runtime status, with the list's filters
 * `filter` parses the list's query parameters (throws the API's 400 errors).
 */
export async function handleHubRequest(
  client: DurableClient,
  method: string,
  parts: string[],
  filter: () => OrchestrationFilter,
): Promise<ManagementResponse> {
  const [resource, extra] = parts;
  if (method !== 'GET' || extra !== undefined || (resource !== 'overview' && resource !== 'counts')) {
    return json(404, { Message: `No management route matches ${method} hub/${parts.join('/')}; use GET hub/overview or GET hub/counts.` });
  }
  if (resource === 'overview') return json(200, await client.backend.describeHub());
  const counts = await client.backend.countInstances({ ...filter(), continuationToken: undefined });
  return json(200, { taskHub: client.taskHubName, ...counts });
}
