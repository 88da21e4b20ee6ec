import { DurableSettings } from '../../config/settings';
import { StorageConnection } from '../../config/storageConnection';
import { StorageAccountOptions } from './connection';
import { WakeUpOptions } from './wakeUpQueue';
import { EventType, ExecutionStartedEvent, HistoryEvent, OrchestrationInstance, TaskScheduledEvent, newEvent } from '../../history/events';
import { InstanceState } from '../../history/instanceState';
import { Clock, systemClock } from '../../util/clock';
import { Logger, createLogger } from '../../util/log';
import {
  ActivityWorkItem,
  Backend,
  Checkpoint,
  InboundMessage,
  OrchestrationWorkItem,
  OutboundMessage,
  StopOptions,
  WorkerOptions,
} from '../backend';
import { CheckpointConflictError, InstanceAlreadyExistsError, isTransientStorageError } from '../errors';
import { pendingInstance } from '../pendingInstance';
import { forEachLimited } from '../../util/concurrency';
import { CountOptions, HubOverview, InstanceCounts } from '../hubInfo';
import { InstancePage, InstanceQuery, validateQuery } from '../instanceQuery';
import { readHubOverview } from './hubOverview';
import { countInstances } from './instanceCounts';
import { ControlQueuePoller } from './controlQueuePoller';
import { InstanceBuffer } from './instanceBuffer';
import { InstanceCache } from './instanceCache';
import { queryInstancePage } from './instanceQuery';
import { ReceivedMessage } from './messageQueues';
import { PartitionManagementOptions, PartitionManager, createPartitionManager } from './partitionManagement';
import { TaskHub } from './taskHub';
import { purgeInstanceStorage } from './purge';
import { rewindHistoryRows } from './rewind';
import { WorkItemPoller } from './workItemPoller';
import { FaultHook } from './faultPoints';

/** Start-up steps retried about this many seconds while storage is unreachable. */
const STARTUP_ATTEMPTS = 300;
/** Delay before messages that arrived ahead of their history are looked at again. */
const DEFERRED_RETRY_MS = 2_000;
/** A timer message that arrives earlier than this before its due time is sent on for the rest. */
const EARLY_TIMER_TOLERANCE_MS = 1_000;
/**
 * Shutdown budget, counted back from the deadline: orchestration work items (short replays) get
 * until this much is left, which is kept for handing the partitions over (two table passes)...
 */
const PARTITION_RELEASE_RESERVE_MS = 1_500;
/** ...and running activities until this much is left, kept for making their messages visible again. */
const GIVE_BACK_RESERVE_MS = 500;
/** Queue calls in flight at once for one work item (a large fan-out sends thousands of messages). */
const QUEUE_CALLS_IN_FLIGHT = 64;

export interface AzureStorageOptions extends Omit<PartitionManagementOptions, 'workerId'> {
  /** A connection string, or the connection the app settings describe (see config/storageConnection). */
  connectionString?: string;
  connection?: StorageConnection;
  /** A token credential to use instead of the one the connection describes (identity-based connections). */
  account?: StorageAccountOptions;
  /** Write `<hub>-wake` messages for the platform's wake-up trigger (function apps on Consumption/Flex). */
  wakeUp?: WakeUpOptions;
  /** The app's queue trigger consumes `<hub>-workitems` (docs/adr/0013): write work items in its encoding. */
  activityTrigger?: { messageEncoding: 'base64' | 'none' };
  hubName: string;
  partitionCount: number;
  controlQueueBatchSize: number;
  controlQueueVisibilityTimeoutMs: number;
  workItemQueueVisibilityTimeoutMs: number;
  maxQueuePollingIntervalMs: number;
  /** Test hook awaited between storage writes (crash-point tests, chaos telemetry). */
  faults?: FaultHook;
}


