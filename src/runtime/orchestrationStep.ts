import { DistributedTraceContext } from '../util/traceContext';
import {
  EventType,
  ExecutionStartedEvent,
  FailureDetails,
  HistoryEvent,
  OrchestrationInstance,
  OrchestrationStatus,
  RuntimeStatusName,
  newEvent,
  scheduledIdOf,
} from '../history/events';
import { InstanceState } from '../history/instanceState';
import { isTerminal } from '../history/status';
import { Checkpoint, InboundMessage, OrchestrationWorkItem, OutboundMessage } from '../backend/backend';
import { toJsonText } from '../util/json';
import { activityInputText } from '../history/activityInput';
import { Logger } from '../util/log';
import { TimerLimits } from '../config/settings';
import { NumberedAction } from '../orchestration/actions';
import { createReplay } from '../orchestration/runOrchestrator';
import { OrchestrationReplay, ReplayOutcome, ReplayResult } from '../orchestration/replay';
import { LiveReplays } from './liveReplays';
import { unreleasedLocks } from '../orchestration/entityTasks';
import { entityInstanceId } from '../entities/entityId';
import { RELEASE_EVENT, ReleaseMessage } from '../entities/messages';
import { FunctionRegistry } from './registry';
import { derivedExecutionId } from './executionIds';

interface Triage {
  accepted: HistoryEvent[];
  consumed: InboundMessage[];
  deferred: InboundMessage[];
  /** Set when this batch starts a new execution (first start, or a new start of a finished instance). */
  startsExecution?: { executionId: string };
  /** Set when a failed instance is rewound: its failures are erased from history and retried. */
  rewinds?: boolean;
}

/**
 * The runtime core of one orchestration work item, free of I/O: sorts the delivered messages,
 * replays the orchestrator over its history plus the accepted events, and returns the checkpoint
 * (new history, outbox, instance state, consumed and deferred messages) for the backend to commit.
 */
/** A replay's result, or a termination (which runs no code). */
type GenerationResult = Omit<ReplayResult, 'outcome'> & { outcome: ReplayOutcome | { kind: 'terminated'; reason: string | null } };

