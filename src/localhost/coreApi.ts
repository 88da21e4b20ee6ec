import { resetHostLog } from '../util/hostLog';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS loader is patched in place
import Module = require('module');

/**
 * A stand-in for the `@azure/functions-core` module that the Functions Node worker provides at run
 * time. `@azure/functions` registers functions and hooks through it, so running an app against
 * this module goes through exactly the registration path `func start` would.
 */

export interface RpcBinding {
  type: string;
  direction?: string;
  name?: string;
  [key: string]: unknown;
}

export interface RegisteredFunction {
  name: string;
  bindings: Record<string, RpcBinding>;
  callback: unknown;
}

export interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  http?: RpcHttpData;
}

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: RpcTypedData;
  params?: Record<string, string>;
  query?: Record<string, string>;
  statusCode?: string;
  cookies?: unknown[];
}

export interface CoreInvocationContext {
  invocationId: string;
  request: {
    invocationId: string;
    functionId: string;
    inputData: { name: string; data: RpcTypedData }[];
    triggerMetadata: Record<string, RpcTypedData>;
  };
  metadata: { name: string; bindings: Record<string, RpcBinding> };
  state?: string;
  log(level: string, category: string, message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: unknown): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: RpcTypedData; outputData?: unknown[] }>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(context: CoreInvocationContext): InvocationModel;
}

type HookCallback = (context: Record<string, unknown>) => unknown;

class Disposable {
  constructor(private readonly onDispose: () => void) {}
  dispose(): void {
    this.onDispose();
  }
}

export class LocalCoreApi {
  readonly version = 'local';
  readonly hostVersion = '4.0.0-local';
  readonly Disposable = Disposable;
  readonly functions = new Map<string, RegisteredFunction>();
  private readonly hooks = new Map<string, Set<HookCallback>>();
  private model: ProgrammingModel | undefined;

  registerFunction = (metadata: { name: string; bindings: Record<string, RpcBinding> }, callback: unknown): Disposable => {
    const key = metadata.name.toLowerCase();
    if (this.functions.has(key)) throw new Error(`A function with the name '${metadata.name}' has already been registered.`);
    this.functions.set(key, { name: metadata.name, bindings: metadata.bindings, callback });
    return new Disposable(() => this.functions.delete(key));
  };

  setProgrammingModel = (model: ProgrammingModel): void => {
    this.model = model;
  };

  getProgrammingModel = (): ProgrammingModel | undefined => this.model;

  registerHook = (hookName: string, callback: HookCallback): Disposable => {
    const set = this.hooks.get(hookName) ?? new Set();
    set.add(callback);
    this.hooks.set(hookName, set);
    return new Disposable(() => set.delete(callback));
  };

  log = (level: string, category: string, message: string): void => {
    if (level === 'error' || level === 'critical' || level === 'warning') console.error(`[${category}] ${message}`);
    else if (level !== 'trace' && level !== 'debug') console.log(message);
  };

  async runHooks(hookName: string): Promise<void> {
    for (const callback of this.hooks.get(hookName) ?? []) await callback({ hookData: {} });
  }

  programmingModel(): ProgrammingModel {
    if (!this.model) throw new Error('No programming model was registered: the app registered no functions through @azure/functions.');
    return this.model;
  }
}

let installed: LocalCoreApi | undefined;

/** Makes `require('@azure/functions-core')` return our stand-in, as the worker does with its own. */
export function installLocalCoreApi(): LocalCoreApi {
  if (installed) return installed;
  const core = new LocalCoreApi();
  const original = Module.prototype.require;
  Module.prototype.require = new Proxy(original, {
    apply(target, thisArg, args: [string]) {
      if (args[0] === '@azure/functions-core') return core;
      return Reflect.apply(target, thisArg, args);
    },
  }) as typeof original;
  installed = core;
  // Loggers resolved before the module existed would otherwise keep writing to the console.
  resetHostLog();
  return core;
}
