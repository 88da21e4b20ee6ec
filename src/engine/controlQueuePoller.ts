import { QueueClient } from '@azure/storage-queue';
import { ReceivedMessage } from '../storage/messageQueues';
import { TaskHub } from '../storage/taskHub';
import { Logger } from '../util/log';
import { Backoff } from './backoff';

export interface InstanceProcessor {
  process(instanceId: string, messages: ReceivedMessage[]): Promise<void>;
}

/** Limits how many instances are processed at once across all partitions of a worker. */
export class ConcurrencyGate {
  private active = 0;
  constructor(readonly limit: number) {}
  get available(): number {
    return this.limit - this.active;
  }
  acquire(): void {
    this.active++;
  }
  release(): void {
    this.active--;
  }
}

/**
 * Polls one owned control queue. Messages are grouped per instance; each instance is processed by
 * one work item at a time, and messages that arrive meanwhile are handed to its next work item
 * (so completions that arrive together are applied in one replay).
 */
export class ControlQueuePoller {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly pending = new Map<string, ReceivedMessage[]>();
  private readonly draining = new Map<string, Promise<void>>();

  constructor(
    readonly partition: number,
    private readonly queue: QueueClient,
    private readonly hub: TaskHub,
    private readonly processor: InstanceProcessor,
    private readonly gate: ConcurrencyGate,
    private readonly options: { batchSize: number; visibilityTimeoutMs: number; maxPollingIntervalMs: number },
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops polling and waits for in-flight work items; unprocessed messages become visible again later. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.draining.values());
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.options.maxPollingIntervalMs);
    const unsubscribe = this.hub.queues.onSend((name) => {
      if (name === this.queue.name) backoff.wake();
    });
    try {
      await this.pollLoop(backoff);
    } finally {
      unsubscribe();
    }
  }

  private async pollLoop(backoff: Backoff): Promise<void> {
    while (!this.stopped) {
      if (this.gate.available <= 0) {
        await backoff.waitFixed(10);
        continue;
      }
      let messages: ReceivedMessage[] = [];
      try {
        messages = await this.hub.queues.receive(this.queue, this.options.batchSize, this.options.visibilityTimeoutMs, (raw, e) =>
          this.log.error(`Discarding malformed control message on ${this.queue.name} (${e.message}): ${raw.slice(0, 200)}`),
        );
      } catch (e) {
        if (this.stopped) break;
        this.log.warn(`Receive on ${this.queue.name} failed: ${(e as Error).message}`);
      }
      if (messages.length === 0) {
        await backoff.wait(() => this.stopped);
        continue;
      }
      backoff.reset();
      for (const message of messages) {
        const id = message.data.TaskMessage.OrchestrationInstance.InstanceId;
        const list = this.pending.get(id) ?? [];
        list.push(message);
        this.pending.set(id, list);
        if (!this.draining.has(id)) this.draining.set(id, this.drain(id));
      }
    }
  }

  private async drain(instanceId: string): Promise<void> {
    this.gate.acquire();
    // Bookkeeping stays synchronous with the poll loop: the map entry is set before this line resumes.
    await Promise.resolve();
    try {
      for (;;) {
        const batch = this.pending.get(instanceId);
        if (!batch || batch.length === 0) break;
        this.pending.delete(instanceId);
        try {
          await this.processor.process(instanceId, batch);
        } catch (e) {
          // Leave the messages in the queue: they become visible again and the work item is retried.
          this.log.error(`Work item of instance '${instanceId}' failed and will be retried: ${(e as Error).stack ?? e}`);
          await Promise.all(batch.map((m) => this.hub.queues.abandon(m, 1000).catch(() => undefined)));
        }
      }
    } finally {
      this.draining.delete(instanceId);
      this.gate.release();
    }
  }
}