export class OrchestrationStep {
  /** Orchestrations whose code stays alive between work items (see LiveReplays). */
  private readonly live = new LiveReplays();

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly log: Logger,
    private readonly timerLimits?: TimerLimits,
  ) {}

  /** `trace`: the episode's span, stamped into the activities and sub-orchestrations it schedules. */
  run(item: OrchestrationWorkItem, now: Date, trace?: DistributedTraceContext): Checkpoint {
    const instanceId = item.instanceId;
    let past = item.history;
    let executionId = item.executionId;
    const triage = this.triage(item);
    const nothing: Checkpoint = { outbox: [], consumed: triage.consumed, deferred: triage.deferred };
    if (triage.startsExecution) {
      past = [];
      executionId = triage.startsExecution.executionId;
    }
    if (triage.accepted.length === 0 && item.restoreState) return { ...nothing, state: this.restoredState(item, now) };
    if (triage.accepted.length === 0 || !executionId) return nothing;
    // A rewind rewrites earlier rows, so the whole history is written again from row 0.
    let firstNewRow = past.length;
    if (triage.rewinds) {
      past = rewindHistory(past);
      firstNewRow = 0;
    }

    const episode: HistoryEvent[] = [newEvent({ EventType: EventType.OrchestratorStarted }, now), ...triage.accepted.map(played)];
    let started = [...past, ...episode].find((e): e is ExecutionStartedEvent => e.EventType === EventType.ExecutionStarted);
    if (!started) {
      this.log.warn(`Instance '${instanceId}' has no ExecutionStarted event; dropping ${triage.accepted.length} event(s).`);
      return nothing;
    }
    let self: OrchestrationInstance = { InstanceId: instanceId, ExecutionId: executionId };
    const outbound: OutboundMessage[] = [];
    // Only an episode appended to the stored history may resume a kept replay (not a rewind's rewrite).
    let generation = this.runGeneration(started, self, past, episode, now, outbound, trace, firstNewRow === past.length);
    let generations = 1;
    // Continue-as-new as DT.Core does it: the next generation starts and runs inside this same work
    // item, and only the last generation is written, from row 0 under its new execution id.
    while (generation.outcome.kind === 'continuedAsNew') {
      const previous = generation;
      this.releaseLocks(self, [...past, ...previous.appended], outbound, now);
      const next: OrchestrationInstance = { InstanceId: instanceId, ExecutionId: derivedExecutionId(`${instanceId}:${self.ExecutionId}:continue`) };
      started = played(
        newEvent(
          {
            EventType: EventType.ExecutionStarted,
            OrchestrationInstance: next,
            ParentInstance: started.ParentInstance ?? null,
            Name: started.Name,
            Version: started.Version,
            Input: toJsonText(generation.outcome.input),
            Tags: started.Tags ?? null,
            GenerateNewTrace: false,
          },
          now,
        ),
      );
      self = next;
      past = [];
      firstNewRow = 0;
      // The new generation's start is framed as its own episode before the code runs, as in DT.Core.
      const framed = [newEvent({ EventType: EventType.OrchestratorStarted }, now), started, played(newEvent({ EventType: EventType.OrchestratorCompleted }, now))];
      generation = this.runGeneration(started, self, past, framed, now, outbound, trace);
      // A generation that sets no custom status keeps the one of the generation before.
      if (generation.customStatus === undefined) generation = { ...generation, customStatus: previous.customStatus };
      if (++generations % 1000 === 0) this.log.info(`Instance '${instanceId}' continued as new ${generations} times in one work item.`);
    }
    if (generations === 1 && generation.outcome.kind === 'pending' && generation.replay) {
      const appended = generation.appended;
      this.live.keep(instanceId, {
        replay: generation.replay,
        historyLength: firstNewRow + appended.length,
        lastEvent: appended[appended.length - 1],
        unapplied: appended.slice(episode.length),
      });
    } else {
      this.live.drop(instanceId);
    }
    this.log.debug(
      `Instance '${instanceId}': applied ${triage.accepted.length} event(s), ran ${generations} generation(s), ` +
        `scheduled ${generation.scheduled} action(s), status ${statusOf(generation.outcome)}.`,
    );
    return {
      outbox: outbound,
      history: { executionId: self.ExecutionId, firstRow: firstNewRow, events: firstNewRow === 0 ? [...past, ...generation.appended] : generation.appended },
      state: this.instanceState(started, self, generation.outcome, generation.customStatus, generation.suspended, now, generation.appended),
      consumed: triage.consumed,
      deferred: triage.deferred,
    };
  }

  /**
   * Replays one generation over `past` plus the new `episode` and appends what it decided: the events
   * of new actions (their messages go to `outbound`), the completion and the closing OrchestratorCompleted.
   */
  private runGeneration(
    started: ExecutionStartedEvent,
    self: OrchestrationInstance,
    past: HistoryEvent[],
    episode: HistoryEvent[],
    now: Date,
    outbound: OutboundMessage[],
    trace: DistributedTraceContext | undefined,
    resumable = false,
  ) {
    const { result, replay } = this.execute(started, past, episode, resumable ? self.InstanceId : undefined);
    const appended = [...episode];
    for (const numbered of result.newActions) appended.push(this.actionEvent(started, self, numbered, now, outbound, trace));
    const completion = this.completionEvent(started, self, result.outcome, result.actionCount, now, outbound);
    if (completion) appended.push(completion);
    if (result.outcome.kind === 'continuedAsNew') {
      // The old generation is not written; its ContinueAsNew event is only kept for lock release.
    } else {
      if (appended[appended.length - 1].EventType !== EventType.OrchestratorCompleted) appended.push(newEvent({ EventType: EventType.OrchestratorCompleted }, now));
      if (result.outcome.kind !== 'pending') this.releaseLocks(self, [...past, ...appended], outbound, now);
    }
    return { outcome: result.outcome, appended, customStatus: result.customStatus, suspended: result.suspended, scheduled: result.newActions.length, replay };
  }

  /**
   * A checkpoint that ends the instance as Failed with `failure`, consuming every message of the
   * work item: what the engine commits when the work item itself keeps failing (a poison message).
   * The parent hears of it and held locks are released, as for any failure. Undefined when the
   * instance never started (there is nothing to fail; its messages are parked instead).
   */
  fail(item: OrchestrationWorkItem, failure: FailureDetails, now: Date): Checkpoint | undefined {
    const started = item.history.find((e): e is ExecutionStartedEvent => e.EventType === EventType.ExecutionStarted);
    if (!started || !item.executionId || isFinished(item.history)) return undefined;
    const self: OrchestrationInstance = { InstanceId: item.instanceId, ExecutionId: item.executionId };
    const outbound: OutboundMessage[] = [];
    const outcome = { kind: 'failed', failure } as const;
    const appended: HistoryEvent[] = [newEvent({ EventType: EventType.OrchestratorStarted }, now)];
    appended.push(this.completionEvent(started, self, outcome, item.history.filter(isActionEvent).length, now, outbound)!);
    appended.push(newEvent({ EventType: EventType.OrchestratorCompleted }, now));
    this.releaseLocks(self, [...item.history, ...appended], outbound, now);
    return {
      outbox: outbound,
      history: { executionId: item.executionId, firstRow: item.history.length, events: appended },
      state: this.instanceState(started, self, outcome, undefined, false, now),
      consumed: item.messages,
      deferred: [],
    };
  }

  /** The instance state the committed history implies (replayed, nothing new scheduled or written). */
  private restoredState(item: OrchestrationWorkItem, now: Date): InstanceState | undefined {
    const started = item.history.find((e): e is ExecutionStartedEvent => e.EventType === EventType.ExecutionStarted);
    if (!started || !item.executionId) return undefined;
    const self: OrchestrationInstance = { InstanceId: item.instanceId, ExecutionId: item.executionId };
    const completed = item.history.find((e) => e.EventType === EventType.ExecutionCompleted || e.EventType === EventType.ContinueAsNew);
    const { result: replayed } = this.execute(started, item.history, []);
    // A finished execution's outcome is what its history recorded, whatever the code would do today.
    let outcome: ReplayOutcome | { kind: 'terminated'; reason: string | null } = replayed.outcome;
    try {
      if (completed) outcome = recordedOutcome(completed) ?? outcome;
    } catch {
      // An unreadable recorded result: the replayed outcome stands.
    }
    const last = item.history[item.history.length - 1];
    return this.instanceState(started, self, outcome, replayed.customStatus, replayed.suspended, last ? new Date(last.Timestamp) : now);
  }

  /** Sorts messages into events to apply now, duplicates and stale ones to drop, and early ones to defer. */
  private triage(item: OrchestrationWorkItem): Triage {
    const instanceId = item.instanceId;
    const result: Triage = { accepted: [], consumed: [], deferred: [] };
    let history = item.history;
    let currentExecution = item.executionId;
    // What the checks below ask of history + accepted, kept up to date as events are accepted, so a
    // fan-in of thousands of answers over a long history stays linear.
    let known = new TaskIndex(history);
    let historyFinished = isFinished(history);
    let acceptedFinished = false;
    const accept = (m: InboundMessage) => {
      result.accepted.push(m.event);
      result.consumed.push(m);
      known.add(m.event);
      if (isFinished([m.event])) acceptedFinished = true;
    };
    const drop = (m: InboundMessage, why: string) => {
      this.log.debug(`Instance '${instanceId}': dropping ${EventType[m.event.EventType]} (${why}).`);
      result.consumed.push(m);
    };
    for (const m of item.messages) {
      const event = m.event;
      const target = m.instance;
      if (event.EventType === EventType.ExecutionStarted) {
        // A finished instance starts again only for a start of a new execution (a client's new
        // start or restart); a redelivered start of the execution that ran is not a restart.
        const isNewExecution = target.ExecutionId !== currentExecution;
        if (history.length === 0 || (historyFinished && isNewExecution && !result.startsExecution)) {
          if (history.length > 0) this.log.info(`Instance '${instanceId}' restarts with a new execution.`);
          result.startsExecution = { executionId: target.ExecutionId };
          currentExecution = target.ExecutionId;
          history = [];
          historyFinished = false;
          result.accepted = [event];
          acceptedFinished = false;
          known = new TaskIndex(result.accepted);
          result.consumed.push(m);
        } else {
          drop(m, 'instance already started');
        }
        continue;
      }
      if (!currentExecution) {
        if (item.awaitingStart) result.deferred.push(m);
        else drop(m, 'no such instance');
        continue;
      }
      if (target.ExecutionId && target.ExecutionId !== currentExecution) {
        drop(m, `for execution ${target.ExecutionId}, current is ${currentExecution}`);
        continue;
      }
      if (event.EventType === EventType.ExecutionRewound) {
        if (hasFailed(history) && !result.rewinds) {
          result.rewinds = true;
          accept(m);
        } else {
          drop(m, 'rewind applies only to a failed instance');
        }
        continue;
      }
      if ((historyFinished && !result.rewinds) || acceptedFinished) {
        drop(m, 'instance already finished');
        continue;
      }
      const scheduledId = scheduledIdOf(event);
      if (scheduledId !== undefined) {
        if (!known.scheduled.has(scheduledId)) {
          // The answer overtook the history that scheduled it (the sender crashed before committing).
          result.deferred.push(m);
          continue;
        }
        if (known.answered.has(answerKey(event.EventType, scheduledId))) {
          drop(m, `duplicate answer to task ${scheduledId}`);
          continue;
        }
      }
      accept(m);
    }
    return result;
  }

  /**
   * Runs the orchestrator code over `past` plus `episode`. With `resumeFor`, a replay kept from this
   * instance's last work item resumes when `past` is exactly the history it left; the replay used is
   * returned so it can be kept for the next one.
   */
  private execute(
    started: ExecutionStartedEvent,
    past: HistoryEvent[],
    episode: HistoryEvent[],
    resumeFor?: string,
  ): { result: GenerationResult; replay?: OrchestrationReplay } {
    const live = resumeFor !== undefined ? this.live.take(resumeFor, past) : undefined;
    if (episode.some((e) => e.EventType === EventType.ExecutionTerminated)) {
      const terminated = episode.find((e) => e.EventType === EventType.ExecutionTerminated);
      const reason = terminated && 'Input' in terminated ? terminated.Input : null;
      const actionCount = [...past, ...episode].filter(isActionEvent).length;
      return { result: { outcome: { kind: 'terminated', reason: reason ?? null }, newActions: [], customStatus: undefined, suspended: false, actionCount } };
    }
    const registered = this.registry.orchestration(started.Name);
    if (!registered) {
      const error = new Error(`The orchestrator function '${started.Name}' is not registered in this function app.`);
      return {
        result: {
          outcome: { kind: 'failed', failure: { ErrorType: 'Error', ErrorMessage: error.message, StackTrace: error.stack ?? null } },
          newActions: [],
          customStatus: undefined,
          suspended: false,
          actionCount: 0,
        },
      };
    }
    if (live) return { result: live.replay.run(live.unapplied, episode), replay: live.replay };
    const replay = createReplay(registered.name, registered.handler, this.timerLimits);
    return { result: replay.run(past, episode), replay };
  }

  /** The history event for a newly scheduled action, and the message that carries it out. */
  private actionEvent(
    started: ExecutionStartedEvent,
    self: OrchestrationInstance,
    { id, action }: NumberedAction,
    now: Date,
    outbound: OutboundMessage[],
    trace: DistributedTraceContext | undefined,
  ): HistoryEvent {
    const traced = trace ? { ParentTraceContext: trace } : {};
    switch (action.kind) {
      case 'callActivity': {
        const event = newEvent({ EventType: EventType.TaskScheduled, EventId: id, Name: action.name, Version: '', Input: activityInputText(action.input), ...traced }, now);
        outbound.push({ instance: self, event, target: 'workItem', sender: self });
        return event;
      }
      case 'createTimer': {
        const fireAt = action.fireAt.toISOString();
        const event = newEvent({ EventType: EventType.TimerCreated, EventId: id, FireAt: fireAt }, now);
        const fired = newEvent({ EventType: EventType.TimerFired, TimerId: id, FireAt: fireAt }, now);
        outbound.push({ instance: self, event: fired, target: 'control', delayMs: action.fireAt.getTime() - now.getTime(), sender: self });
        return event;
      }
      case 'callSubOrchestrator': {
        const event = newEvent(
          { EventType: EventType.SubOrchestrationInstanceCreated, EventId: id, Name: action.name, Version: action.version ?? '', InstanceId: action.instanceId, Input: toJsonText(action.input) },
          now,
        );
        const child: OrchestrationInstance = { InstanceId: action.instanceId, ExecutionId: derivedExecutionId(`${self.InstanceId}:${self.ExecutionId}:sub:${id}`) };
        const start = newEvent(
          {
            EventType: EventType.ExecutionStarted,
            OrchestrationInstance: child,
            ParentInstance: { Name: started.Name, Version: started.Version ?? '', TaskScheduleId: id, OrchestrationInstance: self },
            Name: action.name,
            Version: action.version ?? '',
            Input: toJsonText(action.input),
            GenerateNewTrace: false,
            ...traced,
          },
          now,
        );
        outbound.push({ instance: child, event: start, target: 'control', sender: self });
        return event;
      }
      case 'sendEvent': {
        const event = newEvent(
          { EventType: EventType.EventSent, EventId: id, InstanceId: action.instanceId, Name: action.eventName, Input: toJsonText(action.input) },
          now,
        );
        const raised = newEvent({ EventType: EventType.EventRaised, Name: action.eventName, Input: toJsonText(action.input) }, now);
        outbound.push({ instance: { InstanceId: action.instanceId, ExecutionId: '' }, event: raised, target: 'control', sender: self });
        return event;
      }
    }
  }

  /** An ending orchestration gives back the entity locks it still holds (also on failure and termination). */
  private releaseLocks(self: OrchestrationInstance, history: HistoryEvent[], outbound: OutboundMessage[], now: Date): void {
    for (const lock of unreleasedLocks(history)) {
      const release: ReleaseMessage = { parent: self.InstanceId, id: lock.id };
      for (const entity of lock.entities) {
        outbound.push({
          instance: { InstanceId: entityInstanceId(entity), ExecutionId: '' },
          target: 'control',
          event: newEvent({ EventType: EventType.EventRaised, Name: RELEASE_EVENT, Input: toJsonText(release) }, now),
          sender: self,
        });
      }
    }
  }

  /** ExecutionCompleted (or ContinueAsNew) and the messages that go with the end of an execution. */
  private completionEvent(
    started: ExecutionStartedEvent,
    self: OrchestrationInstance,
    outcome: ReplayOutcome | { kind: 'terminated'; reason: string | null },
    actionCount: number,
    now: Date,
    outbound: OutboundMessage[],
  ): HistoryEvent | undefined {
    // DT.Core numbers the completion like an action: the next action id of the orchestration.
    const EventId = actionCount;
    const parent = started.ParentInstance;
    const notifyParent = (event: HistoryEvent) => {
      if (parent) outbound.push({ instance: parent.OrchestrationInstance, event, target: 'control', sender: self });
    };
    switch (outcome.kind) {
      case 'pending':
        return undefined;
      case 'completed': {
        const result = toJsonText(outcome.output);
        notifyParent(newEvent({ EventType: EventType.SubOrchestrationInstanceCompleted, TaskScheduledId: parent?.TaskScheduleId ?? -1, Result: result }, now));
        return newEvent({ EventType: EventType.ExecutionCompleted, EventId, OrchestrationStatus: OrchestrationStatus.Completed, Result: result, FailureDetails: null }, now);
      }
      case 'failed': {
        const message = failureOutput(started.Name, outcome.failure);
        notifyParent(
          newEvent(
            { EventType: EventType.SubOrchestrationInstanceFailed, TaskScheduledId: parent?.TaskScheduleId ?? -1, Reason: outcome.failure.ErrorMessage, Details: outcome.failure.StackTrace, FailureDetails: outcome.failure },
            now,
          ),
        );
        return newEvent(
          { EventType: EventType.ExecutionCompleted, EventId, OrchestrationStatus: OrchestrationStatus.Failed, Result: message, FailureDetails: outcome.failure },
          now,
        );
      }
      case 'terminated': {
        const reason = outcome.reason;
        notifyParent(
          newEvent(
            { EventType: EventType.SubOrchestrationInstanceFailed, TaskScheduledId: parent?.TaskScheduleId ?? -1, Reason: `Terminated: ${reason ?? ''}`, Details: null },
            now,
          ),
        );
        return newEvent({ EventType: EventType.ExecutionCompleted, EventId, OrchestrationStatus: OrchestrationStatus.Terminated, Result: reason, FailureDetails: null }, now);
      }
      case 'continuedAsNew':
        // The next generation starts in the same work item (see run); nothing is sent.
        return newEvent({ EventType: EventType.ContinueAsNew, EventId, OrchestrationStatus: OrchestrationStatus.ContinuedAsNew, Result: toJsonText(outcome.input) }, now);
    }
  }

  private instanceState(
    started: ExecutionStartedEvent,
    self: OrchestrationInstance,
    outcome: ReplayOutcome | { kind: 'terminated'; reason: string | null },
    customStatus: unknown,
    suspended: boolean,
    now: Date,
    appended: HistoryEvent[] = [],
  ): InstanceState {
    const status = outcome.kind === 'pending' && suspended ? 'Suspended' : statusOf(outcome);
    const state: InstanceState = {
      instanceId: self.InstanceId,
      name: started.Name,
      version: started.Version ?? '',
      executionId: self.ExecutionId,
      input: started.Input ?? undefined,
      customStatus: toJsonText(customStatus) ?? undefined,
      runtimeStatus: status,
      // As DurableTask.AzureStorage: the creation time is the ExecutionStarted event's (the client's start time).
      createdTime: new Date(started.Timestamp),
      lastUpdatedTime: now,
      // A continued generation's start has no Generation (as in DT.Core): the stored one stays.
      generation: started.Generation,
      tags: started.Tags ?? null,
      parentInstanceId: started.ParentInstance?.OrchestrationInstance.InstanceId ?? '',
    };
    if (outcome.kind === 'pending') {
      // As DT.AzureStorage: a suspend or resume in this checkpoint leaves its reason in Output.
      const lifecycle = appended.filter((e) => e.EventType === EventType.ExecutionSuspended || e.EventType === EventType.ExecutionResumed).pop();
      if (lifecycle && 'Reason' in lifecycle) state.output = lifecycle.Reason ?? undefined;
    }
    if (outcome.kind === 'completed') state.output = toJsonText(outcome.output) ?? undefined;
    if (outcome.kind === 'failed') state.output = JSON.stringify(failureOutput(started.Name, outcome.failure));
    // The termination reason is already JSON text, as sent by the client.
    if (outcome.kind === 'terminated') state.output = outcome.reason ?? undefined;
    if (outcome.kind === 'continuedAsNew') state.input = toJsonText(outcome.input) ?? undefined;
    if (isTerminal(status)) state.completedTime = now;
    return state;
  }
}

