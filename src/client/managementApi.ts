import { DurableClient } from './durableClient';
import { InvalidInstanceIdError, validateOrchestrationInstanceId } from './instanceId';
import { OrchestrationFilter } from './orchestrationFilter';
import { DurableOrchestrationStatus, OrchestrationRuntimeStatus } from './status';
import { WEBHOOK_PATH } from './managementUrls';
import { keysEqual, managementAccess, presentedKey } from './managementAuth';
import { InstanceAlreadyExistsError, InstanceNotFoundError, InvalidQueryError, MissingLargeValueError } from '../backend/errors';
import { EntityId } from '../entities/entityId';
import { isTerminal } from '../history/status';
import { handleHubRequest } from './hubRoutes';
import { dashboardResponse } from '../dashboard/dashboardPage';

/** A transport-neutral HTTP exchange, so the local host and a registered function share one router. */
export interface ManagementRequest {
  method: string;
  url: URL;
  body: string;
  headers?: Record<string, string | undefined>;
}

export interface ManagementResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** A body that is not JSON (the dashboard page), sent as it is. */
  text?: string;
}

/** The bytes to send for a response: `text` verbatim, else `body` as JSON. */
export function managementResponseText(response: ManagementResponse): string | undefined {
  if (response.text !== undefined) return response.text;
  return response.body === undefined ? undefined : JSON.stringify(response.body);
}

export interface ManagementOptions {
  /** When set, every request must carry it as `code` (query) or `x-functions-key` (header). */
  systemKey?: string;
  /** Path the API is served under (default /runtime/webhooks/durabletask). */
  basePath?: string;
}

/** Request bodies larger than this are refused with 400 before they are parsed. */
export const MAX_MANAGEMENT_BODY_BYTES = 8 * 1024 * 1024;

class BadRequest extends Error {}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ManagementResponse => ({
  status,
  headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  body,
});
const message = (status: number, text: string): ManagementResponse => json(status, { Message: text });
const accepted = (): ManagementResponse => ({ status: 202, headers: {} });

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

function parseJsonBody(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new BadRequest(`The request body is not valid JSON: ${(e as Error).message}`);
  }
}

function parseDate(value: string | null, name: string): Date | undefined {
  if (value === null || value === '') return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new BadRequest(`Query parameter '${name}' is not a valid date: '${value}'.`);
  return date;
}

function filterFromQuery(query: URLSearchParams, continuationToken: string | undefined): OrchestrationFilter {
  const statuses = query.getAll('runtimeStatus').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const known = Object.values(OrchestrationRuntimeStatus) as string[];
  for (const s of statuses) {
    if (!known.includes(s)) throw new BadRequest(`Unknown runtimeStatus '${s}'; expected one of ${known.join(', ')}.`);
  }
  const top = query.get('top');
  const pageSize = top === null ? undefined : Number(top);
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)) {
    throw new BadRequest(`Query parameter 'top' must be an integer from 1 to 1000, got '${top}'.`);
  }
  return {
    createdTimeFrom: parseDate(query.get('createdTimeFrom'), 'createdTimeFrom'),
    createdTimeTo: parseDate(query.get('createdTimeTo'), 'createdTimeTo'),
    runtimeStatus: statuses as OrchestrationRuntimeStatus[],
    instanceIdPrefix: query.get('instanceIdPrefix') ?? undefined,
    name: query.get('name') || undefined,
    excludeEntities: query.get('excludeEntities') === 'true',
    pageSize,
    continuationToken,
  };
}

function statusResponse(status: DurableOrchestrationStatus, url: URL): ManagementResponse {
  switch (status.runtimeStatus) {
    case OrchestrationRuntimeStatus.Pending:
    case OrchestrationRuntimeStatus.Running:
    case OrchestrationRuntimeStatus.ContinuedAsNew:
    case OrchestrationRuntimeStatus.Suspended:
      return json(202, statusBody(status), { Location: url.toString(), 'Retry-After': '10' });
    case OrchestrationRuntimeStatus.Failed:
      return json(url.searchParams.get('returnInternalServerErrorOnFailure') === 'true' ? 500 : 200, statusBody(status));
    default:
      return json(200, statusBody(status));
  }
}


