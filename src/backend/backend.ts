import { ExecutionStartedEvent, HistoryEvent, OrchestrationInstance, TaskScheduledEvent } from '../history/events';
import { InstanceState } from '../history/instanceState';
import { Clock } from '../util/clock';
import { CountOptions, HubOverview, InstanceCounts } from './hubInfo';
import { InstancePage, InstanceQuery } from './instanceQuery';

/**
 * The storage seam. The engine, the runtime core and the client speak only this interface; each
 * provider (Azure Storage, in-memory) keeps everything about its own storage behind it: layout,
 * leases or locks, message encoding, de-duplication of redelivered messages and large payloads.
 *
 * Errors: every method may reject with a transport error of its provider (retry later); the
 * typed errors it documents come from `./errors` and are all `DurableTaskError`s.
 */
export interface Backend {
  readonly hubName: string;
  /** The clock the engine must use for this hub (virtual in the testing host). */
  readonly clock: Clock;

  /** Creates whatever storage the hub needs; safe to call from several processes at once. */
  createIfNotExists(): Promise<void>;
  /** Deletes the whole hub: every instance, history and message. */
  deleteTaskHub(onProgress?: (artifact: string) => void): Promise<void>;

  // ---- worker side -------------------------------------------------------------------------

  /** Starts taking work (Azure: partition leases and queue polling). */
  startWorker(options: WorkerOptions): Promise<void>;
  /**
   * Stops handing out work at once (dispatchers are told through `nextOrchestrationWorkItem`
   * returning undefined), gives back what was received but not handed out, waits for locked work
   * items to be completed, and releases what this worker owns. With a `deadline`, whatever is still
   * locked when time runs short is given back (made visible to other workers) so that ownership is
   * released before the deadline; a later completion of a given-back item is then a no-op.
   */
  stopWorker(options?: StopOptions): Promise<void>;

  /**
   * The next instance with new messages, locked to this worker until completed or abandoned.
   * Resolves undefined once the worker stops. One instance is never in two work items at once.
   */
  nextOrchestrationWorkItem(): Promise<OrchestrationWorkItem | undefined>;
  /**
   * Commits a work item so that a crash at any point leaves the hub consistent: outbox first
   * (at-least-once), then history and instance state, then the consumed messages.
   * Rejects with `CheckpointConflictError` when another worker committed the instance first.
   * After a rejection the work item is still locked: abandon or park it.
   */
  completeOrchestrationWorkItem(item: OrchestrationWorkItem, checkpoint: Checkpoint): Promise<void>;
  /** Gives the messages back; they are delivered again after `retryAfterMs`. */
  abandonOrchestrationWorkItem(item: OrchestrationWorkItem, retryAfterMs: number): Promise<void>;
  /**
   * Takes the work item's messages out of processing for good, keeping them (with `reason`) where
   * an operator can inspect and replay them (Azure: the control queue's `-poison` queue).
   */
  parkOrchestrationWorkItem(item: OrchestrationWorkItem, reason: string): Promise<void>;

  /** The next activity to run, locked (and kept locked) until completed or abandoned; undefined once stopped. */
  nextActivityWorkItem(): Promise<ActivityWorkItem | undefined>;
  /** Delivers the activity's answer to its orchestration, then removes the work item. */
  completeActivityWorkItem(item: ActivityWorkItem, answer: HistoryEvent): Promise<void>;
  /** Releases the activity so it runs again (here or elsewhere) after `retryAfterMs`. */
  abandonActivityWorkItem(item: ActivityWorkItem, retryAfterMs: number): Promise<void>;

  // ---- client side -------------------------------------------------------------------------

