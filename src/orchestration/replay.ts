import { EventType, FailureDetails, HistoryEvent, scheduledIdOf } from '../history/events';
import { fromJsonText } from '../util/json';
import { DEFAULT_TIMER_LIMITS, TimerLimits } from '../config/settings';
import { NumberedAction, OrchestratorAction, describeAction } from './actions';
import { NonDeterministicOrchestrationError, taskFailure, toFailureDetails } from './errors';
import { AtomicTask, DurableTask, DurableTimerTask, ExternalEventTask, isDurableTask } from './tasks';

/** How one replay of an orchestrator ended. */
export type ReplayOutcome =
  | { kind: 'pending' }
  | { kind: 'completed'; output: unknown }
  | { kind: 'failed'; failure: FailureDetails }
  | { kind: 'continuedAsNew'; input: unknown };

export interface ReplayResult {
  outcome: ReplayOutcome;
  /** Actions the history does not contain yet, in scheduling order. */
  newActions: NumberedAction[];
  customStatus: unknown;
  /** True when the last suspend in history has no matching resume. */
  suspended: boolean;
  /** Action ids the code used (DT.Core numbers the completion of the orchestration with the next one). */
  actionCount: number;
}

/** The orchestrator code, called once per replay with the context the replay owns. */
export type OrchestratorBody = (state: ReplayState) => unknown;

/** Read-only view of the replay that the orchestration context exposes to user code. */
export interface ReplayState {
  readonly instanceId: string;
  /** The execution being replayed ('' before its ExecutionStarted). */
  readonly executionId: string;
  readonly orchestrationName: string;
  readonly input: unknown;
  readonly parentInstanceId: string | undefined;
  /** Version of the ExecutionStarted event (startNew's or callSubOrchestrator's `version`). */
  readonly version: string | undefined;
  readonly isReplaying: boolean;
  readonly currentUtcDateTime: Date;
  /** When a durable timer becomes a chain of shorter ones. */
  readonly timerLimits: TimerLimits;
  /** Registers a task scheduled immediately, without a yield (signalEntity, raising events). */
  scheduleNow(task: AtomicTask): void;
  readonly customStatus: unknown;
  setCustomStatus(status: unknown): void;
  continueAsNew(input: unknown): void;
  nextGuidCounter(): number;
}

/** The replay whose orchestrator code is running now (replays are synchronous, so one at a time). */
let activeReplay: ReplayState | undefined;

/**
 * Tasks created without a context (the callables `app.activity`/`app.orchestration` return)
 * need the running replay; outside orchestrator code there is none.
 */
export function currentReplay(api: string): ReplayState {
  if (!activeReplay) throw new Error(`${api} can only be used inside orchestrator code, while the orchestration runs.`);
  return activeReplay;
}

function isIterator(value: unknown): value is Iterator<unknown, unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Iterator<unknown>).next === 'function' &&
    typeof (value as Iterator<unknown>).throw === 'function'
  );
}

const schedulingKinds: Partial<Record<EventType, OrchestratorAction['kind']>> = {
  [EventType.TaskScheduled]: 'callActivity',
  [EventType.TimerCreated]: 'createTimer',
  [EventType.SubOrchestrationInstanceCreated]: 'callSubOrchestrator',
  [EventType.EventSent]: 'sendEvent',
};

/**
 * Deterministic replay of one orchestration execution: feeds the recorded history and the new
 * events to the orchestrator code, resuming it whenever the task it waits on settles, and checks
 * that the actions it schedules match the ones history recorded.
 */
export class OrchestrationReplay implements ReplayState {
  instanceId = '';
  executionId = '';
  orchestrationName = '';
  input: unknown = undefined;
  parentInstanceId: string | undefined;
  version: string | undefined;
  isReplaying = true;
  currentUtcDateTime = new Date(0);

  private readonly actions: AtomicTask[] = [];
  /** Numbered actions history has not recorded yet, by id (ascending): the new actions of this run. */
  private readonly unconfirmed = new Map<number, AtomicTask>();
  private readonly waiters = new Map<string, ExternalEventTask[]>();
  private readonly bufferedEvents = new Map<string, unknown[]>();
  private iterator: Iterator<unknown, unknown, unknown> | undefined;
  private awaited: DurableTask | undefined;
  private outcome: ReplayOutcome | undefined;
  customStatus: unknown = undefined;
  private continueAsNewInput: { input: unknown } | undefined;
  private guidCounter = 0;
  private suspended = false;
  /** Events that arrived while suspended; applied in order on resume. */
  private deferred: HistoryEvent[] = [];