/** What the backend remembers about a work item it handed out. */
class AzureOrchestrationWorkItem implements OrchestrationWorkItem {
  constructor(
    readonly instanceId: string,
    readonly executionId: string | undefined,
    readonly history: HistoryEvent[],
    readonly messages: InboundMessage[],
    readonly awaitingStart: boolean,
    readonly received: Map<string, ReceivedMessage>,
    readonly sentinelEtag: string | undefined,
    readonly restoreState: boolean,
    /** ETag of the Instances row at load (undefined: no row): the guard of this checkpoint's row write. */
    readonly rowEtag: string | undefined,
    readonly partition: number,
    /** The history came from the instance cache, not from storage. */
    readonly fromCache: boolean,
    /** What this worker last wrote to the Instances row, apart from LastUpdatedTime (see rowSummary). */
    readonly rowSummary: string | undefined,
  ) {}
  /** Its messages were made visible again at shutdown: completing it now would race the next owner. */
  givenBack = false;
}

class AzureActivityWorkItem implements ActivityWorkItem {
  renewal: NodeJS.Timeout | undefined;
  /** A visibility renewal in flight: it changes the pop receipt, so a delete or abandon waits for it. */
  renewing: Promise<void> | undefined;
  renewalStopped = false;
  /** Made visible again at shutdown while still running: its late answer is dropped, the next run's counts. */
  givenBack = false;
  constructor(readonly message: ReceivedMessage) {}
  get id(): string {
    return this.message.messageId;
  }
  get instance() {
    return this.message.data.TaskMessage.OrchestrationInstance;
  }
  get event(): TaskScheduledEvent {
    return this.message.data.TaskMessage.Event as TaskScheduledEvent;
  }
  get dequeueCount(): number {
    return this.message.dequeueCount;
  }
}

/** The Instances row's content apart from LastUpdatedTime, to tell a checkpoint that changes only that. */
function rowSummary(state: InstanceState): string {
  return JSON.stringify([state.executionId, state.runtimeStatus, state.name, state.version, state.input, state.output, state.customStatus, state.completedTime, state.tags, state.parentInstanceId, state.generation]);
}

/** Deliveries after which a start still waiting for its Instances row is given up, as DT.AzureStorage does. */
const MAX_START_DEFERRALS = 10;

/**
 * Start messages whose execution is not the one the Instances row names, as DT.AzureStorage's start
 * de-duplication sorts them (the client sends the start before it writes the row):
 * - stale, deleted: the row is Pending for another execution (this start lost a race of two creates),
 *   or the start is of a generation the row has already reached (a redelivered or duplicated old start);
 * - early, deferred: a top-level start of a later generation whose row is not written yet (given up
 *   after MAX_START_DEFERRALS deliveries: its client saw the row write fail).
 * Starts of sub-orchestrations are not de-duplicated (nor are they in DT.AzureStorage).
 * A start of a row without an execution id, or without a row, runs: the row is written by the worker then.
 */
function sortStarts(messages: ReceivedMessage[], row: InstanceState | undefined): { stale: ReceivedMessage[]; early: ReceivedMessage[] } {
  const stale: ReceivedMessage[] = [];
  const early: ReceivedMessage[] = [];
  if (!row?.executionId) return { stale, early };
  for (const m of messages) {
    const event = m.data.TaskMessage.Event;
    if (event.EventType !== EventType.ExecutionStarted || m.data.TaskMessage.OrchestrationInstance.ExecutionId === row.executionId) continue;
    if (row.runtimeStatus === 'Pending') stale.push(m);
    // Sub-orchestration starts, and the self-sent start of a continue-as-new written by an earlier version of ours.
    else if (event.ParentInstance || row.runtimeStatus === 'ContinuedAsNew') continue;
    else if ((event.Generation ?? 0) <= (row.generation ?? 0) || m.dequeueCount >= MAX_START_DEFERRALS) stale.push(m);
    else early.push(m);
  }
  return { stale, early };
}

/**
 * The task hub in Azure Storage, in DurableTask.AzureStorage's layout (see docs/spec): control
 * queues owned through partition leases, the shared work-item queue, History and Instances tables
 * and the large-message container.
 */
export class AzureStorageBackend implements Backend {
  readonly hub: TaskHub;
  readonly clock: Clock = systemClock;
  private readonly log: Logger;
  private readonly instances = new InstanceBuffer();
  private readonly cache = new InstanceCache();
  private readonly activities: ReceivedMessage[] = [];
  private activityWaiters: (() => void)[] = [];
  private readonly runningActivities = new Set<AzureActivityWorkItem>();
  private readonly lockedOrchestrations = new Set<AzureOrchestrationWorkItem>();
  private readonly pollers = new Map<number, ControlQueuePoller>();
  private workItemPoller: WorkItemPoller | undefined;
  private leases: PartitionManager | undefined;
  private worker: WorkerOptions | undefined;
  private stopping = false;

