/**
 * durable-functions-node: the durable-functions 3.x programming model with its engine built in.
 * Replace `import * as df from 'durable-functions'` with an import of this package.
 */
import { OrchestrationHandler } from './runtime/registry';
import { EntityHandler } from './entities/context';
import { ensureHostIntegration } from './app/hostIntegration';

// On import, before any of the app's registrations: a starter declared with plain app.http and
// df.input.durableClient() in a file loaded before any df.app.* call must be filtered too.
ensureHostIntegration();

export { app, getClient } from './app/app';
export type {
  HttpDurableClientHandler,
  HttpDurableClientOptions,
  TimerDurableClientHandler,
  TimerDurableClientOptions,
  DurableClientHandler,
} from './app/app';
export { input } from './app/input';
export type { DurableClientInput } from './app/input';
export { trigger } from './app/trigger';
export type { OrchestrationHandler, ActivityHandler, ActivityOptions, OrchestrationOptions } from './runtime/registry';
export { DurableClient } from './client/durableClient';
export { createClient } from './app/createClient';
export { InvalidInstanceIdError } from './client/instanceId';
export type { StartNewOptions, GetStatusOptions, WaitForCompletionOptions } from './client/durableClient';
export type { HttpManagementPayload } from './client/managementUrls';
export { DurableOrchestrationStatus, OrchestrationRuntimeStatus } from './client/status';
export { DurableOrchestrationContext } from './orchestration/context';
export type { OrchestrationContext } from './orchestration/context';
export type { Task, TimerTask } from './orchestration/tasks';
export { RetryOptions } from './orchestration/retry';
export type { CallHttpOptions, DurableHttpRequest, DurableHttpResponse } from './orchestration/durableHttp';
export { TaskFailedError, NonDeterministicOrchestrationError } from './orchestration/errors';

export { EntityId } from './entities/entityId';
export { DurableEntityContext } from './entities/context';
export type { EntityContext, EntityHandler } from './entities/context';
export { EntityOperationError } from './orchestration/entityTasks';
export { EntityStateResponse, PurgeHistoryResult } from './client/durableClient';
export type { EntityQuery, EntityMetadata, EntityQueryResult, CleanEntityStorageResult } from './client/durableClient';
export type { OrchestrationFilter } from './client/orchestrationFilter';

/** The classic entity wrapper: `df.entity(function (context) { ... })` gives an entity handler. */
export function entity<T = unknown>(fn: EntityHandler<T>): EntityHandler<T> {
  if (typeof fn !== 'function') throw new TypeError('df.entity expects a function.');
  return fn;
}

/** The classic wrapper: `df.orchestrator(function* (context) { ... })` gives an orchestration handler. */
export function orchestrator(fn: OrchestrationHandler): OrchestrationHandler {
  if (typeof fn !== 'function') throw new TypeError('df.orchestrator expects a generator function.');
  return fn;
}
