import { ObservableClock } from '../backend/memory/memoryBackend';

/** Time that moves only when the test (or the testing host's idle detection) moves it. */
export class VirtualClock implements ObservableClock {
  private time: number;
  private readonly listeners = new Set<() => void>();

  constructor(start: Date = new Date()) {
    this.time = start.getTime();
  }

  now(): Date {
    return new Date(this.time);
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Moves time forward by `ms` (never backwards). */
  advanceBy(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`Time can only move forward; got ${ms} ms.`);
    this.advanceTo(new Date(this.time + ms));
  }

  advanceTo(time: Date): void {
    if (time.getTime() <= this.time) return;
    this.time = time.getTime();
    for (const listener of this.listeners) listener();
  }
}