  /** The backend an app's host.json settings describe, on the given storage connection. */
  static fromSettings(settings: DurableSettings, connection: string | StorageConnection, faults?: FaultHook, account?: StorageAccountOptions): AzureStorageBackend {
    return typeof connection === 'string'
      ? new AzureStorageBackend({ ...settings, connectionString: connection, account, faults })
      : new AzureStorageBackend({ ...settings, connection, account, faults });
  }

  constructor(readonly options: AzureStorageOptions) {
    const connection = options.connection ?? options.connectionString;
    if (connection === undefined) throw new Error('The Azure Storage backend needs a connection string or a connection.');
    this.hub = new TaskHub(connection, options.hubName, options.partitionCount, options.account, options.wakeUp, options.activityTrigger);
    this.hub.faults = options.faults;
    this.log = createLogger(`durable:${options.hubName}:storage`);
  }

  get hubName(): string {
    return this.hub.name;
  }

  /** Partitions this worker owns now (for tests and the dashboard). */
  get ownedPartitions(): number[] {
    return this.leases?.ownedPartitions ?? [];
  }

  async createIfNotExists(): Promise<void> {
    return this.whileUnavailable('create the task hub', () => this.hub.ensureCreated());
  }

  /**
   * Runs a start-up step, waiting out a storage outage (a worker that starts while storage is briefly
   * unreachable keeps trying instead of failing the app's start).
   */
  private async whileUnavailable<T>(what: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (e) {
        if (!isTransientStorageError(e) || attempt >= STARTUP_ATTEMPTS) throw e;
        if (attempt === 1) this.log.warn(`Storage is unavailable; retrying to ${what}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  async deleteTaskHub(onProgress?: (artifact: string) => void): Promise<void> {
    return this.hub.storage.delete(onProgress);
  }

  // ---- worker side -------------------------------------------------------------------------

  async startWorker(options: WorkerOptions): Promise<void> {
    if (this.worker) throw new Error('This backend already runs a worker.');
    this.worker = options;
    await this.whileUnavailable('create the task hub', () => this.hub.ensureCreated());
    // No activity slots: activities are dispatched elsewhere (the app's queue trigger on the work-item queue).
    if (options.maxConcurrentActivities > 0) this.workItemPoller = new WorkItemPoller(
      this.hub,
      {
        limit: options.maxConcurrentActivities,
        taken: () => this.runningActivities.size + this.activities.length,
        add: (messages) => {
          this.activities.push(...messages);
          this.wakeActivities();
        },
      },
      this.options.workItemQueueVisibilityTimeoutMs,
      this.options.maxQueuePollingIntervalMs,
      this.log,
    );
    this.workItemPoller?.start();
    // The manager host.json selects (the partition table by default, as DurableTask.AzureStorage 2.x).
    this.leases = createPartitionManager(
      this.hub.storage,
      { ...this.options, workerId: options.workerId },
      { acquired: (p) => this.startPartition(p), lost: (p) => this.stopPartition(p) },
      this.log,
    );
    const leases = this.leases;
    await this.whileUnavailable('start partition management', () => leases.start());
    this.log.info(`Worker ${options.workerId} owns partitions [${this.ownedPartitions.join(', ')}].`);
  }

  /**
   * Shutdown within a deadline (the host allows a few seconds): stop receiving; give back what was
   * received but not started; let orchestration work items (short) finish, then hand the partitions
   * over while activities keep running; give back activities that cannot finish in time, so another
   * worker runs them at once instead of after the visibility timeout. The app lease is not released:
   * every worker of the app shares it (as in DurableTask.AzureStorage); it lapses when no worker renews it.
   */
  async stopWorker(options: StopOptions = {}): Promise<void> {
    if (!this.worker || this.stopping) return;
    this.stopping = true;
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    this.instances.wake();
    this.wakeActivities();
    await Promise.all([...[...this.pollers.values()].map((p) => p.stop()), this.workItemPoller?.stop()]);
    const unstarted = [...this.activities.splice(0), ...this.instances.dropAll()];
    await Promise.all(unstarted.map((m) => this.hub.queues.abandon(m, 0).catch(() => undefined)));

    await waitUntil(() => this.lockedOrchestrations.size === 0, deadline - PARTITION_RELEASE_RESERVE_MS);
    await Promise.all([...this.lockedOrchestrations].map((item) => this.giveBackOrchestration(item)));
    const released = this.leases?.stop().catch((e) => this.log.warn(`Releasing partitions failed: ${(e as Error).message}`));
    await withDeadline(released, deadline - GIVE_BACK_RESERVE_MS, () =>
      this.log.warn('Partitions were not all released before the shutdown deadline; their leases expire on their own.'),
    );

    await waitUntil(() => this.runningActivities.size === 0, deadline - GIVE_BACK_RESERVE_MS);
    await Promise.all([...this.runningActivities].map((item) => this.giveBackActivity(item)));
  }

  /** Makes a locked orchestration work item's messages visible now; its dispatcher's later commit is skipped. */
  private async giveBackOrchestration(item: AzureOrchestrationWorkItem): Promise<void> {
    item.givenBack = true;
    this.lockedOrchestrations.delete(item);
    this.log.warn(`Shutting down: the work item of '${item.instanceId}' did not finish in time and was given back.`);
    await Promise.all([...item.received.values()].map((m) => this.hub.queues.abandon(m, 0).catch(() => undefined)));
    this.instances.unlock(item.instanceId);
  }

  private async giveBackActivity(item: AzureActivityWorkItem): Promise<void> {
    item.givenBack = true;
    this.releaseActivity(item);
    await this.stopRenewal(item);
    this.log.warn(`Shutting down: activity '${item.event.Name}' of '${item.instance.InstanceId}' is still running; given back to run elsewhere.`);
    await this.hub.queues.abandon(item.message, 0).catch((e) => this.log.warn(`Could not give back activity '${item.event.Name}': ${(e as Error).message}`));
  }

  private startPartition(partition: number): void {
    if (this.pollers.has(partition) || this.stopping) return;
    const poller = new ControlQueuePoller(
      partition,
      this.hub.storage.controlQueue(partition),
      this.hub,
      {
        capacity: () => (this.worker?.maxConcurrentOrchestrations ?? 0) - this.instances.load,
        add: (p, messages) => this.instances.add(p, messages),
      },
      {
        batchSize: this.options.controlQueueBatchSize,
        visibilityTimeoutMs: this.options.controlQueueVisibilityTimeoutMs,
        maxPollingIntervalMs: this.options.maxQueuePollingIntervalMs,
      },
      this.log,
    );
    this.pollers.set(partition, poller);
    poller.start();
  }

  /** Stops polling a partition, gives its waiting messages back and lets its running work items finish. */
  private async stopPartition(partition: number): Promise<void> {
    const poller = this.pollers.get(partition);
    if (!poller) return;
    this.pollers.delete(partition);
    await poller.stop();
    const dropped = this.instances.dropPartition(partition);
    await Promise.all(dropped.map((m) => this.hub.queues.abandon(m, 0).catch(() => undefined)));
    while (this.instances.lockedIn(partition) > 0) await new Promise((r) => setTimeout(r, 20));
    this.cache.dropPartition(partition);
  }

  async nextOrchestrationWorkItem(): Promise<OrchestrationWorkItem | undefined> {
    for (;;) {
      if (this.stopping) return undefined;
      const taken = this.instances.take();
      if (!taken) {
        await this.instances.waitForWork();
        continue;
      }
      try {
        const item = await this.load(taken.instanceId, taken.partition, taken.messages);
        if (item) {
          this.lockedOrchestrations.add(item);
          return item;
        }
      } catch (e) {
        this.log.warn(`Could not load instance '${taken.instanceId}'; its messages are retried: ${(e as Error).message}`);
        await Promise.all(taken.messages.map((m) => this.hub.queues.abandon(m, 1000).catch(() => undefined)));
      }
      this.instances.unlock(taken.instanceId);
    }
  }

  /**
   * Builds a work item: loads the history, removes redeliveries of committed messages and sends
   * early timers on (queue delays are capped, so long timers arrive early and wait again).
   * Undefined when nothing is left to apply.
   */
  private async load(instanceId: string, partition: number, messages: ReceivedMessage[]): Promise<AzureOrchestrationWorkItem | undefined> {
    // The row's ETag is read with the history (or the cached history, validated at commit by the
    // sentinel ETag): the checkpoint's row write is guarded by it.
    // A finished history is not trusted from the cache: a rewind (ours or .NET's) rewrites its failure
    // rows without touching the sentinel, so only a reload sees it.
    const cached = this.cache.get(instanceId);
    const usable = cached && !cached.events.some((e) => e.EventType === EventType.ExecutionCompleted) ? cached : undefined;
    const [loaded, rowEtag] = await Promise.all([
      usable ?? this.hub.history.load(instanceId),
      usable?.rowEtag !== undefined ? usable.rowEtag : this.hub.instances.etagOf(instanceId),
    ]);
    const now = this.clock.now().getTime();
    let fresh: ReceivedMessage[] = [];
    const finished: Promise<void>[] = [];
    for (const m of messages) {
      const event = m.data.TaskMessage.Event;
      if (loaded.lastMessageIds.includes(m.messageId)) {
        finished.push(this.hub.queues.delete(m));
      } else if (event.EventType === EventType.TimerFired && new Date(event.FireAt).getTime() - now > EARLY_TIMER_TOLERANCE_MS) {
        const remaining = new Date(event.FireAt).getTime() - now;
        finished.push(
          this.hub.queues
            .send({ instance: m.data.TaskMessage.OrchestrationInstance, event, target: 'control', delayMs: remaining })
            .then(() => this.hub.queues.delete(m)),
        );
      } else {
        fresh.push(m);
      }
    }
    await Promise.all(finished);
    const redelivered = fresh.length < messages.length && messages.some((m) => loaded.lastMessageIds.includes(m.messageId));
    if (fresh.length === 0 && !(redelivered && loaded.events.length > 0)) return undefined;
    fresh.sort((a, b) => a.insertedOn.getTime() - b.insertedOn.getTime() || a.data.SequenceNumber - b.data.SequenceNumber);
    let awaitingStart = false;
    const isStart = (m: ReceivedMessage) => m.data.TaskMessage.Event.EventType === EventType.ExecutionStarted;
    if (loaded.events.length === 0 || fresh.some(isStart)) {
      const row = await this.hub.instances.get(instanceId);
      awaitingStart = loaded.events.length === 0 && row?.runtimeStatus === 'Pending';
      const { stale, early } = sortStarts(fresh, row);
      await Promise.all([...stale.map((m) => this.hub.queues.delete(m)), ...early.map((m) => this.hub.queues.abandon(m, DEFERRED_RETRY_MS))]);
      fresh = fresh.filter((m) => !stale.includes(m) && !early.includes(m));
      if (fresh.length === 0) return undefined;
    }
    return new AzureOrchestrationWorkItem(
      instanceId,
      loaded.executionId,
      loaded.events,
      fresh.map((m) => ({ id: m.messageId, instance: m.data.TaskMessage.OrchestrationInstance, event: m.data.TaskMessage.Event, dequeueCount: m.dequeueCount })),
      awaitingStart,
      new Map(fresh.map((m) => [m.messageId, m])),
      loaded.sentinelEtag,
      redelivered,
      rowEtag,
      partition,
      usable !== undefined,
      usable?.rowSummary,
    );
  }

  /**
   * The checkpoint order, shared by orchestrations and entities, survives a crash between any two steps:
   *   1. outbound messages are sent (a crash here re-sends them: activities are at-least-once),
   *   2. history rows are appended, the sentinel row last with its ETag (exactly one commit wins),
   *   3. the instance row is updated (derived state, rewritten by any later checkpoint),
   *   4. consumed messages are deleted (their redelivery is recognised through the sentinel).
   * Steps 3 and 4 overlap when the row would change nothing but LastUpdatedTime compared with what
   * this worker wrote last (a crash then leaves only that time stale until the next checkpoint).
   */
  async completeOrchestrationWorkItem(item: OrchestrationWorkItem, checkpoint: Checkpoint): Promise<void> {
    const own = this.own(item);
    if (own.givenBack) return;
    const id = item.instanceId;
    if (own.fromCache && !checkpoint.history && (await this.hub.history.sentinelEtag(id)) !== own.sentinelEtag) {
      // Nothing guards a commit without history: before consuming or deferring on the strength of a
      // cached history, make sure it is still the stored one.
      this.cache.delete(id);
      throw new CheckpointConflictError(id);
    }
    await forEachLimited(checkpoint.outbox, QUEUE_CALLS_IN_FLIGHT, (m) => this.hub.queues.send(m).then(() => this.hub.fault('checkpoint.afterSend', id)));
    let sentinel = own.sentinelEtag;
    if (checkpoint.history) {
      const { executionId, firstRow, events } = checkpoint.history;
      const consumed = checkpoint.consumed.map((m) => m.id);
      try {
        sentinel = await this.hub.history.append(id, executionId, firstRow, events, own.sentinelEtag, consumed, () => this.hub.fault('checkpoint.afterHistoryBatch', id));
      } catch (e) {
        this.cache.delete(id);
        throw e;
      }
      // The stored history is now exactly the kept rows plus these: the next work item starts from it.
      const stored = firstRow === 0 ? events : [...item.history.slice(0, firstRow), ...events];
      if (sentinel !== undefined) this.cache.set(id, own.partition, executionId, stored, sentinel, consumed);
      else this.cache.delete(id);
      await this.hub.fault('checkpoint.afterHistory', id);
    }
    const state = checkpoint.state;
    const summary = state && rowSummary(state);
    const writeRow = async (): Promise<void> => {
      if (!state) return;
      // Only while this checkpoint's sentinel is the instance's newest may its state be written: a
      // worker finishing a work item after its partition moved on must not overwrite a newer status.
      const isCurrent = async () => sentinel !== undefined && (await this.hub.history.sentinelEtag(id)) === sentinel;
      const row = await this.hub.instances.writeCheckpoint(state, own.rowEtag, isCurrent);
      if (!row.written) {
        this.log.info(`Instance '${id}': a newer checkpoint wrote the Instances row; this one's ${state.runtimeStatus} is not written.`);
      } else if (sentinel !== undefined && row.etag !== undefined) {
        this.cache.setRowEtag(id, sentinel, row.etag, summary!);
      }
      await this.hub.fault('checkpoint.afterInstanceRow', id);
    };
    const settled: [ReceivedMessage, number | undefined][] = [
      ...checkpoint.consumed.map((m): [ReceivedMessage, undefined] => [own.received.get(m.id)!, undefined]),
      ...checkpoint.deferred.map((m): [ReceivedMessage, number] => [own.received.get(m.id)!, DEFERRED_RETRY_MS]),
    ];
    const settle = () =>
      forEachLimited(settled, QUEUE_CALLS_IN_FLIGHT, ([m, retry]) =>
        retry === undefined ? this.hub.queues.delete(m).then(() => this.hub.fault('checkpoint.afterDelete', id)) : this.hub.queues.abandon(m, retry),
      );
    if (summary !== undefined && own.rowSummary === summary) {
      // The row would change nothing but LastUpdatedTime (most steps of a running instance): a crash
      // before it is written can leave only that stale, so it need not come before the deletes.
      await Promise.all([
        writeRow().catch((e) => this.log.warn(`Instance '${id}': the Instances row's LastUpdatedTime was not written: ${(e as Error).message}`)),
        settle(),
      ]);
    } else {
      await writeRow();
      await settle();
    }
    this.lockedOrchestrations.delete(own);
    this.instances.unlock(id);
    await this.hub.fault('checkpoint.committed', id);
  }