  constructor(
    private readonly body: OrchestratorBody,
    readonly timerLimits: TimerLimits = DEFAULT_TIMER_LIMITS,
  ) {}

  run(pastEvents: HistoryEvent[], newEvents: HistoryEvent[]): ReplayResult {
    const previous = activeReplay;
    // A module-level pointer to the running replay, not an alias: tasks created by user code find it.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    activeReplay = this;
    try {
      return this.runAll(pastEvents, newEvents);
    } finally {
      activeReplay = previous;
    }
  }

  private runAll(pastEvents: HistoryEvent[], newEvents: HistoryEvent[]): ReplayResult {
    const all = [...pastEvents, ...newEvents];
    for (let i = 0; i < all.length && !this.outcome; i++) {
      this.isReplaying = i < pastEvents.length;
      try {
        this.apply(all[i]);
      } catch (e) {
        this.outcome = { kind: 'failed', failure: toFailureDetails(e) };
      }
    }
    this.isReplaying = false;
    // Not a scan of every action: a resumed replay (runtime/liveReplays.ts) of a long history stays cheap.
    const newActions: NumberedAction[] = [];
    for (const [id, task] of this.unconfirmed) newActions.push({ id, action: task.action! });
    return {
      outcome: this.outcome ?? { kind: 'pending' },
      newActions,
      customStatus: this.customStatus,
      suspended: this.suspended,
      actionCount: this.actions.length,
    };
  }

  scheduleNow(task: AtomicTask): void {
    this.schedule(task);
  }

  setCustomStatus(status: unknown): void {
    this.customStatus = status;
  }

  continueAsNew(input: unknown): void {
    this.continueAsNewInput = { input };
  }

  nextGuidCounter(): number {
    return this.guidCounter++;
  }

  private apply(event: HistoryEvent): void {
    if (event.EventType === EventType.ExecutionSuspended) {
      this.suspended = true;
      return;
    }
    if (event.EventType === EventType.ExecutionResumed) {
      this.suspended = false;
      const deferred = this.deferred;
      this.deferred = [];
      for (const e of deferred) if (!this.outcome) this.apply(e);
      return;
    }
    if (this.suspended && isDeferrable(event)) {
      this.deferred.push(event);
      return;
    }
    switch (event.EventType) {
      case EventType.OrchestratorStarted:
        this.currentUtcDateTime = new Date(event.Timestamp);
        return;
      case EventType.ExecutionStarted:
        this.instanceId = event.OrchestrationInstance.InstanceId;
        this.executionId = event.OrchestrationInstance.ExecutionId ?? '';
        this.orchestrationName = event.Name;
        this.version = event.Version ?? undefined;
        this.parentInstanceId = event.ParentInstance?.OrchestrationInstance.InstanceId;
        this.input = fromJsonText(event.Input, 'orchestration input');
        this.start();
        return;
      case EventType.TaskScheduled:
      case EventType.TimerCreated:
      case EventType.SubOrchestrationInstanceCreated:
      case EventType.EventSent:
        this.confirm(event);
        return;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        this.settle(event.TaskScheduledId, (t) => t.complete(fromJsonText(event.Result, 'task result')));
        return;
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        this.settle(event.TaskScheduledId, (t) =>
          t.fail(taskFailure(event, t.action && 'name' in t.action ? t.action.name : undefined, t.id)),
        );
        return;
      case EventType.TimerFired:
        this.settle(event.TimerId, (t) => t.complete(undefined));
        return;
      case EventType.EventRaised:
        this.deliverEvent(event.Name, fromJsonText(event.Input, `input of event '${event.Name}'`));
        this.resume();
        return;
      default:
        return;
    }
  }

  private start(): void {
    const returned = this.body(this);
    if (isIterator(returned)) {
      this.iterator = returned;
      this.resume();
    } else {
      this.finish(returned);
    }
  }

  /** Steps the generator while the task it waits on is settled. */
  private resume(): void {
    const it = this.iterator;
    if (!it) return;
    while (!this.outcome) {
      const awaited = this.awaited;
      if (awaited && !awaited.isSettled) return;
      let step: IteratorResult<unknown, unknown>;
      try {
        if (!awaited) step = it.next(undefined);
        else if (awaited.isFaulted) step = it.throw!(awaited.error);
        else step = it.next(awaited.result);
      } catch (e) {
        this.outcome = { kind: 'failed', failure: toFailureDetails(e) };
        return;
      }
      if (step.done) {
        this.finish(step.value);
        return;
      }
      if (!isDurableTask(step.value)) {
        this.outcome = {
          kind: 'failed',
          failure: toFailureDetails(
            new Error(yieldedNonTaskMessage(step.value)),
          ),
        };
        return;
      }
      this.schedule(step.value);
      this.awaited = step.value;
    }
  }

