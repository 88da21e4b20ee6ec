import {
  CosmosDBFunctionOptions,
  EventGridFunctionOptions,
  EventHubFunctionOptions,
  FunctionInput,
  FunctionResult,
  GenericFunctionOptions,
  HttpFunctionOptions,
  HttpRequest,
  HttpResponse,
  HttpResponseInit,
  InvocationContext,
  ServiceBusQueueFunctionOptions,
  ServiceBusTopicFunctionOptions,
  StorageBlobFunctionOptions,
  StorageQueueFunctionOptions,
  Timer,
  TimerFunctionOptions,
  app as functionsApp,
} from '@azure/functions';
import { DurableClient } from '../client/durableClient';
import { BindingOptions, refuseBindings } from './durableBindings';
import { ensureHostIntegration } from './hostIntegration';
import { DurableClientInput, durableClient } from './input';
import { ActivityHandler, ActivityOptions, OrchestrationHandler, OrchestrationOptions, registry } from '../runtime/registry';
import { runtime } from './runtime';
import { EntityHandler } from '../entities/context';

export type HttpDurableClientHandler = (
  request: HttpRequest,
  client: DurableClient,
  context: InvocationContext,
) => FunctionResult<HttpResponseInit | HttpResponse>;
export type TimerDurableClientHandler = (myTimer: Timer, client: DurableClient, context: InvocationContext) => FunctionResult;
export type DurableClientHandler = (triggerInput: unknown, client: DurableClient, context: InvocationContext) => FunctionResult;

type WithClient<O, H> = Omit<O, 'handler'> & { handler: H };
export type HttpDurableClientOptions = WithClient<HttpFunctionOptions, HttpDurableClientHandler>;
export type TimerDurableClientOptions = WithClient<TimerFunctionOptions, TimerDurableClientHandler>;
export type StorageQueueDurableClientOptions = WithClient<StorageQueueFunctionOptions, DurableClientHandler>;
export type StorageBlobDurableClientOptions = WithClient<StorageBlobFunctionOptions, DurableClientHandler>;
export type ServiceBusQueueDurableClientOptions = WithClient<ServiceBusQueueFunctionOptions, DurableClientHandler>;
export type ServiceBusTopicDurableClientOptions = WithClient<ServiceBusTopicFunctionOptions, DurableClientHandler>;
export type EventHubDurableClientOptions = WithClient<EventHubFunctionOptions, DurableClientHandler>;
export type EventGridDurableClientOptions = WithClient<EventGridFunctionOptions, DurableClientHandler>;
export type CosmosDBDurableClientOptions = WithClient<CosmosDBFunctionOptions, DurableClientHandler>;
export type GenericDurableClientOptions = WithClient<GenericFunctionOptions, DurableClientHandler>;

/** `df.getClient(context)`: the durable client of this app's task hub (or of the input's `taskHub`). */
export function getClient(_context: InvocationContext, clientInput?: DurableClientInput): DurableClient {
  if (clientInput?.taskHub && clientInput.taskHub !== runtime.settings().hubName) {
    return runtime.clientFor(clientInput.taskHub);
  }
  return runtime.client();
}

/** Adds the durable client input and passes the client to the handler as its second argument. */
function withClient<O extends { handler: (trigger: never, client: DurableClient, context: InvocationContext) => unknown; extraInputs?: FunctionInput[] }>(
  options: O,
): Omit<O, 'handler'> & { handler: (trigger: never, context: InvocationContext) => unknown } {
  ensureHostIntegration();
  const clientInput = durableClient();
  const { handler, ...rest } = options;
  return {
    ...rest,
    extraInputs: [...(options.extraInputs ?? []), clientInput],
    handler: (trigger: never, context: InvocationContext) => handler(trigger, getClient(context, clientInput), context),
  };
}

// The casts below only restate the trigger-specific handler signature after withClient re-wraps it.
/* eslint-disable @typescript-eslint/no-explicit-any */
const client = {
  http: (name: string, options: HttpDurableClientOptions) => functionsApp.http(name, withClient(options) as any),
  timer: (name: string, options: TimerDurableClientOptions) => functionsApp.timer(name, withClient(options) as any),
  storageQueue: (name: string, options: StorageQueueDurableClientOptions) => functionsApp.storageQueue(name, withClient(options) as any),
  storageBlob: (name: string, options: StorageBlobDurableClientOptions) => functionsApp.storageBlob(name, withClient(options) as any),
  serviceBusQueue: (name: string, options: ServiceBusQueueDurableClientOptions) => functionsApp.serviceBusQueue(name, withClient(options) as any),
  serviceBusTopic: (name: string, options: ServiceBusTopicDurableClientOptions) => functionsApp.serviceBusTopic(name, withClient(options) as any),
  eventHub: (name: string, options: EventHubDurableClientOptions) => functionsApp.eventHub(name, withClient(options) as any),
  eventGrid: (name: string, options: EventGridDurableClientOptions) => functionsApp.eventGrid(name, withClient(options) as any),
  cosmosDB: (name: string, options: CosmosDBDurableClientOptions) => functionsApp.cosmosDB(name, withClient(options) as any),
  generic: (name: string, options: GenericDurableClientOptions) => functionsApp.generic(name, withClient(options) as any),
};
/* eslint-enable @typescript-eslint/no-explicit-any */

function orchestration(name: string, handlerOrOptions: OrchestrationHandler | OrchestrationOptions): void {
  ensureHostIntegration();
  refuseBindings('orchestration', name, handlerOrOptions);
  const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : handlerOrOptions?.handler;
  registry.registerOrchestration(name, handler);
}

function activity(name: string, options: ActivityOptions | ActivityHandler): void {
  ensureHostIntegration();
  refuseBindings('activity', name, options);
  const handler = typeof options === 'function' ? options : options?.handler;
  registry.registerActivity(name, handler);
}

function entity<T = unknown>(name: string, handlerOrOptions: EntityHandler<T> | ({ handler: EntityHandler<T> } & BindingOptions)): void {
  ensureHostIntegration();
  refuseBindings('entity', name, handlerOrOptions);
  const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : handlerOrOptions?.handler;
  registry.registerEntity(name, handler as EntityHandler);
}

/** `df.app`: registers durable functions with our engine instead of the Functions host. */
export const app = { orchestration, activity, entity, client };
