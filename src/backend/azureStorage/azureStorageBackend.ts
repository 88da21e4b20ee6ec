import { DurableSettings } from '../../config/settings';
import { EventType, ExecutionStartedEvent, HistoryEvent, TaskScheduledEvent } from '../../history/events';
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
  WorkerOptions,
} from '../backend';
import { CheckpointConflictError, InstanceAlreadyExistsError } from '../errors';
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
import { PartitionManager, createPartitionManager } from './partitionManagement';
import { TaskHub } from './taskHub';
import { purgeInstanceStorage } from './purge';
import { WorkItemPoller } from './workItemPoller';

/** Delay before messages that arrived ahead of their history are looked at again. */
const DEFERRED_RETRY_MS = 2_000;
/** A timer message that arrives earlier than this before its due time is sent on for the rest. */
const EARLY_TIMER_TOLERANCE_MS = 1_000;
/** Queue calls in flight at once for one work item (a large fan-out sends thousands of messages). */
const QUEUE_CALLS_IN_FLIGHT = 64;

export interface AzureStorageOptions {
  connectionString: string;
  hubName: string;
  partitionCount: number;
  controlQueueBatchSize: number;
  controlQueueVisibilityTimeoutMs: number;
  workItemQueueVisibilityTimeoutMs: number;
  maxQueuePollingIntervalMs: number;
  leaseIntervalMs: number;
  leaseRenewIntervalMs: number;
  leaseAcquireIntervalMs: number;
  partitionManagement?: 'table' | 'legacy';
  useAppLease?: boolean;
  appName?: string;
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
    readonly partition: number,
    /** The history came from the instance cache, not from storage. */
    readonly fromCache: boolean,
  ) {}
}

class AzureActivityWorkItem implements ActivityWorkItem {
  renewal: NodeJS.Timeout | undefined;
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
  private runningActivities = 0;
  private readonly pollers = new Map<number, ControlQueuePoller>();
  private workItemPoller: WorkItemPoller | undefined;
  private leases: PartitionManager | undefined;
  private worker: WorkerOptions | undefined;
  private stopping = false;

  /** The backend an app's host.json settings describe, on the given storage connection. */
  static fromSettings(settings: DurableSettings, connectionString: string): AzureStorageBackend {
    return new AzureStorageBackend({ ...settings, connectionString });
  }

  constructor(readonly options: AzureStorageOptions) {
    this.hub = new TaskHub(options.connectionString, options.hubName, options.partitionCount);
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
    return this.hub.ensureCreated();
  }

  async deleteTaskHub(onProgress?: (artifact: string) => void): Promise<void> {
    return this.hub.storage.delete(onProgress);
  }

  // ---- worker side -------------------------------------------------------------------------

  async startWorker(options: WorkerOptions): Promise<void> {
    if (this.worker) throw new Error('This backend already runs a worker.');
    this.worker = options;
    await this.hub.ensureCreated();
    this.workItemPoller = new WorkItemPoller(
      this.hub,
      {
        capacity: () => options.maxConcurrentActivities - this.runningActivities - this.activities.length,
        add: (messages) => {
          this.activities.push(...messages);
          this.wakeActivities();
        },
      },
      this.options.workItemQueueVisibilityTimeoutMs,
      this.options.maxQueuePollingIntervalMs,
      this.log,
    );
    this.workItemPoller.start();
    // The manager host.json selects (the partition table by default, as DurableTask.AzureStorage 2.x).
    this.leases = createPartitionManager(
      this.hub.storage,
      { ...this.options, workerId: options.workerId },
      { acquired: (p) => this.startPartition(p), lost: (p) => this.stopPartition(p) },
      this.log,
    );
    await this.leases.start();
    this.log.info(`Worker ${options.workerId} owns partitions [${this.ownedPartitions.join(', ')}].`);
  }

