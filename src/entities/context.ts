import { InvocationContext, LogHandler } from '@azure/functions';
import { randomUUID } from 'crypto';
import { EntityId } from './entityId';

/** What one operation did; the processor commits it, or discards it when the operation throws. */
export interface OperationEffects {
  exists: boolean;
  state: unknown;
  result: unknown;
  signals: { entity: EntityId; operationName: string; input: unknown }[];
  destruct: boolean;
}

/** context.df of an entity operation, as in durable-functions 3.x. */
export class DurableEntityContext<T = unknown> {
  private readonly effects: OperationEffects;

  /** @internal */
  constructor(
    readonly entityId: EntityId,
    readonly operationName: string,
    private readonly input: unknown,
    exists: boolean,
    state: unknown,
  ) {
    this.effects = { exists, state, result: undefined, signals: [], destruct: false };
    this.isNewlyConstructed = !exists;
  }

  readonly isNewlyConstructed: boolean;

  get entityName(): string {
    return this.entityId.name;
  }

  get entityKey(): string {
    return this.entityId.key;
  }

  /** The current state, or the initializer's value (not yet stored) when the entity has none. */
  getState(initializer?: () => T): T | undefined {
    if (this.effects.exists) return this.effects.state as T;
    return initializer ? initializer() : undefined;
  }

  setState(state: T): void {
    this.effects.exists = true;
    this.effects.state = state;
    this.effects.destruct = false;
  }

  getInput<TInput = T>(): TInput | undefined {
    return this.input as TInput | undefined;
  }

  return<TResult = T>(result: TResult): void {
    this.effects.result = result;
  }

  /** Deletes the entity's state when the operation completes. */
  destructOnExit(): void {
    this.effects.destruct = true;
  }

  signalEntity(entity: EntityId, operationName: string, operationInput?: unknown): void {
    if (!(entity instanceof EntityId)) throw new TypeError('signalEntity requires an EntityId.');
    if (typeof operationName !== 'string' || !operationName) throw new TypeError('signalEntity requires an operation name.');
    this.effects.signals.push({ entity, operationName, input: operationInput });
  }

  /** @internal the effects after the operation ran. */
  finish(): OperationEffects {
    if (this.effects.destruct) return { ...this.effects, exists: false, state: undefined };
    return this.effects;
  }
}

export interface EntityContext<T = unknown> extends InvocationContext {
  df: DurableEntityContext<T>;
}

export type EntityHandler<T = unknown> = (context: EntityContext<T>) => void | Promise<void>;

/**
 * The SDK's unit-test helper: an InvocationContext whose `df` is undefined until a test sets it
 * (the SDK's entity wrapper overwrites it per operation).
 */
export class DummyEntityContext<T = unknown> extends InvocationContext implements EntityContext<T> {
  df: DurableEntityContext<T>;

  constructor(functionName = 'dummyContextFunctionName', invocationId: string = randomUUID(), logHandler: LogHandler = (_level, ...args) => console.log(...args)) {
    super({ functionName, invocationId, logHandler });
    this.df = undefined as unknown as DurableEntityContext<T>;
  }
}
