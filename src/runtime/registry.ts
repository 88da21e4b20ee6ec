import type { FunctionHandler, FunctionInput, FunctionOptions, FunctionOutput } from '@azure/functions';
import { OrchestrationHandler } from '../orchestration/handler';
import { EntityHandler } from '../entities/context';

export type { OrchestrationHandler };

/** An activity handler: @azure/functions' FunctionHandler (input, context) => result. */
export type ActivityHandler = FunctionHandler;

/**
 * Options of app.orchestration / app.activity / app.entity, typed as durable-functions 3.x types
 * them (the Functions options plus the handler) so existing code compiles; df.app.* refuses a
 * registration that declares bindings, which the engine cannot honour (see app/durableBindings).
 */
export interface ActivityOptions extends Partial<FunctionOptions> {
  handler: ActivityHandler;
  extraInputs?: FunctionInput[];
  extraOutputs?: FunctionOutput[];
}

export interface OrchestrationOptions extends Partial<FunctionOptions> {
  handler: OrchestrationHandler;
}

export interface EntityOptions<T> extends Partial<FunctionOptions> {
  handler: EntityHandler<T>;
}

export type FunctionKind = 'orchestration' | 'activity' | 'entity';

export interface Registered<H> {
  name: string;
  handler: H;
}

/** Durable functions of this process. Lookup is case-insensitive like the Functions host. */
export class FunctionRegistry {
  private readonly orchestrations = new Map<string, Registered<OrchestrationHandler>>();
  private readonly activities = new Map<string, Registered<ActivityHandler>>();
  private readonly entities = new Map<string, Registered<EntityHandler>>();
  private readonly listeners: (() => void)[] = [];

  registerOrchestration(name: string, handler: OrchestrationHandler): void {
    this.add(this.orchestrations, 'orchestration', name, handler);
  }

  registerActivity(name: string, handler: ActivityHandler): void {
    this.add(this.activities, 'activity', name, handler);
  }

  registerEntity(name: string, handler: EntityHandler): void {
    this.add(this.entities, 'entity', name, handler);
  }

  orchestration(name: string): Registered<OrchestrationHandler> | undefined {
    return this.orchestrations.get(name.toLowerCase());
  }

  activity(name: string): Registered<ActivityHandler> | undefined {
    return this.activities.get(name.toLowerCase());
  }

  entity(name: string): Registered<EntityHandler> | undefined {
    return this.entities.get(name.toLowerCase());
  }

  get size(): number {
    return this.orchestrations.size + this.activities.size + this.entities.size;
  }

  /** Called after each registration (the worker integration starts the engine on the first one). */
  onRegister(listener: () => void): void {
    this.listeners.push(listener);
  }

  private add<H>(map: Map<string, Registered<H>>, kind: FunctionKind, name: string, handler: H): void {
    if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_\-]{0,127}$/.test(name)) {
      throw new Error(
        `Invalid ${kind} function name '${name}': use a letter followed by letters, digits, '_' or '-' (max 128).`,
      );
    }
    if (typeof handler !== 'function') throw new TypeError(`The handler of ${kind} '${name}' must be a function.`);
    const key = name.toLowerCase();
    if (this.orchestrations.has(key) || this.activities.has(key) || this.entities.has(key)) {
      throw new Error(`A function named '${name}' is already registered.`);
    }
    map.set(key, { name, handler });
    for (const listener of this.listeners) listener();
  }
}

/** The registry the `app.*` functions fill; one per process, like the Functions host's function list. */
export const registry = new FunctionRegistry();
