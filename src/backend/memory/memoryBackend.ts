import { ExecutionStartedEvent, HistoryEvent, OrchestrationInstance, TaskScheduledEvent, EventType, newEvent } from '../../history/events';
import { InstanceState } from '../../history/instanceState';
import { Clock, systemClock } from '../../util/clock';
import { ActivityWorkItem, Backend, Checkpoint, InboundMessage, OrchestrationWorkItem, OutboundMessage, WorkerOptions } from '../backend';
import { pendingInstance } from '../pendingInstance';
import { InstanceAlreadyExistsError, InvalidQueryError } from '../errors';
import { HubOverview, InstanceCounts, ThroughputMinute } from '../hubInfo';
import { InstancePage, InstanceQuery, matchesQuery, validateQuery } from '../instanceQuery';

/** Most messages one work item applies, as in the Azure Storage backend. */
const MAX_MESSAGES_PER_WORK_ITEM = 100;

interface QueuedMessage extends InboundMessage {
  visibleAt: number;
  sequence: number;
  dequeueCount: number;
}

interface QueuedActivity extends ActivityWorkItem {
  visibleAt: number;
  sequence: number;
  dequeueCount: number;
}

/** A clock whose time moves only when told to; the memory backend wakes up when it does. */
export interface ObservableClock extends Clock {
  onAdvance(listener: () => void): () => void;
}

/**
 * The whole task hub in process memory: instant, deterministic in its ordering, and with
 * atomic checkpoints (a work item holds its instance's lock until it completes). For fast tests
 * and the testing host; it keeps nothing across processes.
 */
export class MemoryBackend implements Backend {
  readonly hubName: string;
  readonly clock: Clock;
  private readonly states = new Map<string, InstanceState>();
  private readonly histories = new Map<string, { executionId: string; events: HistoryEvent[] }>();
  private readonly queues = new Map<string, QueuedMessage[]>();
  private readonly activities: QueuedActivity[] = [];
  private readonly locked = new Map<string, QueuedMessage[]>();
  private readonly lockedActivities = new Set<QueuedActivity>();
  private waiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private sequence = 0;
  private nextId = 0;
  private running = false;

  constructor(options: { hubName?: string; clock?: Clock } = {}) {
    this.hubName = options.hubName ?? 'MemoryHub';
    this.clock = options.clock ?? systemClock;
    const observable = this.clock as Partial<ObservableClock>;
    observable.onAdvance?.(() => this.wake());
  }

  async createIfNotExists(): Promise<void> {}

  async deleteTaskHub(onProgress?: (artifact: string) => void): Promise<void> {
    this.states.clear();
    this.histories.clear();
    this.queues.clear();
    this.activities.length = 0;
    onProgress?.(this.hubName);
  }

  // ---- worker side -------------------------------------------------------------------------

  async startWorker(_options: WorkerOptions): Promise<void> {
    if (this.running) throw new Error('This backend already runs a worker.');
    this.running = true;
  }

  async stopWorker(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.wake();
  }

  /** True when nothing can run now: no visible message, no locked work item, no running activity. */
  isIdle(): boolean {
    const now = this.clock.now().getTime();
    if (this.locked.size > 0 || this.lockedActivities.size > 0) return false;
    if (this.activities.some((a) => a.visibleAt <= now)) return false;
    for (const queue of this.queues.values()) if (queue.some((m) => m.visibleAt <= now)) return false;
    return true;
  }

  /** The earliest time a message that is not visible yet (a timer, a retry) becomes visible. */
  nextDueTime(): Date | undefined {
    const now = this.clock.now().getTime();
    let due = Number.POSITIVE_INFINITY;
    for (const a of this.activities) if (a.visibleAt > now) due = Math.min(due, a.visibleAt);
    for (const queue of this.queues.values()) for (const m of queue) if (m.visibleAt > now) due = Math.min(due, m.visibleAt);
    return Number.isFinite(due) ? new Date(due) : undefined;
  }

  async nextOrchestrationWorkItem(): Promise<OrchestrationWorkItem | undefined> {
    for (;;) {
      if (!this.running) return undefined;
      const item = this.takeOrchestration();
      if (item) return item;
      await this.waitForChange();
    }
  }

  private takeOrchestration(): OrchestrationWorkItem | undefined {
    const now = this.clock.now().getTime();
    let best: { id: string; first: number } | undefined;
    for (const [id, queue] of this.queues) {
      if (this.locked.has(id)) continue;
      const first = queue.find((m) => m.visibleAt <= now);
      if (first && (!best || first.sequence < best.first)) best = { id, first: first.sequence };
    }
    if (!best) return undefined;
    const queue = this.queues.get(best.id)!;
    const taken = queue.filter((m) => m.visibleAt <= now).slice(0, MAX_MESSAGES_PER_WORK_ITEM);
    for (const m of taken) m.dequeueCount++;
    this.locked.set(best.id, taken);
    const history = this.histories.get(best.id);
    return {
      instanceId: best.id,
      executionId: history?.executionId,
      history: history ? [...history.events] : [],
      messages: taken.map((m) => ({ id: m.id, instance: m.instance, event: m.event, dequeueCount: m.dequeueCount })),
      awaitingStart: !history && this.states.get(best.id)?.runtimeStatus === 'Pending',
    };
  }

