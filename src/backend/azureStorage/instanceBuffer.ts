import { ReceivedMessage } from './messageQueues';

/**
 * Most messages one work item applies; the rest of an instance's backlog goes to the next one. Large,
 * so a fan-in applies hundreds of answers in one replay and one checkpoint; bounded because the
 * checkpoint records the consumed message ids in one sentinel column (`LastMessageIds`), and a table
 * property holds at most 64 KiB (~800 queue message ids).
 */
export const MAX_MESSAGES_PER_WORK_ITEM = 500;

/**
 * Messages received from the owned control queues, grouped per instance. An instance is handed
 * out to one work item at a time; what arrives meanwhile waits for its next work item, so
 * completions that arrive together are applied in one replay.
 */
export class InstanceBuffer {
  /** Per instance its messages by id, in arrival order. */
  private readonly pending = new Map<string, { partition: number; messages: Map<string, ReceivedMessage> }>();
  private readonly locked = new Map<string, number>();
  private readonly ready: string[] = [];
  private waiters: (() => void)[] = [];

  /** Instances waiting or in work; pollers stop receiving at the concurrency limit. */
  get load(): number {
    return this.locked.size + this.ready.length;
  }

  add(partition: number, messages: ReceivedMessage[]): void {
    for (const message of messages) {
      const id = message.data.TaskMessage.OrchestrationInstance.InstanceId;
      let entry = this.pending.get(id);
      if (!entry) {
        entry = { partition, messages: new Map() };
        this.pending.set(id, entry);
        if (!this.locked.has(id)) this.ready.push(id);
      }
      // A message that waited here past its visibility timeout is received again: keep the newest copy
      // (its pop receipt is the one that can delete it), never both.
      entry.messages.set(message.messageId, message);
    }
    this.wake();
  }

  /** Locks the next ready instance and takes up to one work item's worth of its messages. */
  take(): { instanceId: string; partition: number; messages: ReceivedMessage[] } | undefined {
    const instanceId = this.ready.shift();
    if (instanceId === undefined) return undefined;
    const entry = this.pending.get(instanceId)!;
    const messages: ReceivedMessage[] = [];
    for (const [id, message] of entry.messages) {
      if (messages.length === MAX_MESSAGES_PER_WORK_ITEM) break;
      messages.push(message);
      entry.messages.delete(id);
    }
    if (entry.messages.size === 0) this.pending.delete(instanceId);
    this.locked.set(instanceId, entry.partition);
    return { instanceId, partition: entry.partition, messages };
  }

  /** Ends a work item: the instance is ready again if more messages arrived for it. */
  unlock(instanceId: string): void {
    if (!this.locked.delete(instanceId)) return;
    if (this.pending.has(instanceId)) {
      this.ready.push(instanceId);
      this.wake();
    }
  }

  /** Removes the not yet taken messages of a partition (it moves to another worker). */
  dropPartition(partition: number): ReceivedMessage[] {
    const dropped: ReceivedMessage[] = [];
    for (const [id, entry] of this.pending) {
      if (entry.partition !== partition) continue;
      dropped.push(...entry.messages.values());
      this.pending.delete(id);
      const at = this.ready.indexOf(id);
      if (at >= 0) this.ready.splice(at, 1);
    }
    return dropped;
  }

  /** Removes every message not yet taken (the worker stops). */
  dropAll(): ReceivedMessage[] {
    const dropped = [...this.pending.values()].flatMap((entry) => [...entry.messages.values()]);
    this.pending.clear();
    this.ready.length = 0;
    return dropped;
  }

  lockedIn(partition: number): number {
    return [...this.locked.values()].filter((p) => p === partition).length;
  }

  /** Resolves when something may have become ready (or `wake` is called). */
  waitForWork(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
