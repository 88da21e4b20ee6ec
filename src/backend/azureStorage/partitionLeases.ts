import { BlockBlobClient } from '@azure/storage-blob';
import { TaskHubStorage } from './taskHubStorage';
import { Logger } from '../../util/log';
import { HeldLease, LeaseDocument, acquireLeaseBlob, isLeaseLost, releaseLeaseBlob, renewLeaseBlob, uploadIfAbsent } from './leaseBlobs';

export type { LeaseDocument } from './leaseBlobs';

export interface PartitionOwnerListener {
  acquired(partition: number): void;
  lost(partition: number): Promise<void>;
}

type OwnedLease = HeldLease;

export interface LeaseOptions {
  workerId: string;
  leaseDurationMs: number;
  renewIntervalMs: number;
  acquireIntervalMs: number;
  /** Directory of the lease blobs: `default` (legacy manager) or `intent` (the safe manager's balancing leases). */
  directory?: 'default' | 'intent';
}

/**
 * Owns control-queue partitions through blob leases in `<hub>-leases`: one blob per control queue
 * under `default/`. Each worker takes free or expired leases up to its fair share (partitions / live
 * workers); a worker below it with nothing free takes one from a live worker holding two more.
 */
export class PartitionLeaseManager {
  private readonly owned = new Map<number, OwnedLease>();
  private timers: NodeJS.Timeout[] = [];
  private tickRunning: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly storage: TaskHubStorage,
    private readonly options: LeaseOptions,
    private readonly listener: PartitionOwnerListener,
    private readonly log: Logger,
  ) {
    const seconds = options.leaseDurationMs / 1000;
    if (seconds < 15 || seconds > 60) throw new Error(`Lease duration must be 15 to 60 seconds, got ${seconds}.`);
  }

  get ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  private blob(partition: number): BlockBlobClient {
    return leaseBlob(this.storage, this.options.directory ?? 'default', partition);
  }

  /** Writes taskhub.json and one lease blob per partition, keeping existing ones. */
  createLeaseBlobs(): Promise<void> {
    return createLeaseBlobs(this.storage, this.options.directory ?? 'default');
  }

  async start(): Promise<void> {
    await this.createLeaseBlobs();
    await this.tick();
    this.timers.push(setInterval(() => void this.renewAll(), this.options.renewIntervalMs));
    this.timers.push(setInterval(() => void this.tick(), this.options.acquireIntervalMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.tickRunning;
    for (const lease of [...this.owned.values()]) await this.release(lease);
  }

  /** Stops at once without releasing anything: what a killed process leaves behind (tests). */
  async halt(): Promise<void> {
    this.halted = this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.tickRunning;
  }

  private halted = false;

  /** Balances once: acquires free leases up to the fair share, takes one from a loaded worker below it. */
  tick(): Promise<void> {
    if (this.tickRunning || this.stopped) return this.tickRunning ?? Promise.resolve();
    this.tickRunning = this.balance()
      .catch((e) => this.log.warn(`Lease balancing failed: ${(e as Error).message}`))
      .finally(() => (this.tickRunning = undefined));
    return this.tickRunning;
  }

  /**
   * A worker counts as alive while it renews: each renewal rewrites the lease blob (same content), so its
   * Last-Modified, compared with the storage clock of the same response, says when the owner last renewed.
   * Leases not renewed for two renew intervals belong to a dead or hung worker: it is left out of the fair
   * share, nobody takes partitions from live workers on its account, and its leases are taken when they expire.
   */
  private liveWindowMs(): number {
    return 2 * this.options.renewIntervalMs + 2_000;
  }

  private async balance(): Promise<void> {
    const me = this.options.workerId;
    const count = this.storage.partitionCount;
    const states = await Promise.all(
      Array.from({ length: count }, async (_, partition) => {
        const props = await this.blob(partition).getProperties();
        const leased = props.leaseState === 'leased';
        let doc: LeaseDocument | undefined;
        // A document caught mid-rewrite (its owner's heartbeat) reads as unknown this tick, not as a failed balance.
        if (leased) doc = parseLeaseDocument((await this.blob(partition).downloadToBuffer()).toString('utf8'));
        const storageNow = props.date?.getTime() ?? Date.now();
        const renewedAgo = props.lastModified ? storageNow - props.lastModified.getTime() : Infinity;
        return { partition, leased, owner: doc?.Owner ?? null, live: leased && renewedAgo <= this.liveWindowMs(), modified: props.lastModified?.getTime() ?? 0 };
      }),
    );
    const workers = new Set<string>([me]);
    for (const s of states) if (s.live && s.owner) workers.add(s.owner);
    const share = Math.ceil(count / workers.size);
    const floor = Math.floor(count / workers.size);

    // Free or expired leases, up to the share; beyond the floor share only once the lease has been free for
    // an acquire interval, so a worker with fewer partitions (one just started) claims it first.
    const free = new Set<number>();
    for (const s of states) {
      if (s.leased || this.owned.has(s.partition)) continue;
      free.add(s.partition);
      if (!this.firstSeenFree.has(s.partition)) this.firstSeenFree.set(s.partition, Date.now());
    }
    for (const p of this.firstSeenFree.keys()) if (!free.has(p)) this.firstSeenFree.delete(p);
    for (const partition of free) {
      if (this.stopped || this.owned.size >= share) break;
      if (this.owned.size >= floor && Date.now() - this.firstSeenFree.get(partition)! < this.options.acquireIntervalMs + 1_000) continue;
      await this.tryAcquire(partition);
    }
    // A worker with no partition at all (one just started, typically the replacement of a dead worker) takes
    // a lease whose owner stopped renewing at once: the others wait for it to expire, so it is not taken
    // by a worker that cannot see the newcomer, which would then have to take one from a live worker.
    if (!this.stopped && this.owned.size === 0 && floor > 0) {
      const orphan = states.find((s) => s.leased && !s.live && s.owner !== me);
      if (orphan) {
        this.log.info(`Taking partition ${orphan.partition} from ${orphan.owner}, which stopped renewing.`);
        await this.blob(orphan.partition).getBlobLeaseClient().breakLease(0).catch(() => undefined);
        await this.tryAcquire(orphan.partition);
        return;
      }
    }
    // A dead worker's leases expire soon: wait for them rather than take from a live worker. A worker that
    // just started cannot tell a dead owner from a live one at first sight: it waits until it saw each renew.
    if (this.stopped || this.owned.size >= floor || free.size > 0) return;
    if (!this.everyOwnerSeenRenewing(states)) return;
    if (states.some((s) => s.leased && !s.live && s.owner !== me)) return;
    // Still below the floor share with nothing free: take one partition from the most loaded live worker,
    // only if it holds at least two more than this one (so two workers never trade a partition back and
    // forth). Its renewal then fails and it stops polling that queue; the sentinel ETag guards any overlap.
    const load = new Map<string, number[]>();
    for (const s of states) if (s.live && s.owner && s.owner !== me) load.set(s.owner, [...(load.get(s.owner) ?? []), s.partition]);
    const [victim, partitions] = [...load.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    if (victim && partitions && partitions.length > this.owned.size + 1) {
      const partition = partitions[partitions.length - 1];
      this.log.info(`Taking partition ${partition} from ${victim} (${partitions.length} against ${this.owned.size} here).`);
      await this.blob(partition).getBlobLeaseClient().breakLease(0).catch(() => undefined);
      await this.tryAcquire(partition);
    }
  }

  /** Each lease's Last-Modified when first seen, and the owners seen renewing since. */
  private readonly firstModified = new Map<number, { owner: string; at: number }>();
  private readonly seenRenewing = new Set<string>();

  /** True once every live-looking owner was seen renewing: before that a dead one cannot be told apart. */
  private everyOwnerSeenRenewing(states: { partition: number; owner: string | null; live: boolean; modified: number }[]): boolean {
    let all = true;
    for (const s of states) {
      if (!s.owner || s.owner === this.options.workerId || !s.live || this.seenRenewing.has(s.owner)) continue;
      const first = this.firstModified.get(s.partition);
      if (first && first.owner === s.owner && s.modified > first.at) this.seenRenewing.add(s.owner);
      else {
        if (!first || first.owner !== s.owner) this.firstModified.set(s.partition, { owner: s.owner, at: s.modified });
        all = false;
      }
    }
    return all;
  }

  /** When this worker first saw each lease free, by its own clock. */
  private readonly firstSeenFree = new Map<number, number>();

  private async tryAcquire(partition: number): Promise<void> {
    const partitionId = this.storage.names.controlQueue(partition);
    const lease = await acquireLeaseBlob(this.blob(partition), partition, partitionId, this.options.workerId, this.options.leaseDurationMs);
    if (!lease) return; // someone else got it first
    this.owned.set(partition, lease);
    this.log.info(`Acquired ${this.options.directory === 'intent' ? 'intent lease of ' : ''}partition ${partition} (${partitionId}, epoch ${lease.epoch}).`);
    this.listener.acquired(partition);
  }

  private async renewAll(): Promise<void> {
    for (const lease of [...this.owned.values()]) {
      if (this.halted) return;
      try {
        // Rewriting the same document moves Last-Modified: the heartbeat other workers judge liveness by.
        await renewLeaseBlob(lease, true);
      } catch (e) {
        if (this.halted || !this.owned.has(lease.partition)) continue;
        // Storage trouble is not a lost lease: the next renewal tries again (409/412: someone else holds it).
        if (!isLeaseLost(e)) {
          this.log.warn(`Renewing partition ${lease.partition} failed: ${(e as Error).message}`);
          continue;
        }
        this.log.warn(`Lost partition ${lease.partition}: ${(e as Error).message}`);
        this.owned.delete(lease.partition);
        await this.listener.lost(lease.partition);
      }
    }
  }

  private async release(lease: OwnedLease): Promise<void> {
    this.owned.delete(lease.partition);
    try {
      await releaseLeaseBlob(lease, this.storage.names.controlQueue(lease.partition));
    } catch (e) {
      this.log.debug(`Releasing partition ${lease.partition}: ${(e as Error).message}`);
    }
  }
}

function parseLeaseDocument(text: string): LeaseDocument | undefined {
  try {
    return JSON.parse(text) as LeaseDocument;
  } catch {
    return undefined;
  }
}

/** `<hub>-leases/<directory>/<control queue>`, as DT.AzureStorage's blob lease managers name them. */
export function leaseBlob(storage: TaskHubStorage, directory: string, partition: number): BlockBlobClient {
  return storage.leases.getBlockBlobClient(`${directory}/${storage.names.controlQueue(partition)}`);
}

/** Writes taskhub.json and one lease blob per partition under `directory`, keeping existing ones. */
export async function createLeaseBlobs(storage: TaskHubStorage, directory: string): Promise<void> {
  await storage.leases.createIfNotExists();
  const info = storage.leases.getBlockBlobClient('taskhub.json');
  if (!(await info.exists())) {
    const doc = { TaskHubName: storage.hubName, CreatedAt: new Date().toISOString(), PartitionCount: storage.partitionCount };
    await uploadIfAbsent(info, JSON.stringify(doc));
  }
  await Promise.all(
    Array.from({ length: storage.partitionCount }, async (_, partition) => {
      const doc: LeaseDocument = { PartitionId: storage.names.controlQueue(partition), Owner: null, Token: null, Epoch: 0 };
      await uploadIfAbsent(leaseBlob(storage, directory, partition), JSON.stringify(doc));
    }),
  );
}