  async completeOrchestrationWorkItem(item: OrchestrationWorkItem, checkpoint: Checkpoint): Promise<void> {
    const taken = this.requireLock(item.instanceId);
    for (const message of checkpoint.outbox) this.enqueue(message);
    if (checkpoint.history) {
      const { executionId, firstRow, events } = checkpoint.history;
      const kept = firstRow === 0 ? [] : (this.histories.get(item.instanceId)?.events ?? []).slice(0, firstRow);
      this.histories.set(item.instanceId, { executionId, events: [...kept, ...events] });
    }
    if (checkpoint.state) this.states.set(item.instanceId, { ...checkpoint.state, etag: `v${++this.nextId}` });
    const consumed = new Set(checkpoint.consumed.map((m) => m.id));
    const deferred = new Set(checkpoint.deferred.map((m) => m.id));
    const queue = this.queues.get(item.instanceId) ?? [];
    const now = this.clock.now().getTime();
    for (const m of taken) if (deferred.has(m.id)) m.visibleAt = now + 1;
    this.setQueue(item.instanceId, queue.filter((m) => !consumed.has(m.id)));
    this.locked.delete(item.instanceId);
    this.wake();
  }

  async abandonOrchestrationWorkItem(item: OrchestrationWorkItem, retryAfterMs: number): Promise<void> {
    const taken = this.requireLock(item.instanceId);
    const at = this.clock.now().getTime() + retryAfterMs;
    for (const m of taken) m.visibleAt = at;
    this.locked.delete(item.instanceId);
    this.wake();
  }

  /** Messages taken out of processing by `parkOrchestrationWorkItem`, with the reason. */
  readonly parked: { message: InboundMessage; reason: string }[] = [];

  async parkOrchestrationWorkItem(item: OrchestrationWorkItem, reason: string): Promise<void> {
    const taken = new Set(this.requireLock(item.instanceId).map((m) => m.id));
    const queue = this.queues.get(item.instanceId) ?? [];
    for (const m of queue) if (taken.has(m.id)) this.parked.push({ message: m, reason });
    this.setQueue(item.instanceId, queue.filter((m) => !taken.has(m.id)));
    this.locked.delete(item.instanceId);
    this.wake();
  }

  private requireLock(instanceId: string): QueuedMessage[] {
    const taken = this.locked.get(instanceId);
    if (!taken) throw new Error(`Instance '${instanceId}' is not locked by a work item of this backend.`);
    return taken;
  }

  async nextActivityWorkItem(): Promise<ActivityWorkItem | undefined> {
    for (;;) {
      if (!this.running) return undefined;
      const now = this.clock.now().getTime();
      const index = this.activities.findIndex((a) => a.visibleAt <= now);
      if (index >= 0) {
        const [item] = this.activities.splice(index, 1);
        item.dequeueCount++;
        this.lockedActivities.add(item);
        return item;
      }
      await this.waitForChange();
    }
  }

  async completeActivityWorkItem(item: ActivityWorkItem, answer: HistoryEvent): Promise<void> {
    this.releaseActivity(item);
    this.enqueue({ instance: item.instance, event: answer, target: 'control', sender: item.instance });
  }

  async abandonActivityWorkItem(item: ActivityWorkItem, retryAfterMs: number): Promise<void> {
    const own = this.releaseActivity(item);
    own.visibleAt = this.clock.now().getTime() + retryAfterMs;
    this.activities.push(own);
    this.wake();
  }

  private releaseActivity(item: ActivityWorkItem): QueuedActivity {
    const own = item as QueuedActivity;
    if (!this.lockedActivities.delete(own)) throw new Error('The activity work item was not handed out by this backend.');
    return own;
  }

  // ---- client side -------------------------------------------------------------------------

  async createInstance(start: ExecutionStartedEvent, options: { refuseIfStatus: ReadonlySet<string>; scheduledStartTime?: Date }): Promise<void> {
    const id = start.OrchestrationInstance.InstanceId;
    const existing = this.states.get(id);
    if (existing && options.refuseIfStatus.has(existing.runtimeStatus)) throw new InstanceAlreadyExistsError(id, existing.runtimeStatus);
    const pending = pendingInstance(start, existing, options.scheduledStartTime);
    this.states.set(id, { ...pending.state, etag: `v${++this.nextId}` });
    this.enqueue({ instance: start.OrchestrationInstance, event: pending.start, target: 'control' });
  }

  async sendMessage(message: OutboundMessage): Promise<void> {
    this.enqueue(message);
  }

  async getInstance(instanceId: string): Promise<InstanceState | undefined> {
    const state = this.states.get(instanceId);
    return state && { ...state };
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return [...(this.histories.get(instanceId)?.events ?? [])];
  }

