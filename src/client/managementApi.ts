import { DurableClient } from './durableClient';
import { InvalidInstanceIdError } from './instanceId';
import { DurableOrchestrationStatus } from './status';
import { WEBHOOK_PATH } from './managementUrls';

/** A transport-neutral HTTP exchange, so the local host and a registered function share one router. */
export interface ManagementRequest {
  method: string;
  url: URL;
  body: string;
}

export interface ManagementResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ManagementResponse => ({
  status,
  headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  body,
});
const error = (status: number, message: string): ManagementResponse => json(status, { Message: message });

/** Timestamps as the extension prints them: ISO-8601 UTC without fractional seconds. */
function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function statusBody(status: DurableOrchestrationStatus): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: status.name,
    instanceId: status.instanceId,
    runtimeStatus: status.runtimeStatus,
    input: status.input ?? null,
    customStatus: status.customStatus ?? null,
    output: status.output ?? null,
    createdTime: formatTime(status.createdTime),
    lastUpdatedTime: formatTime(status.lastUpdatedTime),
  };
  if (status.history) body.historyEvents = status.history;
  return body;
}

/**
 * Serves `/runtime/webhooks/durabletask/...`. Returns undefined for paths outside the API so the
 * caller can fall through to its own routing.
 */
export async function handleManagementRequest(client: DurableClient, request: ManagementRequest): Promise<ManagementResponse | undefined> {
  const path = request.url.pathname;
  if (!path.toLowerCase().startsWith(WEBHOOK_PATH)) return undefined;
  const segments = path.slice(WEBHOOK_PATH.length).split('/').filter(Boolean).map(decodeURIComponent);
  const method = request.method.toUpperCase();
  const query = request.url.searchParams;
  try {
    if (segments[0] === 'instances' && segments.length === 2 && method === 'GET') {
      const status = await client.getStatus(segments[1], {
        showHistory: query.get('showHistory') === 'true',
        showHistoryOutput: query.get('showHistoryOutput') === 'true',
        showInput: query.get('showInput') !== 'false',
      });
      if (!status) return error(404, `No instance with ID '${segments[1]}' was found.`);
      switch (status.runtimeStatus) {
        case 'Pending':
        case 'Running':
        case 'ContinuedAsNew':
        case 'Suspended':
          return json(202, statusBody(status), { Location: request.url.toString(), 'Retry-After': '10' });
        case 'Failed':
          return json(query.get('returnInternalServerErrorOnFailure') === 'true' ? 500 : 200, statusBody(status));
        default:
          return json(200, statusBody(status));
      }
    }
    return error(404, `No management route matches ${method} ${path}.`);
  } catch (e) {
    if (e instanceof InvalidInstanceIdError) return error(400, e.message);
    throw e;
  }
}
