import { QueueClient } from '@azure/storage-queue';
import { ReceivedMessage } from '../storage/messageQueues';
import { TaskHub } from '../storage/taskHub';
import { Logger } from '../util/log';
import { QueuePoller } from './queuePoller';

export interface InstanceProcessor {
  process(instanceId: string, messages: ReceivedMessage[]): Promise<void>;
}

/** Most messages one work item applies; the rest of an instance's backlog goes to the next one. */
export const MAX_MESSAGES_PER_WORK_ITEM = 100;

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
export class ControlQueuePoller extends QueuePoller {
  private readonly pending = new Map<string, ReceivedMessage[]>();
  private readonly draining = new Map<string, Promise<void>>();

  constructor(
    readonly partition: number,
    queue: QueueClient,
    hub: TaskHub,
    private readonly processor: InstanceProcessor,
    private readonly gate: ConcurrencyGate,
    private readonly options: { batchSize: number; visibilityTimeoutMs: number; maxPollingIntervalMs: number },
    log: Logger,
  ) {
    super(queue, hub, options.visibilityTimeoutMs, options.maxPollingIntervalMs, log);
  }

  protected capacity(): number {
    return this.gate.available > 0 ? this.options.batchSize : 0;
  }

  protected async drained(): Promise<void> {
    await Promise.all(this.draining.values());
  }

  protected dispatch(messages: ReceivedMessage[]): void {
    for (const message of messages) {
      const id = message.data.TaskMessage.OrchestrationInstance.InstanceId;
      const list = this.pending.get(id) ?? [];
      list.push(message);
      this.pending.set(id, list);
      if (!this.draining.has(id)) this.draining.set(id, this.drain(id));
    }
  }

  private async drain(instanceId: string): Promise<void> {
    this.gate.acquire();
    // Bookkeeping stays synchronous with the poll loop: the map entry is set before this line resumes.
    await Promise.resolve();
    try {
      for (;;) {
        const waiting = this.pending.get(instanceId);
        if (!waiting || waiting.length === 0) break;
        // Bounded work items keep checkpoints frequent and well inside the visibility timeout.
        const batch = waiting.splice(0, MAX_MESSAGES_PER_WORK_ITEM);
        if (waiting.length === 0) this.pending.delete(instanceId);
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