  async abandonOrchestrationWorkItem(item: OrchestrationWorkItem, retryAfterMs: number): Promise<void> {
    const own = this.own(item);
    if (own.givenBack) return;
    try {
      await Promise.all([...own.received.values()].map((m) => this.hub.queues.abandon(m, retryAfterMs)));
    } finally {
      this.lockedOrchestrations.delete(own);
      this.instances.unlock(item.instanceId);
    }
  }

  async parkOrchestrationWorkItem(item: OrchestrationWorkItem, reason: string): Promise<void> {
    const own = this.own(item);
    if (own.givenBack) return;
    try {
      for (const message of own.received.values()) {
        await this.hub.queues.park(message, reason);
        await this.hub.queues.delete(message);
      }
    } finally {
      this.lockedOrchestrations.delete(own);
      this.instances.unlock(item.instanceId);
    }
  }

  private own(item: OrchestrationWorkItem): AzureOrchestrationWorkItem {
    if (!(item instanceof AzureOrchestrationWorkItem)) throw new TypeError('The work item was not handed out by this backend.');
    return item;
  }

  async nextActivityWorkItem(): Promise<ActivityWorkItem | undefined> {
    for (;;) {
      if (this.stopping) return undefined;
      const message = this.activities.shift();
      if (!message) {
        await new Promise<void>((resolve) => this.activityWaiters.push(resolve));
        continue;
      }
      const item = new AzureActivityWorkItem(message);
      this.runningActivities.add(item);
      // Keep the work item invisible while the activity runs, however long it takes.
      const visibility = this.options.workItemQueueVisibilityTimeoutMs;
      item.renewal = setInterval(() => {
        if (item.renewalStopped || item.renewing) return;
        item.renewing = this.hub.queues
          .renew(message, visibility)
          .catch((e) => {
            if (!item.renewalStopped) this.log.warn(`Could not extend work item of '${item.instance.InstanceId}': ${(e as Error).message}`);
          })
          .finally(() => (item.renewing = undefined));
      }, Math.max(1000, visibility / 2));
      return item;
    }
  }

