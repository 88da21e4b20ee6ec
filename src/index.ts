/**
 * durable-functions-node: the durable-functions 3.x programming model with its engine built in.
 * Replace `import * as df from 'durable-functions'` with an import of this package.
 *
 * Every public symbol of durable-functions 3.x is exported here at its SDK signature
 * (docs/sdk-compat.md lists them); a few additions are marked as ours.
 */
import { OrchestrationHandler } from './runtime/registry';
import { EntityHandler } from './entities/context';
import { ensureHostIntegration } from './app/hostIntegration';

// On import, before any of the app's registrations: a starter declared with plain app.http and
// df.input.durableClient() in a file loaded before any df.app.* call must be filtered too.
ensureHostIntegration();

// Registration and bindings
export { app, getClient } from './app/app';
export { input } from './app/input';
export type { DurableClientInput } from './app/input';
export { trigger } from './app/trigger';
export type { ActivityTrigger, EntityTrigger, OrchestrationTrigger } from './app/trigger';
export type {
  ActivityHandler,
  ActivityOptions,
  EntityOptions,
  OrchestrationHandler,
  OrchestrationOptions,
} from './runtime/registry';
export type { RegisteredActivity, RegisteredActivityTask, RegisteredOrchestration, RegisteredOrchestrationTask } from './app/registered';
export type {
  CosmosDBDurableClientHandler,
  CosmosDBDurableClientOptions,
  CosmosDBv3DurableClientOptions,
  CosmosDBv4DurableClientOptions,
  DurableClientHandler,
  DurableClientOptions,
  EventGridDurableClientHandler,
  EventGridDurableClientOptions,
  EventHubDurableClientHandler,
  EventHubDurableClientOptions,
  HttpDurableClientHandler,
  HttpDurableClientOptions,
  ServiceBusQueueDurableClientHandler,
  ServiceBusQueueDurableClientOptions,
  ServiceBusTopicDurableClientHandler,
  ServiceBusTopicDurableClientOptions,
  StorageBlobDurableClientHandler,
  StorageBlobDurableClientOptions,
  StorageQueueDurableClientHandler,
  StorageQueueDurableClientOptions,
  TimerDurableClientHandler,
  TimerDurableClientOptions,
} from './app/clientOptions';
export type { ExceptionPropertiesProvider } from './orchestration/exceptionProperties';

// Client
export { DurableClient, EntityStateResponse, PurgeHistoryResult } from './client/durableClient';
export { createClient } from './app/createClient';
export { InvalidInstanceIdError } from './client/instanceId';
export type {
  StartNewOptions,
  GetStatusOptions,
  TaskHubOptions,
  WaitForCompletionOptions,
  EntityQuery,
  EntityMetadata,
  EntityQueryResult,
  CleanEntityStorageResult,
} from './client/durableClient';
export { HttpManagementPayload } from './client/managementUrls';
export { DurableOrchestrationStatus, OrchestrationRuntimeStatus } from './client/status';

// Orchestrations
export { DurableOrchestrationContext, DummyOrchestrationContext } from './orchestration/context';
export type { OrchestrationContext } from './orchestration/context';
export type { Task, TimerTask } from './orchestration/tasks';
export { RetryOptions } from './orchestration/retry';
export { ManagedIdentityTokenSource } from './orchestration/tokenSource';
export type { TokenSource } from './orchestration/tokenSource';
export type { CallHttpOptions, DurableHttpRequest, DurableHttpResponse } from './orchestration/durableHttp';
export { TaskFailedError, DurableError, AggregatedError, NonDeterministicOrchestrationError } from './orchestration/errors';
export type { FailureDetails } from './orchestration/errors';

// Entities
export { EntityId } from './entities/entityId';
export { DurableEntityContext, DummyEntityContext } from './entities/context';
export type { EntityContext, EntityHandler } from './entities/context';
export { DurableLock, LockState, LockingRulesViolationError } from './entities/locks';
export { EntityOperationError } from './orchestration/entityTasks';
export type { OrchestrationFilter } from './client/orchestrationFilter';

/** Ours (durable-functions 2.x style): `df.entity(function (context) { ... })` gives an entity handler. */
export function entity<T = unknown>(fn: EntityHandler<T>): EntityHandler<T> {
  if (typeof fn !== 'function') throw new TypeError('df.entity expects a function.');
  return fn;
}

/** Ours (durable-functions 2.x style): `df.orchestrator(function* (context) { ... })` gives an orchestration handler. */
export function orchestrator(fn: OrchestrationHandler): OrchestrationHandler {
  if (typeof fn !== 'function') throw new TypeError('df.orchestrator expects a generator function.');
  return fn;
}
