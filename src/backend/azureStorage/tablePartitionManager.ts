import { TableClient } from '@azure/data-tables';
import { TaskHubStorage } from './taskHubStorage';
import { Logger } from '../../util/log';

/**
 * Partition ownership in the `<hub>Partitions` table, the default of DurableTask.AzureStorage 2.x and
 * the Functions extension 3.x, speaking its protocol so our workers and .NET workers can share a hub:
 * one row per control queue (PartitionKey "", RowKey = queue name) with CurrentOwner, NextOwner,
 * OwnedSince, LastRenewal, ExpiresAt and IsDraining. Every write is a Replace guarded by the row's
 * ETag; a 412 means another worker moved first, and the table is read again at once.
 *
 * Protocol (as observed against DT.AzureStorage 2.11.2): a worker claims rows that are free, expired or
 * handed to it (CurrentOwner empty, NextOwner = itself); a worker below its share (partitions /
 * workers) steals by writing NextOwner; the owner then drains (stops dequeuing, finishes in-flight
 * work), and releases by clearing CurrentOwner, after which NextOwner claims it. Shutdown drains and
 * releases everything the same way.
 */
export interface TablePartitionListener {
  acquired(partition: number): void;
  lost(partition: number): Promise<void>;
}

export interface TablePartitionOptions {
  workerId: string;
  /** How long a renewal keeps the lease (DT.AS `LeaseInterval`, default 30 s). */
  leaseDurationMs: number;
  /** Pause between table passes (DT.AS `LeaseAcquireInterval`, default 10 s). */
  acquireIntervalMs: number;
}

interface PartitionRow {
  partitionKey: string;
  rowKey: string;
  etag: string;
  CurrentOwner?: string | null;
  NextOwner?: string | null;
  OwnedSince?: Date | null;
  LastRenewal?: Date | null;
  ExpiresAt?: Date | null;
  IsDraining?: boolean;
}

/** Passes while draining or waiting for a hand-over run every second, as .NET does. */
const BUSY_INTERVAL_MS = 1_000;

export class TablePartitionManager {
  readonly table: TableClient;
  private readonly owned = new Set<number>();
  private readonly draining = new Map<number, { done: boolean }>();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private shuttingDown = false;
  private stopped = false;

  constructor(
    private readonly storage: TaskHubStorage,
    private readonly options: TablePartitionOptions,
    private readonly listener: TablePartitionListener,
    private readonly log: Logger,
  ) {
    this.table = storage.account.table(storage.names.partitionsTable);
  }

  get ownedPartitions(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  /** Creates the table and one row per control queue, keeping rows that exist. */
  async createLeases(): Promise<void> {
    try {
      await this.table.createTable();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 409) throw e;
    }
    await Promise.all(
      Array.from({ length: this.storage.partitionCount }, async (_, p) => {
        try {
          await this.table.createEntity({ partitionKey: '', rowKey: this.storage.names.controlQueue(p), IsDraining: false });
        } catch (e) {
          if ((e as { statusCode?: number }).statusCode !== 409) throw e;
        }
      }),
    );
  }

  async start(): Promise<void> {
    await this.createLeases();
    await this.pass().catch((e) => this.log.warn(`Partition table pass failed: ${(e as Error).message}`));
    this.loop = this.run();
  }

  /** Drains and releases every owned partition, then stops. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.shuttingDown = true;
    this.wake?.();
    await this.loop;
    this.stopped = true;
  }

  /** Stops at once without draining or releasing anything: what a killed process leaves behind (tests). */
  halt(): Promise<void> | undefined {
    this.halted = true;
    this.wake?.();
    return this.loop;
  }

  private halted = false;
  /** When the first row of a dead worker expires (Infinity: none). */
  private nextExpiry = Infinity;

