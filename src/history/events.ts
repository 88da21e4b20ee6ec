/**
 * History events as DurableTask.Core defines them. Property names are PascalCase on purpose:
 * they are the column names in the History table and the JSON names inside queue messages,
 * so the same objects serialize to both without a mapping layer.
 */
import { DistributedTraceContext } from '../util/traceContext';

export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionFailed = 2,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  SubOrchestrationInstanceCreated = 7,
  SubOrchestrationInstanceCompleted = 8,
  SubOrchestrationInstanceFailed = 9,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventSent = 14,
  EventRaised = 15,
  ContinueAsNew = 16,
  GenericEvent = 17,
  HistoryState = 18,
  ExecutionSuspended = 19,
  ExecutionResumed = 20,
  ExecutionRewound = 21,
}

/** DurableTask.Core OrchestrationStatus; the Instances table stores the name. */
export enum OrchestrationStatus {
  Running = 0,
  Completed = 1,
  ContinuedAsNew = 2,
  Failed = 3,
  Canceled = 4,
  Terminated = 5,
  Pending = 6,
  Suspended = 7,
}

export type RuntimeStatusName = keyof typeof OrchestrationStatus;

export interface OrchestrationInstance {
  InstanceId: string;
  ExecutionId: string;
}

export interface ParentInstance {
  Name: string | null;
  Version: string | null;
  TaskScheduleId: number;
  OrchestrationInstance: OrchestrationInstance;
}

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace: string | null;
  InnerFailure?: FailureDetails | null;
  IsNonRetriable?: boolean;
  /** Custom properties an ExceptionPropertiesProvider attached to an activity's error. */
  Properties?: Record<string, unknown> | null;
}

interface EventBase {
  EventId: number;
  IsPlayed: boolean;
  /** ISO-8601 UTC time the event was created. */
  Timestamp: string;
}

export interface ExecutionStartedEvent extends EventBase {
  EventType: EventType.ExecutionStarted;
  OrchestrationInstance: OrchestrationInstance;
  ParentInstance?: ParentInstance | null;
  Name: string;
  Version: string | null;
  Input: string | null;
  Tags?: Record<string, string> | null;
  ScheduledStartTime?: string | null;
  Generation?: number;
  /** DT.Core: start a new distributed trace for this execution (false unless asked for). */
  GenerateNewTrace?: boolean;
  /** The span that started this execution (the client's, or the parent orchestration's episode). */
  ParentTraceContext?: DistributedTraceContext | null;
}

export interface ExecutionCompletedEvent extends EventBase {
  EventType: EventType.ExecutionCompleted;
  OrchestrationStatus: OrchestrationStatus;
  Result: string | null;
  FailureDetails?: FailureDetails | null;
}

export interface ExecutionTerminatedEvent extends EventBase {
  EventType: EventType.ExecutionTerminated;
  Input: string | null;
}

export interface ExecutionSuspendedEvent extends EventBase {
  EventType: EventType.ExecutionSuspended;
  Reason: string | null;
}

export interface ExecutionResumedEvent extends EventBase {
  EventType: EventType.ExecutionResumed;
  Reason: string | null;
}

export interface TaskScheduledEvent extends EventBase {
  EventType: EventType.TaskScheduled;
  Name: string;
  Version: string | null;
  Input: string | null;
  /** The orchestration episode's span that scheduled the activity. */
  ParentTraceContext?: DistributedTraceContext | null;
}

export interface TaskCompletedEvent extends EventBase {
  EventType: EventType.TaskCompleted;
  TaskScheduledId: number;
  Result: string | null;
}

export interface TaskFailedEvent extends EventBase {
  EventType: EventType.TaskFailed;
  TaskScheduledId: number;
  Reason: string | null;
  Details: string | null;
  FailureDetails?: FailureDetails | null;
}

export interface SubOrchestrationInstanceCreatedEvent extends EventBase {
  EventType: EventType.SubOrchestrationInstanceCreated;
  Name: string;
  Version: string | null;
  InstanceId: string;
  Input: string | null;
}

export interface SubOrchestrationInstanceCompletedEvent extends EventBase {
  EventType: EventType.SubOrchestrationInstanceCompleted;
  TaskScheduledId: number;
  Result: string | null;
}

export interface SubOrchestrationInstanceFailedEvent extends EventBase {
  EventType: EventType.SubOrchestrationInstanceFailed;
  TaskScheduledId: number;
  Reason: string | null;
  Details: string | null;
  FailureDetails?: FailureDetails | null;
}

export interface TimerCreatedEvent extends EventBase {
  EventType: EventType.TimerCreated;
  FireAt: string;
}

export interface TimerFiredEvent extends EventBase {
  EventType: EventType.TimerFired;
  TimerId: number;
  FireAt: string;
}

export interface OrchestratorStartedEvent extends EventBase {
  EventType: EventType.OrchestratorStarted;
}

export interface OrchestratorCompletedEvent extends EventBase {
  EventType: EventType.OrchestratorCompleted;
}

export interface EventSentEvent extends EventBase {
  EventType: EventType.EventSent;
  InstanceId: string;
  Name: string;
  Input: string | null;
}

export interface EventRaisedEvent extends EventBase {
  EventType: EventType.EventRaised;
  Name: string;
  Input: string | null;
}

export interface ContinueAsNewEvent extends EventBase {
  EventType: EventType.ContinueAsNew;
  OrchestrationStatus: OrchestrationStatus;
  Result: string | null;
}

export interface ExecutionRewoundEvent extends EventBase {
  EventType: EventType.ExecutionRewound;
  Reason: string | null;
}

export interface GenericEvent extends EventBase {
  EventType: EventType.GenericEvent;
  Data: string | null;
}

export type HistoryEvent =
  | ExecutionStartedEvent
  | ExecutionCompletedEvent
  | ExecutionTerminatedEvent
  | ExecutionSuspendedEvent
  | ExecutionResumedEvent
  | TaskScheduledEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | SubOrchestrationInstanceCreatedEvent
  | SubOrchestrationInstanceCompletedEvent
  | SubOrchestrationInstanceFailedEvent
  | TimerCreatedEvent
  | TimerFiredEvent
  | OrchestratorStartedEvent
  | OrchestratorCompletedEvent
  | EventSentEvent
  | EventRaisedEvent
  | ContinueAsNewEvent
  | ExecutionRewoundEvent
  | GenericEvent;

/** The fields a caller supplies for an event; EventId and Timestamp are optional. */
export type EventInit = HistoryEvent extends infer E
  ? E extends HistoryEvent
    ? Omit<E, 'EventId' | 'IsPlayed' | 'Timestamp'> & Partial<Pick<E, 'EventId' | 'Timestamp'>>
    : never
  : never;

/** Builds an event with the common fields filled in; EventId -1 means "no task id". */
export function newEvent<T extends EventInit>(fields: T, now: Date = new Date()): Extract<HistoryEvent, { EventType: T['EventType'] }> {
  return {
    EventId: -1,
    IsPlayed: false,
    Timestamp: now.toISOString(),
    ...fields,
  } as unknown as Extract<HistoryEvent, { EventType: T['EventType'] }>;
}

/** Events that answer a scheduled task, carrying the id of the event that scheduled it. */
export function scheduledIdOf(event: HistoryEvent): number | undefined {
  switch (event.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return event.TaskScheduledId;
    case EventType.TimerFired:
      return event.TimerId;
    default:
      return undefined;
  }
}
