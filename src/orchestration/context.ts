import { InvocationContext, LogHandler } from '@azure/functions';
import { randomUUID } from 'crypto';
import { sdkDeterministicGuid, uuidV5 } from '../util/uuid';
import { ReplayState } from './replay';
import { RetryOptions, RetryableTask } from './retry';
import { CallHttpOptions, DurableHttpTask, toDurableHttpRequest } from './durableHttp';
import { EntityId, canonicalLockSet, entityInstanceId } from '../entities/entityId';
import { DurableLock, LockState, LockingRules, LockingRulesViolationError } from '../entities/locks';
import { instanceIdProblem } from '../history/instanceIdRules';
import { RELEASE_EVENT, RequestMessage, ReleaseMessage, toEntityIdJson } from '../entities/messages';
import { EntityRequestTask, sendToEntity } from './entityTasks';
import { RequestSequencer } from '../entities/requestSequencer';
import { toJsonText } from '../util/json';
import { LongTimerTask, isLongTimer } from './longTimer';
import {
  AtomicTask,
  DurableTask,
  DurableTimerTask,
  ExternalEventTask,
  Task,
  TimerTask,
  WhenAllTask,
  WhenAnyTask,
} from './tasks';

/** Namespace of the name-based UUIDs that newGuid() returns, the one durable-functions uses. */
const NEW_GUID_NAMESPACE = '9e952958-5e33-4daf-827f-2fa12937b875';
/** Namespace of entity request ids (signals, calls, locks). */
const ENTITY_REQUEST_NAMESPACE = 'b3c1e7a0-4f2d-4e8b-a6c5-91d0f3e2b7a4';

export interface TaskSet {
  all(tasks: Task[]): Task;
  any(tasks: Task[]): Task;
}

function asDurableTasks(tasks: Task[], api: 'Task.all' | 'Task.any'): DurableTask[] {
  if (!Array.isArray(tasks) || !tasks.every((t) => t instanceof DurableTask)) {
    throw new Error(
      `${api} received a non-valid input. This may occur if it somehow received a non-list input, or if the input list's Tasks were ` +
        'corrupted. Please review your orchestrator code and/or file an issue.',
    );
  }
  if (tasks.length === 0) {
    throw new Error('When constructing a CompoundTask (such as Task.all() or Task.any()), you must specify at least one Task.');
  }
  return tasks as DurableTask[];
}

/** context.df of an orchestration: the deterministic API orchestrator code uses. */
export class DurableOrchestrationContext {
  readonly Task: TaskSet = {
    all: (tasks) => new WhenAllTask(asDurableTasks(tasks, 'Task.all')),
    any: (tasks) => new WhenAnyTask(asDurableTasks(tasks, 'Task.any')),
  };

  /** Counter of entity request ids; separate from newGuid's so user GUIDs match the SDK's. */
  private entityRequests = 0;
  private currentLock: DurableLock | undefined;
  /** Entities of the critical section with a call in flight. */
  private readonly inFlightCalls = new Set<string>();

  /** @internal */
  constructor(private readonly replay: ReplayState) {}

  get instanceId(): string {
    return this.replay.instanceId;
  }

  get parentInstanceId(): string | undefined {
    return this.replay.parentInstanceId;
  }

  /** The version the instance was started with (startNew's or callSubOrchestrator's `version`). */
  get version(): string | undefined {
    return this.replay.version;
  }

  get isReplaying(): boolean {
    return this.replay.isReplaying;
  }

  /** The time of the current episode, identical on every replay. */
  get currentUtcDateTime(): Date {
    return new Date(this.replay.currentUtcDateTime.getTime());
  }

  /** The value last passed to setCustomStatus. */
  get customStatus(): unknown {
    return this.replay.customStatus;
  }

  set customStatus(value: unknown) {
    this.replay.setCustomStatus(value);
  }

  getInput<T = unknown>(): T {
    return this.replay.input as T;
  }

  callActivity(name: string, input?: unknown): Task {
    requireName(name, 'callActivity');
    return new AtomicTask({ kind: 'callActivity', name, input });
  }

  callActivityWithRetry(name: string, retryOptions: RetryOptions, input?: unknown): Task {
    requireName(name, 'callActivityWithRetry');
    requireRetryOptions(retryOptions, 'callActivityWithRetry');
    return new RetryableTask(() => new AtomicTask({ kind: 'callActivity', name, input }), retryOptions, this.replay);
  }

  /** Durable HTTP: the call runs as an activity; 202 + Location responses are polled with durable timers. */
  callHttp(options: CallHttpOptions): Task {
    return new DurableHttpTask(toDurableHttpRequest(options), this.replay);
  }