/** entities/{name}/{key}: GET state, POST ?op= signal; entities[/{name}]: GET list. */
async function handleEntities(client: DurableClient, method: string, parts: string[], request: ManagementRequest): Promise<ManagementResponse> {
  const [name, key] = parts;
  const query = request.url.searchParams;
  if (parts.length === 2) {
    const entity = new EntityId(name, key);
    if (method === 'GET') {
      const state = await client.readEntityState(entity);
      return state.entityExists ? json(200, state.entityState ?? null) : message(404, `Entity '${entity}' does not exist.`);
    }
    if (method === 'POST') {
      const input = parseJsonBody(request.body);
      await client.signalEntity(entity, query.get('op') ?? '', input);
      return accepted();
    }
    return message(405, `${method} is not supported on entities.`);
  }
  if (parts.length <= 1 && method === 'GET') {
    const top = query.get('top');
    const pageSize = top === null ? undefined : Number(top);
    if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)) {
      throw new BadRequest(`Query parameter 'top' must be an integer from 1 to 1000, got '${top}'.`);
    }
    const page = await client.listEntities({
      entityName: name,
      fetchState: query.get('fetchState') === 'true',
      lastOperationFrom: parseDate(query.get('lastOperationTimeFrom'), 'lastOperationTimeFrom'),
      pageSize,
      continuationToken: request.headers?.['x-ms-continuation-token'] || undefined,
    });
    const body = page.entities.map((e) => ({
      entityId: { name: e.entityId.name, key: e.entityId.key },
      lastOperationTime: formatTime(e.lastOperationTime),
      ...(e.state !== undefined ? { state: e.state } : {}),
    }));
    return json(200, body, page.continuationToken ? { 'x-ms-continuation-token': page.continuationToken } : {});
  }
  return message(404, `No management route matches ${method} ${request.url.pathname}.`);
}

/**
 * Serves `/runtime/webhooks/durabletask/...` with the extension's routes and status codes.
 * Returns undefined for paths outside the API so the caller can fall through to its own routing.
 */
