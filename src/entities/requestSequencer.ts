/**
 * The sending half of DurableTask's entity MessageSorter: each request an orchestration sends to an
 * entity carries a `Timestamp`, strictly increasing per destination, and the previous one as
 * `Predecessor`, so a .NET entity can put them in order and drop duplicates. (A request without them
 * reads there as the minimum date, a duplicate, and is dropped.) Timestamps come from the orchestration's
 * replay-safe clock, so a replay labels every request exactly as the first run did.
 */
export interface SortedRequestFields {
  Timestamp: string;
  Predecessor?: string;
}

/** .NET DateTime ticks (100 ns) since the Unix epoch are split as milliseconds plus 0..9,999 ticks. */
interface Instant {
  ms: number;
  ticks: number;
}

const later = (a: Instant, b: Instant) => a.ms > b.ms || (a.ms === b.ms && a.ticks > b.ticks);

/** ISO-8601 with the seven fractional digits .NET writes for a DateTime. */
export function formatInstant({ ms, ticks }: Instant): string {
  const iso = new Date(ms).toISOString(); // ...ss.fffZ
  return `${iso.slice(0, -1)}${String(ticks).padStart(4, '0')}Z`;
}

export class RequestSequencer {
  private readonly lastSent = new Map<string, Instant>();

  /** Labels a request to `destination` (an entity instance id; compared case-insensitively, as .NET does). */
  label(destination: string, nowMs: number): SortedRequestFields {
    const key = destination.toLowerCase();
    const last = this.lastSent.get(key);
    let stamp: Instant = { ms: nowMs, ticks: 0 };
    // Monotonic per destination even when several requests go out in one episode (one clock reading).
    if (last && !later(stamp, last)) stamp = last.ticks < 9_999 ? { ms: last.ms, ticks: last.ticks + 1 } : { ms: last.ms + 1, ticks: 0 };
    this.lastSent.set(key, stamp);
    return last ? { Timestamp: formatInstant(stamp), Predecessor: formatInstant(last) } : { Timestamp: formatInstant(stamp) };
  }
}