function statusOf(outcome: ReplayOutcome | { kind: 'terminated' }): RuntimeStatusName {
  switch (outcome.kind) {
    case 'pending':
      return 'Running';
    case 'completed':
      return 'Completed';
    case 'failed':
      return 'Failed';
    case 'terminated':
      return 'Terminated';
    case 'continuedAsNew':
      return 'ContinuedAsNew';
  }
}

/** What a failed instance reports as output: the message, then the stack. */
export function failureOutput(name: string, failure: FailureDetails): string {
  const stack = failure.StackTrace ? `\n${failure.StackTrace}` : '';
  return `Orchestrator function '${name}' failed: ${failure.ErrorMessage}${stack}`;
}

function hasFailed(events: HistoryEvent[]): boolean {
  return events.some((e) => e.EventType === EventType.ExecutionCompleted && e.OrchestrationStatus === OrchestrationStatus.Failed);
}

/**
 * Erases the failures of a failed execution: each failed task, its scheduling event and the
 * failed completion become GenericEvents, so the replay schedules those tasks again.
 */
export function rewindHistory(events: HistoryEvent[]): HistoryEvent[] {
  const failedIds = new Set<number>();
  for (const e of events) {
    if (e.EventType === EventType.TaskFailed || e.EventType === EventType.SubOrchestrationInstanceFailed) failedIds.add(e.TaskScheduledId);
  }
  return events.map((e) => {
    const erase =
      (e.EventType === EventType.ExecutionCompleted && e.OrchestrationStatus === OrchestrationStatus.Failed) ||
      e.EventType === EventType.TaskFailed ||
      e.EventType === EventType.SubOrchestrationInstanceFailed ||
      ((e.EventType === EventType.TaskScheduled || e.EventType === EventType.SubOrchestrationInstanceCreated) && failedIds.has(e.EventId));
    if (!erase) return e;
    return { EventType: EventType.GenericEvent, EventId: -1, IsPlayed: e.IsPlayed, Timestamp: e.Timestamp, Data: `Rewound: ${EventType[e.EventType]}` };
  });
}