export async function handleManagementRequest(
  client: DurableClient,
  request: ManagementRequest,
  options: ManagementOptions = {},
): Promise<ManagementResponse | undefined> {
  const path = request.url.pathname;
  const basePath = options.basePath ?? WEBHOOK_PATH;
  if (!path.toLowerCase().startsWith(basePath.toLowerCase())) return undefined;
  if (options.systemKey) {
    if (!keysEqual(presentedKey(request.url, request.headers), options.systemKey)) return message(401, 'A valid system key is required (query parameter "code" or header "x-functions-key").');
  }
  if (Buffer.byteLength(request.body) > MAX_MANAGEMENT_BODY_BYTES) {
    return message(400, `The request body exceeds the limit of ${MAX_MANAGEMENT_BODY_BYTES} bytes.`);
  }
  let segments: string[];
  try {
    segments = path.slice(basePath.length).split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return message(400, 'The request path is not validly URL-encoded.');
  }
  const method = request.method.toUpperCase();
  const query = request.url.searchParams;
  const reason = query.get('reason') ?? '';
  try {
    const [root, id, action, arg] = segments;

    // POST orchestrators/{functionName}[/{instanceId}]: start a new instance.
    if (root === 'orchestrators' && id && segments.length <= 3 && method === 'POST') {
      const instanceId = await client.startNew(id, { instanceId: action, input: parseJsonBody(request.body) });
      const urls = client.createHttpManagementPayload(instanceId, { url: request.url.toString(), headers: request.headers });
      return json(202, urls, { Location: urls.statusQueryGetUri, 'Retry-After': '10' });
    }

    if (root === 'entities') return await handleEntities(client, method, segments.slice(1), request);
    if (root === 'hub') return await handleHubRequest(client, method, segments.slice(1), () => filterFromQuery(query, undefined));
    if (root === 'dashboard') return dashboardResponse(method, Boolean(options.systemKey) || managementAccess().authLevel !== 'anonymous');

    if (root !== 'instances') return message(404, `No management route matches ${method} ${path}.`);

    // instances (list / purge by filter)
    if (!id) {
      const token = request.headers?.['x-ms-continuation-token'] || undefined;
      const filter = filterFromQuery(query, token);
      if (method === 'GET') {
        const page = await client.listInstances(filter);
        const headers: Record<string, string> = page.continuationToken ? { 'x-ms-continuation-token': page.continuationToken } : {};
        return json(200, page.statuses.map(statusBody), headers);
      }
      if (method === 'DELETE') {
        if (!filter.createdTimeFrom) throw new BadRequest("Purging by filter requires the 'createdTimeFrom' query parameter.");
        const result = await client.purgeInstanceHistoryBy(filter);
        return result.instancesDeleted === 0 ? message(404, 'No instances matched the filter.') : json(200, { instancesDeleted: result.instancesDeleted });
      }
      return message(405, `${method} is not supported on ${path}.`);
    }

    if (!action) {
      if (method === 'GET') {
        const status = await client.tryGetStatus(id, {
          showHistory: query.get('showHistory') === 'true',
          showHistoryOutput: query.get('showHistoryOutput') === 'true',
          rawHistory: query.get('historyFormat') === 'raw',
          showInput: query.get('showInput') !== 'false',
        });
        return status ? statusResponse(status, request.url) : message(404, `No instance with ID '${id}' was found.`);
      }
      if (method === 'DELETE') {
        const status = await client.tryGetStatus(id).catch((e: unknown) => {
          // Its blobs are already gone: another purge of this instance is under way.
          if (e instanceof MissingLargeValueError) return undefined;
          throw e;
        });
        if (!status) return message(404, `No instance with ID '${id}' was found.`);
        if (!isTerminal(status.runtimeStatus)) return message(400, `Instance '${id}' is ${status.runtimeStatus}; only finished instances can be purged.`);
        const result = await client.purgeInstanceHistory(id).catch((e: unknown) => {
          if (e instanceof MissingLargeValueError) return { instancesDeleted: 0 };
          throw e;
        });
        // A concurrent purge that got there first: this caller deleted nothing.
        if (result.instancesDeleted === 0) return message(404, `No instance with ID '${id}' was found.`);
        return json(200, { instancesDeleted: result.instancesDeleted });
      }
      return message(405, `${method} is not supported on ${path}.`);
    }

    if (method !== 'POST') return message(405, `${method} is not supported on ${path}.`);
    // Refused before the status is read, so an entity gets "is an entity id", not a status code about its state.
    validateOrchestrationInstanceId(id, action);
    const status = await client.tryGetStatus(id, { showInput: false });
    if (!status) return message(404, `No instance with ID '${id}' was found.`);
    const finished = isTerminal(status.runtimeStatus);
    switch (action) {
      case 'raiseEvent': {
        if (!arg) throw new BadRequest('The event name is missing: POST .../raiseEvent/{eventName}.');
        const data = parseJsonBody(request.body);
        if (finished) return message(410, `Instance '${id}' is ${status.runtimeStatus}; it no longer accepts events.`);
        await client.raiseEvent(id, arg, data);
        return accepted();
      }
      case 'terminate':
        if (finished) return message(410, `Instance '${id}' is already ${status.runtimeStatus}.`);
        await client.terminate(id, reason);
        return accepted();
      case 'suspend':
      case 'resume':
        if (finished) return message(410, `Instance '${id}' is already ${status.runtimeStatus}.`);
        await (action === 'suspend' ? client.suspend(id, reason) : client.resume(id, reason));
        return accepted();
      case 'rewind':
        if (status.runtimeStatus !== OrchestrationRuntimeStatus.Failed) return message(410, `Instance '${id}' is ${status.runtimeStatus}; only Failed instances can be rewound.`);
        await client.rewind(id, reason);
        return accepted();
      case 'restart': {
        const newId = await client.restart(id, query.get('restartWithNewInstanceId') !== 'false');
        const urls = client.createHttpManagementPayload(newId, { url: request.url.toString(), headers: request.headers });
        return json(202, urls, { Location: urls.statusQueryGetUri });
      }
      default:
        return message(404, `No management route matches ${method} ${path}.`);
    }
  } catch (e) {
    if (e instanceof BadRequest || e instanceof InvalidInstanceIdError || e instanceof InvalidQueryError || e instanceof RangeError || e instanceof TypeError) return message(400, e.message);
    if (e instanceof InstanceAlreadyExistsError || e instanceof MissingLargeValueError) return message(409, e.message);
    if (e instanceof InstanceNotFoundError) return message(404, e.message);
    if (e instanceof Error && /doesn't exist, is disabled, or is not an orchestrator function/.test(e.message)) return message(400, e.message);
    throw e;
  }
}
