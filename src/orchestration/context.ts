import { InvocationContext } from '@azure/functions';
import { sdkDeterministicGuid } from '../util/uuid';
import { ReplayState } from './replay';
import { RetryOptions, RetryableTask } from './retry';
import { CallHttpOptions, DurableHttpTask, toDurableHttpRequest } from './durableHttp';
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

function requireName(name: unknown, api: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`${api} requires a non-empty function or event name.`);
  }
}

/** The object an orchestrator function receives: an InvocationContext with `df`. */
export interface OrchestrationContext extends InvocationContext {
  df: DurableOrchestrationContext;
}