  private finish(output: unknown): void {
    this.outcome = this.continueAsNewInput
      ? { kind: 'continuedAsNew', input: this.continueAsNewInput.input }
      : { kind: 'completed', output };
  }

  /** Numbers the actions of a task tree the first time it is yielded, depth first. */
  private schedule(task: DurableTask): void {
    if (task instanceof AtomicTask) {
      if (task.scheduled) return;
      task.scheduled = true;
      if (task instanceof ExternalEventTask) {
        this.registerWaiter(task);
      } else if (task.action) {
        task.id = this.actions.length;
        this.actions.push(task);
        this.unconfirmed.set(task.id, task);
        task.onNumbered?.();
      }
      return;
    }
    for (const child of task.children()) this.schedule(child);
  }

  private registerWaiter(task: ExternalEventTask): void {
    const key = task.eventName.toLowerCase();
    const buffered = this.bufferedEvents.get(key);
    if (buffered && buffered.length > 0) {
      task.complete(buffered.shift());
      return;
    }
    const list = this.waiters.get(key) ?? [];
    list.push(task);
    this.waiters.set(key, list);
  }

  /** Event names match case-insensitively, as in Durable Functions. */
  private deliverEvent(name: string, value: unknown): void {
    const key = name.toLowerCase();
    const waiting = this.waiters.get(key);
    const waiter = waiting?.shift();
    if (waiter) {
      waiter.complete(value);
      return;
    }
    const buffer = this.bufferedEvents.get(key) ?? [];
    buffer.push(value);
    this.bufferedEvents.set(key, buffer);
  }

  private confirm(event: HistoryEvent): void {
    const expectedKind = schedulingKinds[event.EventType]!;
    const task = this.actions[event.EventId];
    if (!task || !task.action) {
      throw new NonDeterministicOrchestrationError(
        `Non-deterministic orchestration '${this.orchestrationName}': history has ${describeRecorded(event)} with id ` +
          `${event.EventId}, but the orchestrator code did not schedule it (it scheduled ${this.actions.length} ` +
          `action(s) so far).`,
      );
    }
    const action = task.action;
    const nameMatches =
      (event.EventType === EventType.TaskScheduled || event.EventType === EventType.SubOrchestrationInstanceCreated) &&
      'name' in action
        ? action.name === event.Name
        : true;
    if (action.kind !== expectedKind || !nameMatches) {
      throw new NonDeterministicOrchestrationError(
        `Non-deterministic orchestration '${this.orchestrationName}': history expects ${describeRecorded(event)} with id ` +
          `${event.EventId}, but the orchestrator code scheduled ${describeAction(action)}.`,
      );
    }
    this.unconfirmed.delete(event.EventId);
  }

  private settle(id: number, settleTask: (task: AtomicTask) => void): void {
    const task = this.actions[id];
    // A completion for a task the code no longer waits on (e.g. a cancelled timer) changes nothing.
    if (!task || task.isSettled) return;
    if (task instanceof DurableTimerTask && task.isCanceled) return;
    settleTask(task);
    this.resume();
  }
}

/** While suspended, the orchestrator sees no answers or events; they wait for the resume. */
function isDeferrable(event: HistoryEvent): boolean {
  return scheduledIdOf(event) !== undefined || event.EventType === EventType.EventRaised;
}

/** The SDK's wording, so users searching the message find the documented cause. */
function yieldedNonTaskMessage(value: unknown): string {
  const hint =
    value === undefined
      ? ' This is likely a result of yielding a "fire-and-forget API" such as signalEntity or continueAsNew. These APIs should not be yielded' +
        ' as they are not blocking operations. Please remove the yield statement preceding those invocations. If you are not calling those APIs, p'
      : ' Only Task types can be yielded. P';
  return (
    `Durable Functions programming constraint violation: Orchestration yielded data of type ${typeof value}.` +
    `${hint}lease check your yield statements to make sure you only yield Task types resulting from calling Durable Functions APIs.`
  );
}

function describeRecorded(event: HistoryEvent): string {
  switch (event.EventType) {
    case EventType.TaskScheduled:
      return `CallActivity '${event.Name}'`;
    case EventType.SubOrchestrationInstanceCreated:
      return `CallSubOrchestrator '${event.Name}'`;
    case EventType.TimerCreated:
      return 'CreateTimer';
    case EventType.EventSent:
      return `SendEvent '${event.Name}' to '${event.InstanceId}'`;
    default:
      return EventType[event.EventType];
  }
}
