/** Poll delay that starts short (fast local runs) and doubles up to the configured maximum while queues are empty. */
export class Backoff {
  private delay = 0;

  constructor(
    private readonly maxMs: number,
    private readonly minMs = 25,
  ) {}

  reset(): void {
    this.delay = 0;
  }

  /** Sleeps for the next delay, waking early (checked every 50 ms) when `cancelled` turns true. */
  async wait(cancelled: () => boolean): Promise<void> {
    this.delay = Math.min(this.maxMs, this.delay === 0 ? this.minMs : this.delay * 2);
    const until = Date.now() + this.delay;
    while (Date.now() < until && !cancelled()) await sleep(Math.min(50, until - Date.now()));
  }

  async waitFixed(ms: number): Promise<void> {
    await sleep(ms);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
