import { sleep } from '../../util/sleep';

/**
 * Poll delay that starts short and doubles up to the configured maximum while a queue is empty.
 * `wake()` ends the current wait at once: the worker calls it when it has just sent a message to a
 * queue it polls itself, so in-process hand-offs do not pay the idle polling delay.
 */
export class Backoff {
  private delay = 0;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(
    private readonly maxMs: number,
    private readonly minMs = 25,
  ) {}

  reset(): void {
    this.delay = 0;
  }

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
    this.delay = Math.min(this.maxMs, this.delay === 0 ? this.minMs : this.delay * 2);
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
