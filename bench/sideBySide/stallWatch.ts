import { QueueClient } from '@azure/storage-queue';
import { randomBytes } from 'crypto';

/** A probe slower than this means the emulator stalled (its 60-s extent clean-up blocks it). */
const STALL_MS = 1_000;
const PROBE_EVERY_MS = 250;

/**
 * Probes the emulator straight (no proxy) a few times a second and adds up the time it did not
 * answer within a second, so a workload that ran through one of the emulator's stalls says so.
 */
export class StallWatch {
  private stalledMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private readonly queue: QueueClient;

  constructor(connectionString: string) {
    this.queue = new QueueClient(connectionString, `stallwatch${randomBytes(3).toString('hex')}`);
  }

  async start(): Promise<void> {
    await this.queue.create();
    this.timer = setInterval(() => void this.probe(), PROBE_EVERY_MS);
  }

  /** Stalled milliseconds so far (while a probe is still out, counted up to now). */
  stalled(): number {
    return this.stalledMs;
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    const t0 = performance.now();
    try {
      await this.queue.getProperties();
    } catch {
      // An unanswered probe is timed like a slow one.
    } finally {
      const took = performance.now() - t0;
      if (took > STALL_MS) this.stalledMs += took;
      this.probing = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
