import { FunctionInput, InvocationContext, app as functionsApp } from '@azure/functions';
import { DurableClient } from '../client/durableClient';
import { refuseBindings } from './durableBindings';
import { ensureHostIntegration } from './hostIntegration';
import { DurableClientInput, durableClient } from './input';
import { ActivityHandler, ActivityOptions, EntityOptions, OrchestrationHandler, OrchestrationOptions, registry } from '../runtime/registry';
import { runtime } from './runtime';
import { EntityHandler } from '../entities/context';
import {
  CosmosDBDurableClientOptions,
  DurableClientOptions,
  EventGridDurableClientOptions,
  EventHubDurableClientOptions,
  HttpDurableClientOptions,
  ServiceBusQueueDurableClientOptions,
  ServiceBusTopicDurableClientOptions,
  StorageBlobDurableClientOptions,
  StorageQueueDurableClientOptions,
  TimerDurableClientOptions,
} from './clientOptions';
import { RegisteredActivity, RegisteredOrchestration, registeredActivity, registeredOrchestration } from './registered';
import { ExceptionPropertiesProvider, setExceptionPropertiesProvider, withExceptionProperties } from '../orchestration/exceptionProperties';

/** `df.getClient(context)`: the durable client of this app's task hub (or of the input's `taskHub`). */
export function getClient(context: InvocationContext, clientInput?: DurableClientInput): DurableClient {
  clientInput ??= context?.options?.extraInputs?.find((i) => i.type === 'durableClient' || i.type === 'orchestrationClient') as DurableClientInput | undefined;
  if ((clientInput?.taskHub && clientInput.taskHub !== runtime.settings().hubName) || clientInput?.connectionName) {
    return withInvocationTrace(runtime.clientFor(clientInput.taskHub ?? runtime.settings().hubName, clientInput.connectionName), context);
  }
  return withInvocationTrace(runtime.client(), context);
}

function withInvocationTrace(client: DurableClient, context: InvocationContext | undefined): DurableClient {
  const trace = context?.traceContext;
  if (trace?.traceParent) client.invocationTrace = { traceParent: trace.traceParent, traceState: trace.traceState };
  return client;
}

/** Adds the durable client input and passes the client to the handler as its second argument. */
function withClient<O extends { handler: (trigger: never, client: DurableClient, context: InvocationContext) => unknown; extraInputs?: FunctionInput[] }>(
  options: O,
): Omit<O, 'handler'> & { handler: (trigger: never, context: InvocationContext) => unknown } {
  ensureHostIntegration();
  // Like the SDK: an input of type durableClient/orchestrationClient the app declared is used as is.
  const declared = options.extraInputs?.find((i) => i.type === 'durableClient' || i.type === 'orchestrationClient') as DurableClientInput | undefined;
  const clientInput = declared ?? durableClient();
  const { handler, ...rest } = options;
  return {
    ...rest,
    extraInputs: declared ? [...(options.extraInputs ?? [])] : [...(options.extraInputs ?? []), clientInput],
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
  generic: (name: string, options: DurableClientOptions) => functionsApp.generic(name, withClient(options) as any),
};
/* eslint-enable @typescript-eslint/no-explicit-any */

function orchestration(functionName: string, handler: OrchestrationHandler): RegisteredOrchestration;
function orchestration(functionName: string, options: OrchestrationOptions): RegisteredOrchestration;
function orchestration(functionName: string, handlerOrOptions: OrchestrationHandler | OrchestrationOptions): RegisteredOrchestration {
  ensureHostIntegration();
  refuseBindings('orchestration', functionName, handlerOrOptions);
  const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : handlerOrOptions?.handler;
  registry.registerOrchestration(functionName, handler);
  return registeredOrchestration(functionName);
}

/** Activities take an options object as in the SDK; a bare handler is accepted too. */
function activity(functionName: string, options: ActivityOptions | ActivityHandler): RegisteredActivity {
  ensureHostIntegration();
  refuseBindings('activity', functionName, options);
  const handler = typeof options === 'function' ? options : options?.handler;
  if (typeof handler !== 'function') throw new TypeError(`The handler of activity '${functionName}' must be a function.`);
  // As the SDK's wrapper: an error gets the ExceptionPropertiesProvider's properties attached.
  const wrapped: ActivityHandler = async (input, context) => {
    try {
      return await handler(input, context);
    } catch (e) {
      throw withExceptionProperties(e);
    }
  };
  registry.registerActivity(functionName, wrapped);
  return registeredActivity(functionName);
}

function entity<T = unknown>(functionName: string, handler: EntityHandler<T>): void;
function entity<T = unknown>(functionName: string, options: EntityOptions<T>): void;
function entity<T = unknown>(functionName: string, handlerOrOptions: EntityHandler<T> | EntityOptions<T>): void {
  ensureHostIntegration();
  refuseBindings('entity', functionName, handlerOrOptions);
  const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : handlerOrOptions?.handler;
  registry.registerEntity(functionName, handler as EntityHandler);
}

/** `app.setExceptionPropertiesProvider` (durable-functions 3.5): custom properties for activity failures. */
function setProvider(provider: ExceptionPropertiesProvider | undefined): void {
  setExceptionPropertiesProvider(provider);
}

/** `df.app`: registers durable functions with our engine instead of the Functions host. */
export const app = { orchestration, activity, entity, setExceptionPropertiesProvider: setProvider, client };
