import { HttpRequest, HttpResponse, app as functionsApp } from '@azure/functions';
import { handleManagementRequest, managementResponseText } from '../client/managementApi';
import { managementAccess } from '../client/managementAuth';
import { MANAGEMENT_FUNCTION_ROUTE } from '../client/managementUrls';
import { httpRoutePrefix } from '../config/settings';
import { wakeUpQueueName } from '../config/wakeUp';
import { TaskHubNames } from '../backend/azureStorage/names';
import { createLogger } from '../util/log';
import { tryGetFunctionsCore } from '../util/functionsCore';
import { DURABLE_CLIENT_BINDING } from './input';
import { runtime } from './runtime';

/** The part of the worker's built-in `@azure/functions-core` module that we touch. */
interface CoreBinding {
  type?: string;
  direction?: string;
}
interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, CoreBinding>;
}
interface CoreApi {
  registerFunction(metadata: CoreFunctionMetadata, callback: unknown): unknown;
}

const log = createLogger('durable:host');
let installed = false;

/** Binding types only the Durable extension knows (lower-cased; the host compares them case-insensitively). */
const DURABLE_CLIENT_TYPES = new Set([DURABLE_CLIENT_BINDING.toLowerCase(), 'orchestrationclient']);
const DURABLE_TRIGGER_TYPES = new Set(['orchestrationtrigger', 'activitytrigger', 'entitytrigger']);

/**
 * Removes durable client bindings, and refuses durable triggers: the host must never see either,
 * or it would need (and, with an extension bundle, load) the real Durable extension beside our
 * engine. Durable functions are registered with df.app.* and run by our engine instead.
 */
export function stripDurableBindings(metadata: CoreFunctionMetadata): CoreFunctionMetadata {
  const bindings: Record<string, CoreBinding> = {};
  for (const [name, binding] of Object.entries(metadata.bindings)) {
    const type = String(binding.type ?? '').toLowerCase();
    if (DURABLE_TRIGGER_TYPES.has(type)) {
      throw new Error(
        `Function '${metadata.name}' declares a binding of type '${binding.type}', which the Functions host cannot serve: this app runs durable ` +
          'functions in its own engine, without the Durable extension. Register it with df.app.orchestration, df.app.activity or ' +
          'df.app.entity from durable-functions-node instead.',
      );
    }
    if (!DURABLE_CLIENT_TYPES.has(type)) bindings[name] = binding;
  }
  return { ...metadata, bindings };
}

/**
 * Inside a Functions worker: filter our bindings out of every function registration, and start
 * the engine when the app has loaded (appStart), stopping it when the worker shuts down.
 */
export function ensureHostIntegration(): void {
  if (installed) return;
  const core = tryGetFunctionsCore<CoreApi>();
  // Not in a worker (yet): a later call, e.g. from the local host once it provides the module, installs it.
  if (!core) return;
  installed = true;
  const register = core.registerFunction.bind(core);
  core.registerFunction = (metadata, callback) => register(stripDurableBindings(metadata), callback);
  registerManagementFunction();
  registerWakeUpFunctions();
  registerActivityFunction();
  functionsApp.hook.appStart(() => {
    startEngineWithRetry();
  });
  functionsApp.hook.appTerminate(async () => {
    await runtime.stopEngine();
  });
}

/**
 * Without the Durable extension the host has no /runtime/webhooks/durabletask, so the management
 * API is an ordinary HTTP function at /<routePrefix>/durabletask/..., and the URLs that clients
 * hand out point there.
 */
function registerManagementFunction(): void {
  const basePath = `/${[httpRoutePrefix(runtime.appRoot()), MANAGEMENT_FUNCTION_ROUTE].filter(Boolean).join('/')}`;
  runtime.configureManagement({ webhookPath: basePath });
  functionsApp.http('DurableTaskManagement', {
    route: `${MANAGEMENT_FUNCTION_ROUTE}/{*path}`,
    methods: ['GET', 'POST', 'DELETE'],
    // Secure by default in Azure; see managementAccess for the rules and the explicit opt-out.
    authLevel: managementAccess().authLevel,
    handler: async (request: HttpRequest): Promise<HttpResponse> => {
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => (headers[key] = value));
      const response = await handleManagementRequest(
        runtime.client(),
        { method: request.method, url: new URL(request.url), body: await request.text(), headers },
        { systemKey: runtime.managementKey(), basePath },
      );
      if (!response) return new HttpResponse({ status: 404 });
      return new HttpResponse({
        status: response.status,
        headers: response.headers,
        body: managementResponseText(response),
      });
    },
  });
}

/** Names of the functions the package registers for the platform's wake-up path. */
export const WAKE_UP_QUEUE_FUNCTION = 'DurableTaskWakeUp';
export const WAKE_UP_TIMER_FUNCTION = 'DurableTaskWakeUpTimer';

/**
 * The platform starts and scales Consumption / Flex Consumption apps for their triggers only. A
 * storage-queue trigger on `<hub>-wake` (where the backend mirrors every send with its delay) wakes
 * the app when work becomes due, and a timer trigger is the fallback (docs/adr/0012). Both just make
 * sure the engine runs; the engine then drains the task hub's own queues.
 */
function registerWakeUpFunctions(): void {
  let queueName: string;
  let connection: string;
  let schedule: string;
  try {
    const wake = runtime.wakeUpSettings();
    if (!wake.enabled) return;
    const settings = runtime.settings();
    queueName = wakeUpQueueName(settings.hubName);
    connection = settings.connectionName;
    schedule = wake.schedule;
  } catch (e) {
    // The engine's start reports the same configuration error; the app's other functions still load.
    log.error(`The durable wake-up functions were not registered: ${(e as Error).message}`);
    return;
  }
  functionsApp.storageQueue(WAKE_UP_QUEUE_FUNCTION, { queueName, connection, handler: () => runtime.ensureEngine() });
  functionsApp.timer(WAKE_UP_TIMER_FUNCTION, { schedule, handler: () => runtime.ensureEngine() });
}

/** Name of the queue-trigger function that runs the app's activities. */
export const ACTIVITY_FUNCTION = 'DurableTaskActivity';

/**
 * Activities run as executions of a storage-queue trigger on `<hub>-workitems` (docs/adr/0013): each
 * is a real function execution (logs, drain on scale-in, `functionTimeout`), and the platform scales
 * the app on the work-item backlog. Control queues stay with the engine's partition-owning pollers.
 */
function registerActivityFunction(): void {
  let queueName: string;
  let connection: string;
  try {
    if (!runtime.wakeUpSettings().activityTrigger) return;
    const settings = runtime.settings();
    queueName = new TaskHubNames(settings.hubName).workItemQueue;
    connection = settings.connectionName;
  } catch (e) {
    log.error(`The durable activity function was not registered: ${(e as Error).message}`);
    return;
  }
  functionsApp.storageQueue(ACTIVITY_FUNCTION, { queueName, connection, handler: (message, context) => runtime.runTriggeredActivity(message, context) });
}

function startEngineWithRetry(attempt = 1): void {
  runtime.startEngine().catch((e: Error) => {
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
    log.error(`Durable engine failed to start (attempt ${attempt}), retrying in ${delay} ms: ${e.message}`);
    void runtime.stopEngine().catch(() => undefined);
    setTimeout(() => startEngineWithRetry(attempt + 1), delay);
  });
}