  callSubOrchestrator(name: string, input?: unknown, instanceId?: string, version?: string): Task {
    requireSubOrchestratorName(name);
    this.checkNotLocked(LockingRules.subOrchestration);
    return new SubOrchestrationTask(this.replay, name, input, instanceId, version);
  }

  callSubOrchestratorWithRetry(name: string, retryOptions: RetryOptions, input?: unknown, instanceId?: string, version?: string): Task {
    requireSubOrchestratorName(name);
    requireRetryOptions(retryOptions, 'callSubOrchestratorWithRetry');
    this.checkNotLocked(LockingRules.subOrchestration);
    return new RetryableTask(() => new SubOrchestrationTask(this.replay, name, input, instanceId, version), retryOptions, this.replay);
  }

  createTimer(fireAt: Date): TimerTask {
    if (!(fireAt instanceof Date) || Number.isNaN(fireAt.getTime())) {
      throw new TypeError('createTimer expects a valid Date.');
    }
    if (isLongTimer(fireAt, this.replay.currentUtcDateTime, this.replay.timerLimits)) return new LongTimerTask(fireAt, this.replay, this.replay.timerLimits);
    return new DurableTimerTask({ kind: 'createTimer', fireAt });
  }

  waitForExternalEvent(name: string): Task {
    requireName(name, 'waitForExternalEvent');
    return new ExternalEventTask(name);
  }

  /** Two-way call: completes with the operation's return value, or fails with its error. */
  callEntity(entityId: EntityId, operationName: string, operationInput?: unknown): Task {
    requireEntity(entityId, 'callEntity');
    requireName(operationName, 'callEntity');
    const key = entityInstanceId(entityId);
    if (this.currentLock) {
      if (!this.currentLock.ownedLocks.some((e) => entityInstanceId(e) === key)) throw new LockingRulesViolationError(LockingRules.callUnlocked);
      if (this.inFlightCalls.has(key)) throw new LockingRulesViolationError(LockingRules.parallelCall);
      this.inFlightCalls.add(key);
    }
    const request: RequestMessage = { op: operationName, signal: false, input: toJsonText(operationInput), id: this.entityRequestId(), parent: this.instanceId };
    return new EntityRequestTask(entityId, request, undefined, () => this.inFlightCalls.delete(key), () => this.labelRequest(key, request));
  }

  /** One-way: the operation is queued on the entity; nothing comes back. */
  signalEntity(entityId: EntityId, operationName: string, operationInput?: unknown): void {
    requireEntity(entityId, 'signalEntity');
    requireName(operationName, 'signalEntity');
    const key = entityInstanceId(entityId);
    if (this.currentLock?.ownedLocks.some((e) => entityInstanceId(e) === key)) throw new LockingRulesViolationError(LockingRules.signalLocked);
    const request: RequestMessage = { op: operationName, signal: true, input: toJsonText(operationInput), id: this.entityRequestId(), parent: this.instanceId };
    const send = sendToEntity(entityId, 'op', request);
    send.onNumbered = () => this.labelRequest(key, request);
    this.replay.scheduleNow(send);
  }

  /**
   * Critical section: locks the entities (sorted and de-duplicated, so overlapping lock sets cannot
   * deadlock) and completes with a DurableLock. Locks are released by `release()` or when the
   * orchestration ends. Takes `lock(a, b)` or `lock([a, b])`.
   */
  lock(...entities: EntityId[]): Task;
  lock(entities: EntityId[]): Task;
  lock(first?: EntityId | EntityId[], ...rest: EntityId[]): Task {
    if (first === undefined && rest.length === 0) throw new RangeError('lock requires at least one EntityId');
    const requested: unknown[] = Array.isArray(first) ? first : [first, ...rest];
    if (requested.length === 0) throw new RangeError('lock requires at least one EntityId');
    if (!requested.every((e) => e instanceof EntityId)) throw new TypeError('lock expected EntityId[]');
    if (this.currentLock) throw new LockingRulesViolationError(LockingRules.nested);
    const lockset = canonicalLockSet(requested as EntityId[]);
    const id = this.entityRequestId();
    const lock: DurableLock = new DurableLock(lockset, () => {
      const release: ReleaseMessage = { parent: this.instanceId, id };
      for (const entity of lockset) this.replay.scheduleNow(sendToEntity(entity, RELEASE_EVENT, release));
      if (this.currentLock === lock) this.currentLock = undefined;
    });
    this.currentLock = lock;
    const request: RequestMessage = { op: null, signal: false, id, parent: this.instanceId, lockset: lockset.map(toEntityIdJson), pos: 0 };
    return new EntityRequestTask(lockset[0], request, () => lock, undefined, () => this.labelRequest(entityInstanceId(lockset[0]), request));
  }