  /**
   * Creates an instance and its start message. Rejects with `InstanceAlreadyExistsError` when an
   * instance with this id exists in one of `refuseIfStatus` (a race between two creates has one winner).
   */
  createInstance(start: ExecutionStartedEvent, options: { refuseIfStatus: ReadonlySet<string>; scheduledStartTime?: Date }): Promise<void>;
  /** Sends one message to an instance's queue (events, lifecycle requests, entity operations). */
  sendMessage(message: OutboundMessage): Promise<void>;
  getInstance(instanceId: string): Promise<InstanceState | undefined>;
  /** The committed history of the instance's current execution ([] when it has none). */
  getHistory(instanceId: string): Promise<HistoryEvent[]>;
  /** One page of instances. Rejects with `InvalidQueryError` for a query it cannot run. */
  queryInstances(query: InstanceQuery): Promise<InstancePage>;
  /** Instances per runtime status matching the query, read within the given budget (lower bounds when cut short). */
  countInstances(query: InstanceQuery, options?: CountOptions): Promise<InstanceCounts>;
  /** Partitions, owners, queue depths, workers and recent throughput, for the dashboard. */
  describeHub(): Promise<HubOverview>;
  /**
   * Deletes the instance's state, history and payloads. Resolves true only for the caller that
   * deleted it: false when there was none, or when `expectedEtag` (the version the caller read)
   * no longer matches because a concurrent purge or an update came first.
   */
  purgeInstance(instanceId: string, expectedEtag?: string): Promise<boolean>;
  /**
   * Rewinds a Failed instance (the caller checked the status): its failed tasks and sub-orchestrations
   * run again, completed ones are kept. Azure Storage rewrites the failure rows as DT.AzureStorage
   * does, so a .NET worker can finish it too; the memory backend sends the runtime an ExecutionRewound.
   */
  rewindInstance(instanceId: string, executionId: string, reason: string): Promise<void>;
}

export interface StopOptions {
  /** Epoch milliseconds by which the worker must have given everything back (the host's shutdown grace). */
  deadline?: number;
}

export interface WorkerOptions {
  workerId: string;
  maxConcurrentOrchestrations: number;
  maxConcurrentActivities: number;
}

/** A message produced by the runtime: addressed to an instance, or to the activity queue. */
export interface OutboundMessage {
  /** The instance the message is for (its queue), or the orchestration an activity belongs to. */
  instance: OrchestrationInstance;
  event: HistoryEvent;
  target: 'control' | 'workItem';
  /** Delivered no earlier than this many milliseconds from now (durable timers). */
  delayMs?: number;
  sender?: OrchestrationInstance;
}

/** A message delivered to an instance. `id` is the provider's, stable across redeliveries. */
export interface InboundMessage {
  readonly id: string;
  readonly instance: OrchestrationInstance;
  readonly event: HistoryEvent;
  /** How often it was delivered, this time included. */
  readonly dequeueCount: number;
}

export interface OrchestrationWorkItem {
  readonly instanceId: string;
  /** The current execution and its committed history; undefined/[] for an instance never started. */
  readonly executionId: string | undefined;
  readonly history: HistoryEvent[];
  /** New messages, in delivery order, with redeliveries of already committed ones removed. */
  readonly messages: InboundMessage[];
  /** The instance was created by a client but its start message has not been applied yet. */
  readonly awaitingStart: boolean;
  /**
   * Redeliveries of already committed messages were dropped: the commit that consumed them may
   * have stopped before the instance state was written, so the runtime recomputes the state.
   */
  readonly restoreState?: boolean;
}

/** What one work item changes. Built by the runtime core, applied atomically-enough by the backend. */
export interface Checkpoint {
  /** Sent before anything is committed: a crash re-sends them (activities are at-least-once). */
  outbox: OutboundMessage[];
  /** History to write; absent when the work item changed nothing. */
  history?: {
    executionId: string;
    /** Row of `events[0]`: the length of the kept history (0 rewrites the execution). */
    firstRow: number;
    events: HistoryEvent[];
  };
  /** The instance's new state; absent when unchanged. */
  state?: InstanceState;
  /** Messages applied or dropped for good. */
  consumed: InboundMessage[];
  /** Messages that arrived ahead of their history: delivered again later. */
  deferred: InboundMessage[];
}

export interface ActivityWorkItem {
  readonly id: string;
  readonly instance: OrchestrationInstance;
  readonly event: TaskScheduledEvent;
  readonly dequeueCount: number;
}
