/** While other slots are busy, receive only once this many are free (at most the queue's batch of 32)... */
const RECEIVE_BATCH = 8;
/** ...or once a free slot has waited this long, so long-running activities never leave one idle for long. */
const MAX_SLOT_WAIT_MS = 100;

/**
 * How many activity messages to receive now. One receive per finished activity is the busiest call
 * of a large fan-out, and on the emulator every receive costs time that grows with the stored backlog
 * (bench/emulatorQueueCost.ts); gathering a few free slots per receive cuts those calls several-fold.
 */
export class SlotBatching {
  private freeSince: number | undefined;

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Slots to fill now given `taken` busy or buffered ones; 0: wait. */
  receivable(taken: number): number {
    const free = this.limit - taken;
    if (free <= 0) return 0;
    if (taken === 0 || free >= Math.min(RECEIVE_BATCH, Math.ceil(this.limit / 2))) {
      this.freeSince = undefined;
      return free;
    }
    const now = this.now();
    this.freeSince ??= now;
    if (now - this.freeSince < MAX_SLOT_WAIT_MS) return 0;
    this.freeSince = undefined;
    return free;
  }
}