  isLocked(): LockState {
    return this.currentLock ? new LockState(true, [...this.currentLock.ownedLocks]) : new LockState(false, []);
  }

  setCustomStatus(customStatusObject: unknown): void {
    this.replay.setCustomStatus(customStatusObject);
  }

  continueAsNew(input: unknown): void {
    this.replay.continueAsNew(input);
  }

  /**
   * Deterministic UUID, the same on every replay of the same point in the orchestration; the
   * SDK's algorithm, so values equal those durable-functions computes. `instanceId` defaults to
   * this instance (the SDK requires it).
   */
  newGuid(instanceId: string = this.instanceId): string {
    const name = `${instanceId}_${this.currentUtcDateTime.valueOf()}_${this.replay.nextGuidCounter()}`;
    return sdkDeterministicGuid(name, NEW_GUID_NAMESPACE);
  }

  /**
   * The id of an entity request or lock. Unlike newGuid it does not depend on the episode's time, so
   * a work item retried after a crash (a new episode time) re-sends its requests with the ids of the
   * first attempt, and the entity applies each once. Its own counter keeps newGuid's sequence the SDK's.
   */
  private entityRequestId(): string {
    return uuidV5(`${this.instanceId}:${this.replay.executionId}:entity:${this.entityRequests++}`, ENTITY_REQUEST_NAMESPACE);
  }

  /** The sender's MessageSorter fields, so .NET entities order and de-duplicate our requests (requestSequencer.ts). */
  private readonly sequencer = new RequestSequencer();

  private labelRequest(destination: string, request: RequestMessage): void {
    request.parentExecution = this.replay.executionId || null;
    Object.assign(request, this.sequencer.label(destination, this.currentUtcDateTime.valueOf()));
  }

  private checkNotLocked(message: string): void {
    if (this.currentLock) throw new LockingRulesViolationError(message);
  }
}

/** A sub-orchestration whose default instance id depends on the sequence number it receives. */
export class SubOrchestrationTask extends AtomicTask {
  constructor(replay: ReplayState, name: string, input: unknown, instanceId: string | undefined, version?: string) {
    super({ kind: 'callSubOrchestrator', name, input, instanceId: instanceId ?? '', ...(version !== undefined ? { version } : {}) });
    const problem = instanceId ? instanceIdProblem(instanceId, false) : undefined;
    if (problem) throw new TypeError(`callSubOrchestrator: ${problem}`);
    if (!instanceId) {
      // Filled in once numbered, so the child id is deterministic: "<parent>:<sequence>".
      const action = this.action as { instanceId: string };
      Object.defineProperty(action, 'instanceId', {
        enumerable: true,
        get: () => `${replay.instanceId}:${(this.id ?? 0).toString(16).padStart(4, '0')}`,
      });
    }
  }
}

function requireSubOrchestratorName(name: unknown): void {
  if (!name) throw new Error('A sub-orchestration function name must be provided when attempting to create a suborchestration');
  requireName(name, 'callSubOrchestrator');
}

export function requireRetryOptions(options: unknown, api: string): void {
  if (!(options instanceof RetryOptions)) throw new TypeError(`${api} requires a RetryOptions instance (new df.RetryOptions(firstRetryIntervalMs, maxAttempts)).`);
}

function requireEntity(entity: unknown, api: string): void {
  if (!(entity instanceof EntityId)) throw new TypeError(`${api} requires an EntityId (new df.EntityId(name, key)).`);
}

function requireName(name: unknown, api: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`${api} requires a non-empty function or event name.`);
  }
}

/** The object an orchestrator function receives: an InvocationContext with `df`. */
export interface OrchestrationContext extends InvocationContext {
  df: DurableOrchestrationContext;
}

/**
 * The SDK's unit-test helper: an InvocationContext whose `df` is undefined until set; the
 * orchestration runner only fills `df` when it is undefined, so tests may pre-seed it.
 */
export class DummyOrchestrationContext extends InvocationContext implements OrchestrationContext {
  df: DurableOrchestrationContext;

  constructor(functionName = 'dummyContextFunctionName', invocationId: string = randomUUID(), logHandler: LogHandler = (_level, ...args) => console.log(...args)) {
    super({ functionName, invocationId, logHandler });
    this.df = undefined as unknown as DurableOrchestrationContext;
  }
}