  async completeActivityWorkItem(item: ActivityWorkItem, answer: HistoryEvent): Promise<void> {
    const own = this.ownActivity(item);
    if (own.givenBack) return;
    try {
      await this.hub.queues.send({ instance: own.instance, event: answer, target: 'control', sender: own.instance });
      await this.hub.fault('activity.afterAnswer', own.instance.InstanceId);
      await this.stopRenewal(own);
      await this.hub.queues.delete(own.message);
    } finally {
      this.releaseActivity(own);
    }
  }

  async abandonActivityWorkItem(item: ActivityWorkItem, retryAfterMs: number): Promise<void> {
    const own = this.ownActivity(item);
    if (own.givenBack) return;
    try {
      await this.stopRenewal(own);
      await this.hub.queues.abandon(own.message, retryAfterMs);
    } finally {
      this.releaseActivity(own);
    }
  }

  /**
   * An activity message that the app's queue trigger on `<hub>-workitems` received (the host keeps it
   * invisible while the function runs and deletes it when the function succeeds): decoded as the
   * pollers decode it, its blob fetched. Anything that is not an activity is refused with an error
   * naming it, so the host retries it and finally keeps it in `<queue>-poison`.
   */
  async triggeredActivity(body: unknown): Promise<{ instance: OrchestrationInstance; event: TaskScheduledEvent }> {
    // The worker hands JSON messages over parsed; anything else as text.
    const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
    const data = await this.hub.queues.decode(text);
    const { Event: event, OrchestrationInstance: instance } = data.TaskMessage;
    if (event.EventType !== EventType.TaskScheduled) {
      throw new Error(`The work-item message for '${instance?.InstanceId}' is ${EventType[event.EventType]}, not TaskScheduled.`);
    }
    return { instance, event: event as TaskScheduledEvent };
  }