  async stopWorker(): Promise<void> {
    if (!this.worker || this.stopping) return;
    this.stopping = true;
    await Promise.all([...this.pollers.keys()].map((p) => this.stopPartition(p)));
    await this.workItemPoller?.stop();
    // Activities received but not started go back to the queue at once.
    await Promise.all(this.activities.splice(0).map((m) => this.hub.queues.abandon(m, 0).catch(() => undefined)));
    this.instances.wake();
    this.wakeActivities();
    await this.leases?.stop();
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
        if (item) return item;
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
    const cached = this.cache.get(instanceId);
    const loaded = cached ?? (await this.hub.history.load(instanceId));
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
      if (row?.runtimeStatus === 'Pending') {
        // The start message goes out before the Pending row: a start whose execution is not the
        // row's lost a race of two creates with the same id (or is stale), and must not run.
        const losers = fresh.filter((m) => isStart(m) && m.data.TaskMessage.OrchestrationInstance.ExecutionId !== row.executionId);
        await Promise.all(losers.map((m) => this.hub.queues.delete(m)));
        fresh = fresh.filter((m) => !losers.includes(m));
        if (fresh.length === 0) return undefined;
      }
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
      partition,
      cached !== undefined,
    );
  }

  /**
   * The checkpoint order, shared by orchestrations and entities, survives a crash between any two steps:
   *   1. outbound messages are sent (a crash here re-sends them: activities are at-least-once),
   *   2. history rows are appended, the sentinel row last with its ETag (exactly one commit wins),
   *   3. the instance row is updated (derived state, rewritten by any later checkpoint),
   *   4. consumed messages are deleted (their redelivery is recognised through the sentinel).
   */
  async completeOrchestrationWorkItem(item: OrchestrationWorkItem, checkpoint: Checkpoint): Promise<void> {
    const own = this.own(item);
    if (own.fromCache && !checkpoint.history && (await this.hub.history.sentinelEtag(item.instanceId)) !== own.sentinelEtag) {
      // Nothing guards a commit without history: before consuming or deferring on the strength of a
      // cached history, make sure it is still the stored one.
      this.cache.delete(item.instanceId);
      throw new CheckpointConflictError(item.instanceId);
    }
    await forEachLimited(checkpoint.outbox, QUEUE_CALLS_IN_FLIGHT, (m) => this.hub.queues.send(m));
    if (checkpoint.history) {
      const { executionId, firstRow, events } = checkpoint.history;
      const consumedIds = checkpoint.consumed.map((m) => m.id);
      let etag: string;
      try {
        etag = await this.hub.history.append(item.instanceId, executionId, firstRow, events, own.sentinelEtag, consumedIds);
      } catch (e) {
        this.cache.delete(item.instanceId);
        throw e;
      }
      // The stored history is now exactly the kept rows plus these: the next work item starts from it.
      const stored = firstRow === 0 ? events : [...item.history.slice(0, firstRow), ...events];
      this.cache.set(item.instanceId, own.partition, executionId, stored, etag, consumedIds);
    }
    if (checkpoint.state) await this.hub.instances.upsert(checkpoint.state);
    const settled: [ReceivedMessage, number | undefined][] = [
      ...checkpoint.consumed.map((m): [ReceivedMessage, undefined] => [own.received.get(m.id)!, undefined]),
      ...checkpoint.deferred.map((m): [ReceivedMessage, number] => [own.received.get(m.id)!, DEFERRED_RETRY_MS]),
    ];
    await forEachLimited(settled, QUEUE_CALLS_IN_FLIGHT, ([m, retry]) => (retry === undefined ? this.hub.queues.delete(m) : this.hub.queues.abandon(m, retry)));
    this.instances.unlock(item.instanceId);
  }

  async abandonOrchestrationWorkItem(item: OrchestrationWorkItem, retryAfterMs: number): Promise<void> {
    const own = this.own(item);
    try {
      await Promise.all([...own.received.values()].map((m) => this.hub.queues.abandon(m, retryAfterMs)));
    } finally {
      this.instances.unlock(item.instanceId);
    }
  }

  async parkOrchestrationWorkItem(item: OrchestrationWorkItem, reason: string): Promise<void> {
    const own = this.own(item);
    try {
      for (const message of own.received.values()) {
        await this.hub.queues.park(message, reason);
        await this.hub.queues.delete(message);
      }
    } finally {
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
      this.runningActivities++;
      const item = new AzureActivityWorkItem(message);
      // Keep the work item invisible while the activity runs, however long it takes.
      const visibility = this.options.workItemQueueVisibilityTimeoutMs;
      item.renewal = setInterval(() => {
        this.hub.queues.renew(message, visibility).catch((e) => this.log.warn(`Could not extend work item of '${item.instance.InstanceId}': ${(e as Error).message}`));
      }, Math.max(1000, visibility / 2));
      return item;
    }
  }

  async completeActivityWorkItem(item: ActivityWorkItem, answer: HistoryEvent): Promise<void> {
    const own = this.ownActivity(item);
    try {
      await this.hub.queues.send({ instance: own.instance, event: answer, target: 'control', sender: own.instance });
      await this.hub.queues.delete(own.message);
    } finally {
      this.releaseActivity(own);
    }
  }

  async abandonActivityWorkItem(item: ActivityWorkItem, retryAfterMs: number): Promise<void> {
    const own = this.ownActivity(item);
    try {
      await this.hub.queues.abandon(own.message, retryAfterMs);
    } finally {
      this.releaseActivity(own);
    }
  }

  private ownActivity(item: ActivityWorkItem): AzureActivityWorkItem {
    if (!(item instanceof AzureActivityWorkItem)) throw new TypeError('The work item was not handed out by this backend.');
    return item;
  }

  private releaseActivity(item: AzureActivityWorkItem): void {
    if (!item.renewal) return;
    clearInterval(item.renewal);
    item.renewal = undefined;
    this.runningActivities--;
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
    const now = new Date(start.Timestamp);
    const state: InstanceState = {
      instanceId: instance.InstanceId,
      name: start.Name,
      version: start.Version ?? '',
      executionId: instance.ExecutionId,
      input: start.Input ?? undefined,
      runtimeStatus: 'Pending',
      createdTime: now,
      lastUpdatedTime: now,
      scheduledStartTime: options.scheduledStartTime,
      generation: 0,
    };
    // Message first, then the Pending row, as DurableTask.AzureStorage does: a crash in between leaves a
    // start that runs (and writes the row itself), never a Pending row that nothing will ever run.
    await this.hub.queues.send({ instance, target: 'control', event: start });
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
    return readHubOverview(this.hub);
  }

  async purgeInstance(instanceId: string, expectedEtag?: string): Promise<boolean> {
    const etag = expectedEtag ?? (await this.hub.instances.get(instanceId))?.etag;
    if (etag === undefined) return false;
    this.cache.delete(instanceId);
    return purgeInstanceStorage(this.hub, instanceId, etag);
  }
}
