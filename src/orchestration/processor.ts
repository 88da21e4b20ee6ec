import { FunctionRegistry } from '../app/registry';
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
import { InstanceState } from '../storage/instanceStore';
import { OutboundMessage, ReceivedMessage } from '../storage/messageQueues';
import { TaskHub } from '../storage/taskHub';
import { toJsonText } from '../util/json';
import { activityInputText } from '../history/activityInput';
import { Logger } from '../util/log';
import { newCompactId } from '../util/uuid';
import { NumberedAction } from './actions';
import { ReplayOutcome } from './replay';
import { runOrchestrator } from './runOrchestrator';
import { unreleasedLocks } from './entityTasks';
import { entityInstanceId } from '../entities/entityId';
import { RELEASE_EVENT, ReleaseMessage } from '../entities/messages';

/** Delay before a message that arrived ahead of its history (after a crash) is looked at again. */
const OUT_OF_ORDER_RETRY_MS = 2_000;

interface Triage {
  accepted: HistoryEvent[];
  consumed: ReceivedMessage[];
  retryLater: ReceivedMessage[];
  /** Set when this batch starts a new execution (first start, or a restart of a finished instance). */
  startsExecution?: { executionId: string };
  /** Set when a failed instance is rewound: its failures are erased from history and retried. */
  rewinds?: boolean;
}

/**
 * One orchestration work item: the messages of one instance, applied in one replay and committed
 * in an order that survives a crash between any two steps:
 *   1. outbound messages are sent (a crash here re-sends them: activities are at-least-once),
 *   2. history rows are appended, the sentinel row last with its ETag (exactly one commit wins),
 *   3. the instance row is updated (derived state, rewritten by any later checkpoint),
 *   4. consumed messages are deleted (their redelivery is recognised through the sentinel).
 */
export class OrchestrationProcessor {
  constructor(
    private readonly hub: TaskHub,
    private readonly registry: FunctionRegistry,
    private readonly log: Logger,
  ) {}

  async process(instanceId: string, messages: ReceivedMessage[]): Promise<void> {
    const loaded = await this.hub.history.load(instanceId);
    let past = loaded.events;
    let executionId = loaded.executionId;
    const triage = await this.triage(instanceId, messages, past, executionId, loaded.lastMessageIds);
    if (triage.startsExecution) {
      past = [];
      executionId = triage.startsExecution.executionId;
    }
    if (triage.accepted.length === 0 || !executionId) {
      await this.finishMessages(triage);
      return;
    }
    // A rewind rewrites earlier rows, so the whole history is written again from row 0.
    let firstNewRow = past.length;
    if (triage.rewinds) {
      past = rewindHistory(past);
      firstNewRow = 0;
    }

    const now = new Date();
    const episode: HistoryEvent[] = [newEvent({ EventType: EventType.OrchestratorStarted }, now), ...triage.accepted];
    const started = [...past, ...episode].find((e): e is ExecutionStartedEvent => e.EventType === EventType.ExecutionStarted);
    if (!started) {
      this.log.warn(`Instance '${instanceId}' has no ExecutionStarted event; dropping ${triage.accepted.length} event(s).`);
      await this.finishMessages(triage);
      return;
    }
    const self: OrchestrationInstance = { InstanceId: instanceId, ExecutionId: executionId };
    const outcome = this.execute(started, past, episode);
    const outbound: OutboundMessage[] = [];
    const appended = [...episode];
    for (const numbered of outcome.newActions) appended.push(this.actionEvent(self, numbered, now, outbound));
    const completion = this.completionEvent(started, self, outcome.outcome, now, outbound);
    if (completion) appended.push(completion);
    appended.push(newEvent({ EventType: EventType.OrchestratorCompleted }, now));
    if (outcome.outcome.kind !== 'pending') this.releaseLocks(self, [...past, ...appended], outbound);

    await Promise.all(outbound.map((m) => this.hub.queues.send(m)));
    await this.hub.history.append(
      instanceId,
      executionId,
      firstNewRow,
      firstNewRow === 0 ? [...past, ...appended] : appended,
      loaded.sentinelEtag,
      triage.consumed.map((m) => m.messageId),
    );
    await this.hub.instances.upsert(this.instanceState(started, self, outcome.outcome, outcome.customStatus, outcome.suspended, now));
    await this.finishMessages(triage);
    this.log.debug(
      `Instance '${instanceId}': applied ${triage.accepted.length} event(s), scheduled ${outcome.newActions.length} action(s), ` +
        `status ${statusOf(outcome.outcome)}.`,
    );
  }