  /** Sends a triggered activity's answer to its orchestration; the trigger's success then deletes the work item. */
  async answerTriggeredActivity(instance: OrchestrationInstance, answer: HistoryEvent): Promise<void> {
    await this.hub.queues.send({ instance, event: answer, target: 'control', sender: instance });
  }

  private ownActivity(item: ActivityWorkItem): AzureActivityWorkItem {
    if (!(item instanceof AzureActivityWorkItem)) throw new TypeError('The work item was not handed out by this backend.');
    return item;
  }

  /** Ends the renewals and waits for one in flight, so the next call uses the newest pop receipt. */
  private async stopRenewal(item: AzureActivityWorkItem): Promise<void> {
    item.renewalStopped = true;
    await item.renewing;
  }

  private releaseActivity(item: AzureActivityWorkItem): void {
    if (!item.renewal) return;
    clearInterval(item.renewal);
    item.renewal = undefined;
    this.runningActivities.delete(item);
  }

  private wakeActivities(): void {
    const waiters = this.activityWaiters;
    this.activityWaiters = [];
    for (const w of waiters) w();
  }

  // ---- client side -------------------------------------------------------------------------

  async createInstance(start: ExecutionStartedEvent, options: { refuseIfStatus: ReadonlySet<string>; scheduledStartTime?: Date }): Promise<void> {
    await this.hub.ensureCreated();
    const instance = start.OrchestrationInstance;
    const existing = await this.hub.instances.get(instance.InstanceId);
    if (existing && options.refuseIfStatus.has(existing.runtimeStatus)) {
      throw new InstanceAlreadyExistsError(instance.InstanceId, existing.runtimeStatus);
    }
    // The next generation of an existing id lets workers tell a start whose row is still being written from a stale one (see load).
    const pending = pendingInstance(start, existing, options.scheduledStartTime);
    start = pending.start;
    const state = pending.state;
    // Message first, then the Pending row, as DurableTask.AzureStorage does: a crash in between leaves a
    // start that runs (and writes the row itself), never a Pending row that nothing will ever run.
    await this.hub.queues.send({ instance, target: 'control', event: start });
    await this.hub.fault('start.afterMessage', instance.InstanceId);
    try {
      await this.hub.instances.create(state, existing?.etag);
    } catch (e) {
      // A worker may have run the start and written the row already: that is this start succeeding.
      if (!(e instanceof InstanceAlreadyExistsError) || (await this.hub.instances.get(instance.InstanceId))?.executionId !== instance.ExecutionId) throw e;
    }
  }

