import { QueueClient } from '@azure/storage-queue';
import { ReceivedMessage } from './messageQueues';
import { TaskHub } from './taskHub';
import { Logger } from '../../util/log';
import { Backoff } from './backoff';

/** Pause after a failed receive (the idle back-off would grow to the maximum polling interval). */
const STORAGE_ERROR_RETRY_MS = 500;

/**
 * The receive loop both queue pollers share: receive up to `capacity()` messages, hand them to
 * `dispatch`, back off while the queue is empty, and wake at once when this process sends to it.
 */
export abstract class QueuePoller {
  protected stopped = false;
  private loop: Promise<void> | undefined;

  protected constructor(
    protected readonly queue: QueueClient,
    protected readonly hub: TaskHub,
    private readonly visibilityTimeoutMs: number,
    private readonly maxPollingIntervalMs: number,
    protected readonly log: Logger,
  ) {}

  /** How many messages may be taken now (0: wait for in-flight work). */
  protected abstract capacity(): number;
  protected abstract dispatch(messages: ReceivedMessage[]): void;
  /** Resolves when all dispatched work has finished. */
  protected abstract drained(): Promise<void>;

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops polling and waits for in-flight work; unprocessed messages become visible again later. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.drained();
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.maxPollingIntervalMs);
    // Sends of this process to the queue wake the poller; traffic beyond them comes from other
    // processes (scale-out, clients), whose next message is only found by polling: that keeps it hot.
    let localSends = 0;
    const unsubscribe = this.hub.queues.onSend((name) => {
      if (name !== this.queue.name) return;
      localSends++;
      backoff.wake();
    });
    try {
      while (!this.stopped) {
        const capacity = this.capacity();
        if (capacity <= 0) {
          await backoff.waitFixed(10);
          continue;
        }
        let messages: ReceivedMessage[] = [];
        let failed = false;
        try {
          messages = await this.hub.queues.receive(this.queue, capacity, this.visibilityTimeoutMs, (raw, e) =>
            this.log.error(`Cannot read a message on ${this.queue.name}; it stays in the queue and is retried later (${e.message}): ${raw.slice(0, 200)}`),
          );
        } catch (e) {
          if (this.stopped) break;
          this.log.warn(`Receive on ${this.queue.name} failed: ${(e as Error).message}`);
          failed = true;
        }
        if (failed) {
          // Storage trouble, not an idle queue: try again soon, so work resumes right after an outage.
          backoff.reset();
          await backoff.waitFixed(STORAGE_ERROR_RETRY_MS);
          continue;
        }
        if (messages.length === 0) {
          // Drained: whatever this process sent was taken (here or by another worker).
          localSends = 0;
          await backoff.wait(() => this.stopped);
          continue;
        }
        const foreign = messages.length > localSends;
        if (foreign) backoff.markHot();
        localSends = Math.max(0, localSends - messages.length);
        this.dispatch(messages);
        if (foreign) backoff.reset();
        else backoff.resetAfterLocal();
        // A full batch: more may be waiting, receive again at once. A short one drained the queue:
        // the next message is announced by a wake (sent by this process) or found by the back-off,
        // which restarts from its shortest delay (and stays there while the queue is hot), or from a
        // longer one when everything received had been sent by this process.
        if (messages.length < capacity) await backoff.wait(() => this.stopped);
      }
    } finally {
      unsubscribe();
    }
  }
}
