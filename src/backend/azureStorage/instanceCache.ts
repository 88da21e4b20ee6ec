import { HistoryEvent } from '../../history/events';
import { LoadedHistory } from './historyStore';

/** Most histories kept, and most events over all of them (a 10,000-activity fan-out is ~30,000 events). */
const MAX_INSTANCES = 1_000;
const MAX_EVENTS = 250_000;

interface Entry extends LoadedHistory {
  partition: number;
  /** ETag of the Instances row this worker's last checkpoint wrote: the next one's guard, without a read. */
  rowEtag?: string;
  /** What that write stored, apart from LastUpdatedTime. */
  rowSummary?: string;
}

/**
 * Histories of the instances this worker committed last, so a hot instance's next work item does not
 * reload its whole history. An entry is exactly what the worker's own last checkpoint left in storage;
 * it is trusted only while the sentinel row still has the cached ETag: every history append is guarded
 * by it (a stale entry makes the commit fail and is dropped), and a work item that appends nothing
 * re-reads the ETag before it consumes anything (see AzureStorageBackend). Least recently used goes first.
 */
export class InstanceCache {
  private readonly entries = new Map<string, Entry>();
  private events = 0;

  get(instanceId: string): (LoadedHistory & { rowEtag?: string; rowSummary?: string }) | undefined {
    const entry = this.entries.get(instanceId);
    if (!entry) return undefined;
    // Re-inserted: Map order is the recency order.
    this.entries.delete(instanceId);
    this.entries.set(instanceId, entry);
    return entry;
  }

  set(instanceId: string, partition: number, executionId: string, events: HistoryEvent[], sentinelEtag: string, lastMessageIds: string[]): void {
    this.delete(instanceId);
    this.entries.set(instanceId, { partition, executionId, events, sentinelEtag, lastMessageIds });
    this.events += events.length;
    for (const id of this.entries.keys()) {
      if (this.entries.size <= MAX_INSTANCES && this.events <= MAX_EVENTS) break;
      if (id !== instanceId) this.delete(id);
    }
  }

  /**
   * Remembers the Instances row's ETag after this worker wrote it. A stale one costs nothing but a
   * retry: the row write is guarded by it and re-reads it on a mismatch (InstanceStore.writeCheckpoint).
   */
  setRowEtag(instanceId: string, sentinelEtag: string, rowEtag: string, rowSummary: string): void {
    const entry = this.entries.get(instanceId);
    if (entry?.sentinelEtag !== sentinelEtag) return;
    entry.rowEtag = rowEtag;
    entry.rowSummary = rowSummary;
  }

  delete(instanceId: string): void {
    const entry = this.entries.get(instanceId);
    if (!entry) return;
    this.entries.delete(instanceId);
    this.events -= entry.events.length;
  }

  /** Forgets a partition's instances: another worker may write them now. */
  dropPartition(partition: number): void {
    for (const [id, entry] of this.entries) if (entry.partition === partition) this.delete(id);
  }
}