  private async finishMessages(triage: Triage): Promise<void> {
    await Promise.all([
      ...triage.consumed.map((m) => this.hub.queues.delete(m)),
      ...triage.retryLater.map((m) => this.hub.queues.abandon(m, OUT_OF_ORDER_RETRY_MS)),
    ]);
  }

  /** Sorts messages into events to apply now, duplicates and stale ones to drop, and early ones to retry. */
  private async triage(
    instanceId: string,
    messages: ReceivedMessage[],
    past: HistoryEvent[],
    executionId: string | undefined,
    committedMessageIds: string[],
  ): Promise<Triage> {
    const result: Triage = { accepted: [], consumed: [], retryLater: [] };
    const ordered = [...messages].sort(
      (a, b) => a.insertedOn.getTime() - b.insertedOn.getTime() || a.data.SequenceNumber - b.data.SequenceNumber,
    );
    let history = past;
    let currentExecution = executionId;
    const drop = (m: ReceivedMessage, why: string) => {
      this.log.debug(`Instance '${instanceId}': dropping ${EventType[m.data.TaskMessage.Event.EventType]} (${why}).`);
      result.consumed.push(m);
    };
    for (const m of ordered) {
      const event = m.data.TaskMessage.Event;
      const target = m.data.TaskMessage.OrchestrationInstance;
      if (committedMessageIds.includes(m.messageId)) {
        drop(m, 'already committed');
        continue;
      }
      if (event.EventType === EventType.ExecutionStarted) {
        const finished = isFinished(history);
        if (history.length === 0 || (finished && !result.startsExecution)) {
          if (history.length > 0 && finished) this.log.info(`Instance '${instanceId}' restarts with a new execution.`);
          result.startsExecution = { executionId: target.ExecutionId };
          currentExecution = target.ExecutionId;
          history = [];
          result.accepted = [event];
          result.consumed.push(m);
        } else {
          drop(m, 'instance already started');
        }
        continue;
      }
      if (!currentExecution) {
        const row = await this.hub.instances.get(instanceId);
        if (row && row.runtimeStatus === 'Pending') result.retryLater.push(m);
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
          result.accepted.push(event);
          result.consumed.push(m);
        } else {
          drop(m, 'rewind applies only to a failed instance');
        }
        continue;
      }
      if ((isFinished(history) && !result.rewinds) || isFinished(result.accepted)) {
        drop(m, 'instance already finished');
        continue;
      }
      const scheduledId = scheduledIdOf(event);
      if (scheduledId !== undefined) {
        const all = [...history, ...result.accepted];
        if (!all.some((e) => isSchedulingEvent(e) && e.EventId === scheduledId)) {
          result.retryLater.push(m);
          continue;
        }
        if (all.some((e) => scheduledIdOf(e) === scheduledId && e.EventType === event.EventType)) {
          drop(m, `duplicate answer to task ${scheduledId}`);
          continue;
        }
      }
      if (event.EventType === EventType.TimerFired) {
        const remaining = new Date(event.FireAt).getTime() - Date.now();
        if (remaining > 1000) {
          // Longer than the queue's maximum delay: send it on for the rest of the wait.
          await this.hub.queues.send({ instance: target, event, target: 'control', delayMs: remaining });
          result.consumed.push(m);
          continue;
        }
      }
      result.accepted.push(event);
      result.consumed.push(m);
    }
    return result;
  }

  private execute(started: ExecutionStartedEvent, past: HistoryEvent[], episode: HistoryEvent[]) {
    if (episode.some((e) => e.EventType === EventType.ExecutionTerminated)) {
      const terminated = episode.find((e) => e.EventType === EventType.ExecutionTerminated);
      const reason = terminated && 'Input' in terminated ? terminated.Input : null;
      return { outcome: { kind: 'terminated', reason } as const, newActions: [] as NumberedAction[], customStatus: undefined, suspended: false };
    }
    const registered = this.registry.orchestration(started.Name);
    if (!registered) {
      const error = new Error(`The orchestrator function '${started.Name}' is not registered in this function app.`);
      return {
        outcome: { kind: 'failed', failure: { ErrorType: 'Error', ErrorMessage: error.message, StackTrace: error.stack ?? null } } as const,
        newActions: [] as NumberedAction[],
        customStatus: undefined,
        suspended: false,
      };
    }
    return runOrchestrator(registered.name, registered.handler, past, episode);
  }

  /** The history event for a newly scheduled action, and the message that carries it out. */
  private actionEvent(self: OrchestrationInstance, { id, action }: NumberedAction, now: Date, outbound: OutboundMessage[]): HistoryEvent {
    switch (action.kind) {
      case 'callActivity': {
        const event = newEvent({ EventType: EventType.TaskScheduled, EventId: id, Name: action.name, Version: '', Input: activityInputText(action.input) }, now);
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
        const child: OrchestrationInstance = { InstanceId: action.instanceId, ExecutionId: newCompactId() };
        const start = newEvent(
          {
            EventType: EventType.ExecutionStarted,
            OrchestrationInstance: child,
            ParentInstance: { Name: null, Version: null, TaskScheduleId: id, OrchestrationInstance: self },
            Name: action.name,
            Version: action.version ?? '',
            Input: toJsonText(action.input),
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
  private releaseLocks(self: OrchestrationInstance, history: HistoryEvent[], outbound: OutboundMessage[]): void {
    for (const lock of unreleasedLocks(history)) {
      const release: ReleaseMessage = { parent: self.InstanceId, id: lock.id };
      for (const entity of lock.entities) {
        outbound.push({
          instance: { InstanceId: entityInstanceId(entity), ExecutionId: '' },
          target: 'control',
          event: newEvent({ EventType: EventType.EventRaised, Name: RELEASE_EVENT, Input: toJsonText(release) }),
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
    now: Date,
    outbound: OutboundMessage[],
  ): HistoryEvent | undefined {
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
        return newEvent({ EventType: EventType.ExecutionCompleted, OrchestrationStatus: OrchestrationStatus.Completed, Result: result }, now);
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
          { EventType: EventType.ExecutionCompleted, OrchestrationStatus: OrchestrationStatus.Failed, Result: message, FailureDetails: outcome.failure },
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
        return newEvent({ EventType: EventType.ExecutionCompleted, OrchestrationStatus: OrchestrationStatus.Terminated, Result: reason }, now);
      }
      case 'continuedAsNew': {
        const input = toJsonText(outcome.input);
        const next: OrchestrationInstance = { InstanceId: self.InstanceId, ExecutionId: newCompactId() };
        outbound.push({
          instance: next,
          event: newEvent(
            { EventType: EventType.ExecutionStarted, OrchestrationInstance: next, ParentInstance: parent ?? null, Name: started.Name, Version: started.Version, Input: input, Generation: (started.Generation ?? 0) + 1 },
            now,
          ),
          target: 'control',
          sender: self,
        });
        return newEvent({ EventType: EventType.ContinueAsNew, OrchestrationStatus: OrchestrationStatus.ContinuedAsNew, Result: input }, now);
      }
    }
  }

  private instanceState(
    started: ExecutionStartedEvent,
    self: OrchestrationInstance,
    outcome: ReplayOutcome | { kind: 'terminated'; reason: string | null },
    customStatus: unknown,
    suspended: boolean,
    now: Date,
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
      generation: started.Generation ?? 0,
    };
    if (outcome.kind === 'completed') state.output = toJsonText(outcome.output) ?? undefined;
    if (outcome.kind === 'failed') state.output = JSON.stringify(failureOutput(started.Name, outcome.failure));
    // The termination reason is already JSON text, as sent by the client.
    if (outcome.kind === 'terminated') state.output = outcome.reason ?? undefined;
    if (outcome.kind === 'continuedAsNew') state.input = toJsonText(outcome.input) ?? undefined;
    if (status === 'Completed' || status === 'Failed' || status === 'Terminated') state.completedTime = now;
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
