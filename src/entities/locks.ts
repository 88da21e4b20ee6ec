import { EntityId } from './entityId';

/**
 * Critical sections (durable-functions 3.5): the lock handle, the lock state and the error raised
 * when orchestrator code breaks a locking rule.
 */

// Ambient `Symbol.dispose` for targets before ES2023 (durable-functions declares the same), so
// DurableLock's dispose method type-checks on every TypeScript version we support.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** `Symbol.dispose` where the runtime has it (Node 20.4+), else the registry symbol TS's downlevel helpers use. */
const disposeSymbol: symbol = (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');

/** The entities an orchestration holds; `release()` (or `using`) ends the critical section. Idempotent. */
export class DurableLock {
  readonly ownedLocks: ReadonlyArray<EntityId>;
  private released = false;

  /** @internal */
  constructor(
    ownedLocks: EntityId[],
    private readonly onRelease: () => void,
  ) {
    this.ownedLocks = Object.freeze([...ownedLocks]);
    (this as unknown as Record<symbol, () => void>)[disposeSymbol] = () => this.release();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }

  /** Same as release(); lets `using lock = yield context.df.lock(...)` release at scope end. */
  [Symbol.dispose](): void {
    this.release();
  }
}

export class LockState {
  constructor(
    readonly isLocked: boolean,
    readonly ownedLocks: EntityId[],
  ) {}
}

export class LockingRulesViolationError extends Error {
  static readonly code = 'LOCKING_RULES_VIOLATION' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'LockingRulesViolationError';
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** The SDK's messages, one per rule. */
export const LockingRules = {
  nested: 'Cannot acquire more locks when already holding some locks.',
  subOrchestration: 'Cannot invoke sub-orchestrations from within a critical section.',
  callUnlocked: 'Cannot call an entity from within a critical section unless it is one of the locked entities.',
  parallelCall: 'Cannot call the same entity multiple times in parallel within a critical section.',
  signalLocked: 'Cannot signal an entity from within a critical section if the entity is one of the locked entities.',
} as const;