  async queryInstances(query: InstanceQuery): Promise<InstancePage> {
    const valid = validateQuery(query);
    const after = valid.continuationToken === undefined ? undefined : parseToken(valid.continuationToken);
    // Instance id order, as the Instances table's PartitionKey order.
    const ids = [...this.states.keys()].sort();
    const instances: InstanceState[] = [];
    for (const id of ids) {
      if (after !== undefined && id <= after) continue;
      const state = this.states.get(id)!;
      if (!matchesQuery(state, valid)) continue;
      if (instances.length === valid.pageSize) {
        return { instances, continuationToken: makeToken(instances[instances.length - 1].instanceId) };
      }
      instances.push({ ...state });
    }
    return { instances };
  }

  async countInstances(query: InstanceQuery): Promise<InstanceCounts> {
    const valid = validateQuery({ ...query, continuationToken: undefined });
    const counts: Record<string, number> = {};
    let total = 0;
    for (const state of this.states.values()) {
      if (!matchesQuery(state, valid)) continue;
      counts[state.runtimeStatus] = (counts[state.runtimeStatus] ?? 0) + 1;
      total++;
    }
    return { counts, total, complete: true };
  }

  /** One in-process "partition" owned by this process; throughput from the instances' times. */
  async describeHub(): Promise<HubOverview> {
    const now = this.clock.now();
    const firstMinute = Math.floor(now.getTime() / 60_000) - 9;
    const minutes: ThroughputMinute[] = Array.from({ length: 10 }, (_, i) => ({
      minute: new Date((firstMinute + i) * 60_000).toISOString(),
      started: 0,
      completed: 0,
      failed: 0,
      terminated: 0,
    }));
    const bucket = (time: Date | undefined) => (time ? minutes[Math.floor(time.getTime() / 60_000) - firstMinute] : undefined);
    for (const state of this.states.values()) {
      if (state.instanceId.startsWith('@')) continue;
      const started = bucket(state.createdTime);
      if (started) started.started++;
      const finished = bucket(state.completedTime);
      if (state.runtimeStatus === 'Completed' && finished) finished.completed++;
      if (state.runtimeStatus === 'Failed' && finished) finished.failed++;
      if (state.runtimeStatus === 'Terminated' && finished) finished.terminated++;
    }
    const queued = [...this.queues.values()].reduce((n, q) => n + q.length, 0);
    return {
      taskHub: this.hubName,
      createdAt: null,
      partitionCount: 1,
      partitions: [{ partition: 0, controlQueue: 'memory', queueDepth: queued, owner: this.running ? 'this process' : null, leaseState: this.running ? 'leased' : 'available', epoch: null }],
      workItemQueueDepth: this.activities.length,
      workers: this.running ? [{ workerId: 'this process', partitions: [0] }] : [],
      throughput: { minutes, rowsRead: this.states.size, complete: true },
      generatedAt: now.toISOString(),
    };
  }

  async rewindInstance(instanceId: string, executionId: string, reason: string): Promise<void> {
    this.enqueue({
      instance: { InstanceId: instanceId, ExecutionId: executionId },
      target: 'control',
      event: newEvent({ EventType: EventType.ExecutionRewound, Reason: reason }, this.clock.now()),
    });
  }

  async purgeInstance(instanceId: string, expectedEtag?: string): Promise<boolean> {
    const state = this.states.get(instanceId);
    if (!state || (expectedEtag !== undefined && state.etag !== expectedEtag)) return false;
    this.histories.delete(instanceId);
    return this.states.delete(instanceId);
  }

  // ---- internals ---------------------------------------------------------------------------

  private enqueue(message: OutboundMessage): void {
    const now = this.clock.now().getTime();
    const visibleAt = now + Math.max(0, message.delayMs ?? 0);
    const id = `m${++this.nextId}`;
    if (message.target === 'workItem') {
      if (message.event.EventType !== EventType.TaskScheduled) throw new Error('Only TaskScheduled events go to the activity queue.');
      const activity: QueuedActivity = {
        id,
        instance: message.instance as OrchestrationInstance,
        event: message.event as TaskScheduledEvent,
        dequeueCount: 0,
        visibleAt,
        sequence: ++this.sequence,
      };
      this.activities.push(activity);
    } else {
      const queue = this.queues.get(message.instance.InstanceId) ?? [];
      queue.push({ id, instance: message.instance, event: message.event, dequeueCount: 0, visibleAt, sequence: ++this.sequence });
      this.queues.set(message.instance.InstanceId, queue);
    }
    this.wake();
    if (this.clock === systemClock && this.running) this.armTimer();
  }

  private setQueue(instanceId: string, queue: QueuedMessage[]): void {
    if (queue.length === 0) this.queues.delete(instanceId);
    else this.queues.set(instanceId, queue);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Waits for a change, or (on the system clock) until the next delayed message is due. */
  private waitForChange(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (this.clock === systemClock) this.armTimer();
    });
  }

  /** One real timer, always set for the earliest delayed message (a new earlier one moves it). */
  private armTimer(): void {
    const due = this.nextDueTime()?.getTime();
    if (due === undefined || (this.timer && this.timerDue <= due)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wake();
    }, Math.max(0, due - Date.now()));
  }
}

function makeToken(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url');
}

function parseToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw new InvalidQueryError('The continuation token is not valid for this task hub.');
}
