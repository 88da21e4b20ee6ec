import { sleep } from '../../util/sleep';

/** After traffic, a queue is polled at the shortest delay this long before backing off (a busy partition stays hot). */
export const HOT_WINDOW_MS = 1_000;
/** Poll delay inside the hot window: answers from other processes are picked up within about this. */
const HOT_POLL_MS = 50;
/**
 * First poll delay after a batch this process had sent itself: its next message will most likely be
 * announced by a wake as well, so polling at the shortest delay would mostly find the queue empty
 * (about two empty receives per step of a chain); anything else still arrives within about this.
 */
const LOCAL_FIRST_POLL_MS = 250;

/**
 * Poll delay that stays short while a queue had traffic within the hot window, then doubles up to
 * the configured maximum while it stays empty.
 * `wake()` ends the current wait at once: the worker calls it when it has just sent a message to a
 * queue it polls itself, so in-process hand-offs do not pay the idle polling delay.
 */
export class Backoff {
  private delay = 0;
  private lastTraffic = 0;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(
    private readonly maxMs: number,
    private readonly minMs = 25,
  ) {}

  /** The queue had messages: the next empty poll starts the back-off from the shortest delay. */
  reset(): void {
    this.delay = 0;
  }

  /** The queue had only messages this process sent (and will wake it for): back off from a longer delay. */
  resetAfterLocal(): void {
    this.delay = Math.min(this.maxMs, Math.max(this.minMs, LOCAL_FIRST_POLL_MS / 2));
  }

  /** Messages arrived that this process did not send: keep polling fast for the hot window. */
  markHot(): void {
    this.lastTraffic = Date.now();
  }

  /** Ends the current wait at once: this process just sent to the queue. */
  wake(): void {
    this.delay = 0;
    this.woken = true;
    this.wakeUp?.();
  }

  /** Sleeps for the next delay, or less if woken or when `cancelled` turns true (checked every 100 ms). */
  async wait(cancelled: () => boolean): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const hot = Date.now() - this.lastTraffic < HOT_WINDOW_MS;
    this.delay = hot ? Math.max(this.minMs, Math.min(HOT_POLL_MS, this.maxMs)) : Math.min(this.maxMs, this.delay === 0 ? this.minMs : this.delay * 2);
    const until = Date.now() + this.delay;
    while (Date.now() < until && !cancelled() && !this.woken) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(100, until - Date.now()));
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
    this.woken = false;
  }

  async waitFixed(ms: number): Promise<void> {
    await sleep(ms);
  }
}