/** Events recording an orchestrator action: each used one action id. */
function isActionEvent(e: HistoryEvent): boolean {
  return isSchedulingEvent(e) || e.EventType === EventType.EventSent;
}

/**
 * An inbound event as DT.Core persists it after running the orchestrator over it: marked played.
 * (OrchestratorStarted is the one event its executor does not mark.)
 */
function played<E extends HistoryEvent>(event: E): E {
  return event.EventType === EventType.OrchestratorStarted || event.EventType === EventType.ExecutionRewound ? event : { ...event, IsPlayed: true };
}

/** Scheduled task ids and (event type, task id) answers of a list of events, updated as events are added. */
class TaskIndex {
  readonly scheduled = new Set<number>();
  readonly answered = new Set<string>();
  constructor(events: HistoryEvent[]) {
    for (const e of events) this.add(e);
  }
  add(e: HistoryEvent): void {
    if (isSchedulingEvent(e)) this.scheduled.add(e.EventId);
    const answered = scheduledIdOf(e);
    if (answered !== undefined) this.answered.add(answerKey(e.EventType, answered));
  }
}

function answerKey(type: EventType, scheduledId: number): string {
  return `${type}:${scheduledId}`;
}

function isSchedulingEvent(e: HistoryEvent): boolean {
  return (
    e.EventType === EventType.TaskScheduled ||
    e.EventType === EventType.TimerCreated ||
    e.EventType === EventType.SubOrchestrationInstanceCreated
  );
}

function isFinished(events: HistoryEvent[]): boolean {
  return events.some((e) => e.EventType === EventType.ExecutionCompleted || e.EventType === EventType.ContinueAsNew);
}

/** The outcome an ExecutionCompleted / ContinueAsNew event recorded. */
function recordedOutcome(event: HistoryEvent): ReplayOutcome | { kind: 'terminated'; reason: string | null } | undefined {
  if (event.EventType === EventType.ContinueAsNew) return { kind: 'continuedAsNew', input: event.Result === null ? undefined : JSON.parse(event.Result) };
  if (event.EventType !== EventType.ExecutionCompleted) return undefined;
  switch (event.OrchestrationStatus) {
    case OrchestrationStatus.Completed:
      return { kind: 'completed', output: event.Result === null ? undefined : JSON.parse(event.Result) };
    case OrchestrationStatus.Terminated:
      return { kind: 'terminated', reason: event.Result };
    case OrchestrationStatus.Failed:
      return event.FailureDetails ? { kind: 'failed', failure: event.FailureDetails } : undefined;
    default:
      return undefined;
  }
}