  async sendMessage(message: OutboundMessage): Promise<void> {
    await this.hub.ensureCreated();
    await this.hub.queues.send(message);
  }

  async getInstance(instanceId: string): Promise<InstanceState | undefined> {
    return this.hub.instances.get(instanceId);
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return (await this.hub.history.load(instanceId)).events;
  }

  async queryInstances(query: InstanceQuery): Promise<InstancePage> {
    return queryInstancePage(this.hub.instances.table, validateQuery(query));
  }

  async countInstances(query: InstanceQuery, options?: CountOptions): Promise<InstanceCounts> {
    return countInstances(this.hub.instances.table, validateQuery({ ...query, continuationToken: undefined }), options);
  }

  describeHub(): Promise<HubOverview> {
    return readHubOverview(this.hub, this.options.partitionManagement ?? 'table');
  }

  async rewindInstance(instanceId: string, _executionId: string, reason: string): Promise<void> {
    await this.hub.ensureCreated();
    const now = this.clock.now();
    const leaves = await rewindHistoryRows(this.hub.storage.history, this.hub.storage.instances, instanceId, now);
    // Any execution (null on the wire), as DT.AzureStorage's RewindTaskOrchestrationAsync sends it.
    for (const leaf of leaves) {
      await this.hub.queues.send({ instance: { InstanceId: leaf, ExecutionId: '' }, target: 'control', event: newEvent({ EventType: EventType.GenericEvent, Data: reason }, now) });
    }
  }

  async purgeInstance(instanceId: string, expectedEtag?: string): Promise<boolean> {
    const etag = expectedEtag ?? (await this.hub.instances.get(instanceId))?.etag;
    if (etag === undefined) return false;
    this.cache.delete(instanceId);
    return purgeInstanceStorage(this.hub, instanceId, etag);
  }
}

/** Resolves when `done()` holds or at `deadline` (epoch ms), whichever comes first. */
async function waitUntil(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.min(20, Math.max(1, deadline - Date.now()))));
}

/** Waits for `work`, but not past `deadline`; `onLate` runs if the deadline came first (the work goes on). */
async function withDeadline(work: Promise<unknown> | undefined, deadline: number, onLate: () => void): Promise<void> {
  if (!work) return;
  if (!Number.isFinite(deadline)) return void (await work);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()))));
  const outcome = await Promise.race([work.then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') onLate();
}
