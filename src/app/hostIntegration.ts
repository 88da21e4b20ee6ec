import { HttpRequest, HttpResponse, app as functionsApp } from '@azure/functions';
import { handleManagementRequest, managementResponseText } from '../client/managementApi';
import { MANAGEMENT_FUNCTION_ROUTE } from '../client/managementUrls';
import { httpRoutePrefix } from '../config/settings';
import { createLogger } from '../util/log';
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

function tryGetCoreApi(): CoreApi | undefined {
  try {
    // Provided by the Functions Node worker (or our local host) at run time; absent elsewhere.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@azure/functions-core') as CoreApi;
  } catch {
    return undefined;
  }
}

/** Removes durable client bindings: a plain Functions host has no extension that knows them. */
export function stripDurableBindings(metadata: CoreFunctionMetadata): CoreFunctionMetadata {
  const bindings: Record<string, CoreBinding> = {};
  for (const [name, binding] of Object.entries(metadata.bindings)) {
    if (binding.type !== DURABLE_CLIENT_BINDING) bindings[name] = binding;
  }
  return { ...metadata, bindings };
}

/**
 * Inside a Functions worker: filter our bindings out of every function registration, and start
 * the engine when the app has loaded (appStart), stopping it when the worker shuts down.
 */
export function ensureHostIntegration(): void {
  if (installed) return;
  installed = true;
  const core = tryGetCoreApi();
  if (!core) return;
  const register = core.registerFunction.bind(core);
  core.registerFunction = (metadata, callback) => register(stripDurableBindings(metadata), callback);
  registerManagementFunction();
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
    authLevel: 'anonymous',
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

function startEngineWithRetry(attempt = 1): void {
  runtime.startEngine().catch((e: Error) => {
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
    log.error(`Durable engine failed to start (attempt ${attempt}), retrying in ${delay} ms: ${e.message}`);
    void runtime.stopEngine().catch(() => undefined);
    setTimeout(() => startEngineWithRetry(attempt + 1), delay);
  });
}
