import { InvocationContext } from '@azure/functions';
import { sdkDeterministicGuid } from '../util/uuid';
import { ReplayState } from './replay';
import { RetryOptions, RetryableTask } from './retry';
import { CallHttpOptions, DurableHttpTask, toDurableHttpRequest } from './durableHttp';
import { EntityId, canonicalLockSet } from '../entities/entityId';
import { instanceIdProblem } from '../history/instanceIdRules';
import { RELEASE_EVENT, RequestMessage, ReleaseMessage, toEntityIdJson } from '../entities/messages';
import { EntityRequestTask, sendToEntity } from './entityTasks';
import { toJsonText } from '../util/json';
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

export interface TaskSet {
  all(tasks: Task[]): Task;
  any(tasks: Task[]): Task;
}

function asDurableTasks(tasks: Task[], api: string): DurableTask[] {
  if (!Array.isArray(tasks)) throw new TypeError(`${api} expects an array of tasks.`);
  return tasks.map((t, i) => {
    if (!(t instanceof DurableTask)) throw new TypeError(`${api}: element ${i} is not a durable task.`);
    return t;
  });
}

/** context.df of an orchestration: the deterministic API orchestrator code uses. */
export class DurableOrchestrationContext {
  readonly Task: TaskSet = {
    all: (tasks) => new WhenAllTask(asDurableTasks(tasks, 'Task.all')),
    any: (tasks) => new WhenAnyTask(asDurableTasks(tasks, 'Task.any')),
  };

  constructor(private readonly replay: ReplayState) {}

  get instanceId(): string {
    return this.replay.instanceId;
  }

  get parentInstanceId(): string | undefined {
    return this.replay.parentInstanceId;
  }

  get isReplaying(): boolean {
    return this.replay.isReplaying;
  }

  /** The time of the current episode, identical on every replay. */
  get currentUtcDateTime(): Date {
    return new Date(this.replay.currentUtcDateTime.getTime());
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

  callSubOrchestrator(name: string, input?: unknown, instanceId?: string): Task {
    requireName(name, 'callSubOrchestrator');
    return new SubOrchestrationTask(this.replay, name, input, instanceId);
  }

  callSubOrchestratorWithRetry(name: string, retryOptions: RetryOptions, input?: unknown, instanceId?: string): Task {
    requireName(name, 'callSubOrchestratorWithRetry');
    requireRetryOptions(retryOptions, 'callSubOrchestratorWithRetry');
    return new RetryableTask(() => new SubOrchestrationTask(this.replay, name, input, instanceId), retryOptions, this.replay);
  }

  createTimer(fireAt: Date): TimerTask {
    if (!(fireAt instanceof Date) || Number.isNaN(fireAt.getTime())) {
      throw new TypeError('createTimer expects a valid Date.');
    }
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
    const request: RequestMessage = { op: operationName, signal: false, input: toJsonText(operationInput), id: this.newGuid(), parent: this.instanceId };
    return new EntityRequestTask(entityId, request);
  }

  /** One-way: the operation is queued on the entity; nothing comes back. */
  signalEntity(entityId: EntityId, operationName: string, operationInput?: unknown): void {
    requireEntity(entityId, 'signalEntity');
    requireName(operationName, 'signalEntity');
    const request: RequestMessage = { op: operationName, signal: true, input: toJsonText(operationInput), id: this.newGuid(), parent: this.instanceId };
    this.replay.scheduleNow(sendToEntity(entityId, 'op', request));
  }

  /**
   * Critical section: locks the entities (in canonical order, so overlapping lock sets cannot
   * deadlock) and completes with a releaser. Locks are released by `release()` or when the
   * orchestration ends.
   */
  lock(entityIds: EntityId[]): Task {
    if (!Array.isArray(entityIds) || entityIds.length === 0) throw new TypeError('lock requires a non-empty array of EntityId.');
    entityIds.forEach((e) => requireEntity(e, 'lock'));
    if (this.heldLocks) throw new Error('The orchestration already holds locks; release them before acquiring new ones.');
    const lockset = canonicalLockSet(entityIds);
    const id = this.newGuid();
    const request: RequestMessage = { op: null, signal: false, id, parent: this.instanceId, lockset: lockset.map(toEntityIdJson), pos: 0 };
    return new EntityRequestTask(lockset[0], request, () => {
      this.heldLocks = { id, entities: lockset };
      return { release: () => this.releaseLocks(id) };
    });
  }

  isLocked(): { isLocked: boolean; ownedLocks: EntityId[] } {
    return { isLocked: !!this.heldLocks, ownedLocks: this.heldLocks ? [...this.heldLocks.entities] : [] };
  }

  private heldLocks: { id: string; entities: EntityId[] } | undefined;

  private releaseLocks(id: string): void {
    if (!this.heldLocks || this.heldLocks.id !== id) return;
    const release: ReleaseMessage = { parent: this.instanceId, id };
    for (const entity of this.heldLocks.entities) this.replay.scheduleNow(sendToEntity(entity, RELEASE_EVENT, release));
    this.heldLocks = undefined;
  }

  setCustomStatus(status: unknown): void {
    this.replay.setCustomStatus(status);
  }

  continueAsNew(input: unknown): void {
    this.replay.continueAsNew(input);
  }

  /** Deterministic UUID: the same on every replay of the same point in the orchestration. */
  newGuid(instanceId: string = this.instanceId): string {
    const name = `${instanceId}_${this.currentUtcDateTime.valueOf()}_${this.replay.nextGuidCounter()}`;
    return sdkDeterministicGuid(name, NEW_GUID_NAMESPACE);
  }
}

/** A sub-orchestration whose default instance id depends on the sequence number it receives. */
class SubOrchestrationTask extends AtomicTask {
  constructor(replay: ReplayState, name: string, input: unknown, instanceId: string | undefined) {
    super({ kind: 'callSubOrchestrator', name, input, instanceId: instanceId ?? '' });
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

function requireRetryOptions(options: unknown, api: string): void {
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