  private async run(): Promise<void> {
    for (;;) {
      if (this.halted) return;
      let delay = this.options.acquireIntervalMs;
      try {
        const busy = await this.pass();
        if (this.shuttingDown && this.owned.size === 0 && this.draining.size === 0) return;
        if (busy || this.shuttingDown) delay = BUSY_INTERVAL_MS;
        delay = Math.max(0, Math.min(delay, this.nextExpiry + 10 - Date.now()));
      } catch (e) {
        // 412: someone else wrote a row we were about to change; read again at once.
        const status = (e as { statusCode?: number }).statusCode;
        if (status !== 412) this.log.warn(`Partition table pass failed: ${(e as Error).message}`);
        delay = status === 412 ? 0 : BUSY_INTERVAL_MS;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private partitionOf(row: PartitionRow): number {
    for (let p = 0; p < this.storage.partitionCount; p++) if (this.storage.names.controlQueue(p) === row.rowKey) return p;
    return -1;
  }

  /**
   * A worker counts as alive while it renews: every owner renews its rows on each pass (every acquire
   * interval), so rows not renewed for two intervals belong to a worker that died or hangs. Its unexpired
   * rows are neither counted in the fair share nor taken from it by a hand-over; they are claimed once
   * they expire. Counting them would make live workers take partitions from each other.
   */
  private isLive(row: PartitionRow, now: number): boolean {
    const expires = row.ExpiresAt ? new Date(row.ExpiresAt).getTime() : 0;
    const renewed = row.LastRenewal ? new Date(row.LastRenewal).getTime() : 0;
    return expires > now && now - renewed <= this.liveWindowMs();
  }

  /**
   * A NextOwner on a dead worker's row is a reservation; it holds until one live window after the row
   * expired, so a reserving worker that died too does not keep the row from everyone.
   */
  private reservationHolds(row: PartitionRow, now: number): boolean {
    if (!row.NextOwner || !row.CurrentOwner) return false;
    const expires = row.ExpiresAt ? new Date(row.ExpiresAt).getTime() : 0;
    return now < expires + this.liveWindowMs();
  }

  private liveWindowMs(): number {
    return 2 * this.options.acquireIntervalMs + 1_000;
  }

  /** One read of the table and the writes it calls for; true while a hand-over is in progress. */
  private async pass(): Promise<boolean> {
    if (this.halted) return false;
    const me = this.options.workerId;
    const now = Date.now();
    const rows: PartitionRow[] = [];
    for await (const row of this.table.listEntities<PartitionRow>()) rows.push(row as PartitionRow);
    const others = new Map<string, PartitionRow[]>();
    // This worker's share: free and expired partitions are claimed up to it, not beyond, so that two live
    // workers do not first split a dead worker's partitions unevenly and then hand them back and forth.
    const workers = new Set<string>([me]);
    for (const row of rows) {
      if (row.CurrentOwner && this.isLive(row, now)) workers.add(row.CurrentOwner);
      if (row.NextOwner && (this.isLive(row, now) || this.reservationHolds(row, now))) workers.add(row.NextOwner);
    }
    const share = Math.ceil(rows.length / workers.size);
    const floor = Math.floor(rows.length / workers.size);
    const holding = rows.filter((r) => r.CurrentOwner === me).length;
    let mine = rows.filter((r) => (r.CurrentOwner === me && !r.NextOwner) || r.NextOwner === me).length;
    let busy = false;
    // Rows of a dead worker that have not expired yet: they become free soon, so nobody asks a live
    // worker for a partition meanwhile (that would move partitions between live workers for nothing).
    let deadRowsPending = false;
    const seenFree = new Set<string>();
    this.nextExpiry = Infinity;

    for (const row of rows) {
      const p = this.partitionOf(row);
      if (p < 0) continue;
      const current = row.CurrentOwner || null;
      const next = row.NextOwner || null;
      // We thought it was ours but the table says otherwise: stop dequeuing from it.
      if (this.owned.has(p) && current !== me) await this.drop(p);
      let changed = false;
      let claimed = false;

      if (!this.shuttingDown) {
        const expired = !!row.ExpiresAt && now >= new Date(row.ExpiresAt).getTime();
        const handedToMe = next === me && (current === null || (expired && current !== me));
        const free = (current === null && next === null) || (expired && current !== me && (next === null || next === me || !this.reservationHolds(row, now)));
        if (free) {
          seenFree.add(row.rowKey);
          if (!this.firstSeenFree.has(row.rowKey)) this.firstSeenFree.set(row.rowKey, now);
        }
        if (current !== null && current !== me && !expired && !this.isLive(row, now)) {
          deadRowsPending = true;
          // Look again the moment it expires: takeover then waits for the lease only, not also for a pass.
          this.nextExpiry = Math.min(this.nextExpiry, new Date(row.ExpiresAt!).getTime());
        }
        if (handedToMe || (free && mine < share && (mine < floor || this.freeLongEnough(row, now))) || (expired && current === me)) {
          // A claim lasts one lease interval (DT.AS writes one minute): a worker killed right after claiming
          // is replaced as soon as its renewals stop, not a minute later.
          if (!handedToMe && current !== me) mine++;
          Object.assign(row, { CurrentOwner: me, NextOwner: null, OwnedSince: new Date(now), LastRenewal: new Date(now), ExpiresAt: new Date(now + this.options.leaseDurationMs), IsDraining: false });
          changed = claimed = true;
        } else if (free) {
          // Above this worker's share, or above the floor share and only just free: left for a worker
          // below it (a worker with fewer partitions claims first; the remainder goes one interval later).
          if (mine < share) busy = true;
        } else if (current !== me) {
          const live = this.isLive(row, now);
          if (next === null && !row.IsDraining) {
            if (live) push(others, current!, row);
            else if (!expired && mine < floor && holding === 0) {
              // A dead worker's row, not expired yet, and this worker holds nothing (it just started, typically
              // as the dead worker's replacement): reserve the row (NextOwner) so it is ours when it expires.
              // The others, which cannot otherwise see a worker without rows, leave it to us.
              row.NextOwner = me;
              mine++;
              changed = busy = true;
              this.log.info(`Reserved partition ${row.rowKey} of ${current}, which stopped renewing.`);
            }
          } else if (next !== null) {
            if (next === me) {
              busy = true;
            } else if (live) push(others, next, row);
          } else {
            // Its owner is shutting down (draining without a successor): ask for it.
            row.NextOwner = me;
            changed = true;
            busy = true;
          }
        }
        if (!claimed && current === me) {
          if (next === null) {
            this.renew(row, now);
            changed = true;
          } else {
            busy = true;
            changed = this.drainStep(row, p, now) || changed;
          }
        }
      } else if (current === me) {
        busy = true;
        changed = this.drainStep(row, p, now);
      }

      if (changed) {
        const etag = row.etag;
        await this.table.updateEntity(toEntity(row), 'Replace', { etag });
        const owner = row.CurrentOwner || null;
        if (owner === me && !this.draining.has(p) && !this.owned.has(p)) {
          this.owned.add(p);
          this.log.info(`Acquired partition ${p} (${row.rowKey}) in the partition table.`);
          this.listener.acquired(p);
        }
      }
    }

    for (const key of this.firstSeenFree.keys()) if (!seenFree.has(key)) this.firstSeenFree.delete(key);
    // A worker that just started cannot tell a dead owner from a live one at first sight: it asks for nothing
    // until it saw every owner renew (or judged it dead), else a replacement started right after a kill would
    // ask a live worker while the dead one still counts.
    const settled = this.everyOwnerSeenRenewing(rows, now);
    if (!settled) busy = true;
    if (!this.shuttingDown && !deadRowsPending && settled) busy = (await this.balance(rows.length, others, mine)) || busy;
    return busy;
  }

  /** Each row's LastRenewal when first seen, and the owners seen renewing since. */
  private readonly firstRenewal = new Map<string, { owner: string; at: number }>();
  private readonly seenRenewing = new Set<string>();

  private everyOwnerSeenRenewing(rows: PartitionRow[], now: number): boolean {
    let all = true;
    for (const row of rows) {
      const owner = row.CurrentOwner;
      if (!owner || owner === this.options.workerId || !this.isLive(row, now) || this.seenRenewing.has(owner)) continue;
      const renewed = row.LastRenewal ? new Date(row.LastRenewal).getTime() : 0;
      const first = this.firstRenewal.get(row.rowKey);
      if (first && first.owner === owner && renewed > first.at) this.seenRenewing.add(owner);
      else {
        if (!first || first.owner !== owner) this.firstRenewal.set(row.rowKey, { owner, at: renewed });
        all = false;
      }
    }
    return all;
  }

  /** When this worker first saw each row free (released, or expired), by its own clock. */
  private readonly firstSeenFree = new Map<string, number>();

  /**
   * A row free for at least one acquire interval (plus a busy pass): every worker has had a pass to claim it,
   * so the ones below the floor share got theirs first. Claiming beyond the floor at once let a worker with
   * its share take the partition a newly started worker needed, which then had to ask for it.
   */
  private freeLongEnough(row: PartitionRow, now: number): boolean {
    const since = Math.min(this.firstSeenFree.get(row.rowKey) ?? now, row.ExpiresAt ? new Date(row.ExpiresAt).getTime() : now);
    return now - since >= this.options.acquireIntervalMs + BUSY_INTERVAL_MS;
  }

  /** Keeps a lease being handed over renewed while its queue drains; releases it once drained. */
  private drainStep(row: PartitionRow, p: number, now: number): boolean {
    const drain = this.draining.get(p);
    if (drain === undefined) {
      const started = { done: false };
      this.draining.set(p, started);
      void this.drop(p)
        .catch((e) => this.log.warn(`Draining partition ${p} failed: ${(e as Error).message}`))
        .finally(() => {
          started.done = true;
          this.wake?.();
        });
      row.IsDraining = true;
      this.renew(row, now);
      return true;
    }
    if (!drain.done) {
      this.renew(row, now);
      return true;
    }
    this.draining.delete(p);
    row.CurrentOwner = null;
    row.IsDraining = false;
    this.log.info(`Released partition ${p} (${row.rowKey})${row.NextOwner ? ` to ${row.NextOwner}` : ''}.`);
    return true;
  }

  private renew(row: PartitionRow, now: number): void {
    row.LastRenewal = new Date(now);
    row.ExpiresAt = new Date(now + this.options.leaseDurationMs);
  }

  private async drop(p: number): Promise<void> {
    if (!this.owned.delete(p)) return;
    await this.listener.lost(p);
  }

  /** Steals (writes NextOwner) from workers above the average until this worker has its share. */
  private async balance(partitionCount: number, others: Map<string, PartitionRow[]>, mine: number): Promise<boolean> {
    if (others.size === 0) return false;
    const average = Math.floor(partitionCount / (others.size + 1));
    if (average < mine) return false;
    let busy = false;
    for (const rows of others.values()) {
      let toSteal = average - mine;
      if (toSteal < 0) break;
      const excess = rows.length - average;
      if (excess <= 0) continue;
      if (toSteal === 0 && excess > 1) toSteal = 1;
      toSteal = Math.min(toSteal, excess);
      for (let i = 0; i < toSteal; i++) {
        mine++;
        const row = rows[i];
        row.NextOwner = this.options.workerId;
        await this.table.updateEntity(toEntity(row), 'Replace', { etag: row.etag });
        this.log.info(`Asked ${row.CurrentOwner} for partition ${row.rowKey}.`);
        busy = true;
      }
    }
    return busy;
  }

  /** Deletes the table (hub deletion). */
  async delete(): Promise<void> {
    await this.table.deleteTable();
  }
}

function push(map: Map<string, PartitionRow[]>, owner: string, row: PartitionRow): void {
  const list = map.get(owner);
  if (list) list.push(row);
  else map.set(owner, [row]);
}

/** The row as written: absent columns for nulls, as the .NET table client writes them. */
function toEntity(row: PartitionRow): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = { partitionKey: row.partitionKey, rowKey: row.rowKey };
  for (const key of ['CurrentOwner', 'NextOwner', 'OwnedSince', 'LastRenewal', 'ExpiresAt'] as const) {
    const value = row[key];
    if (value !== null && value !== undefined && value !== '') entity[key] = value instanceof Date ? value : key.endsWith('Owner') ? value : new Date(value as unknown as string);
  }
  entity.IsDraining = !!row.IsDraining;
  return entity;
}
