import { randomUUID } from 'crypto';
import { BlockBlobClient } from '@azure/storage-blob';
import { TaskHubStorage } from './taskHubStorage';
import { Logger } from '../../util/log';

/** Content of a lease blob, as DurableTask.AzureStorage's blob partition manager writes it. */
export interface LeaseDocument {
  PartitionId: string;
  Owner: string | null;
  Token: string | null;
  Epoch: number;
}

export interface PartitionOwnerListener {
  acquired(partition: number): void;
  lost(partition: number): Promise<void>;
}

interface OwnedLease {
  partition: number;
  blob: BlockBlobClient;
  leaseId: string;
  epoch: number;
}

export interface LeaseOptions {
  workerId: string;
  leaseDurationMs: number;
  renewIntervalMs: number;
  acquireIntervalMs: number;
}

/**
 * Owns control-queue partitions through blob leases in `<hub>-leases`: one blob per control queue
 * under `default/`. Each worker takes free or expired leases up to its fair share
 * (partitions / live workers) and gives back the ones above it, so workers balance out.
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
    return this.storage.leases.getBlockBlobClient(`default/${this.storage.names.controlQueue(partition)}`);
  }

  /** Writes taskhub.json and one lease blob per partition, keeping existing ones. */
  async createLeaseBlobs(): Promise<void> {
    await this.storage.leases.createIfNotExists();
    const info = this.storage.leases.getBlockBlobClient('taskhub.json');
    if (!(await info.exists())) {
      const doc = { TaskHubName: this.storage.hubName, CreatedAt: new Date().toISOString(), PartitionCount: this.storage.partitionCount };
      await uploadIfAbsent(info, JSON.stringify(doc));
    }
    await Promise.all(
      Array.from({ length: this.storage.partitionCount }, async (_, partition) => {
        const doc: LeaseDocument = { PartitionId: this.storage.names.controlQueue(partition), Owner: null, Token: null, Epoch: 0 };
        await uploadIfAbsent(this.blob(partition), JSON.stringify(doc));
      }),
    );
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

  /** Balances once: releases above fair share, acquires up to it. */
  tick(): Promise<void> {
    if (this.tickRunning || this.stopped) return this.tickRunning ?? Promise.resolve();
    this.tickRunning = this.balance()
      .catch((e) => this.log.warn(`Lease balancing failed: ${(e as Error).message}`))
      .finally(() => (this.tickRunning = undefined));
    return this.tickRunning;
  }

  private async balance(): Promise<void> {
    const count = this.storage.partitionCount;
    const states = await Promise.all(
      Array.from({ length: count }, async (_, partition) => {
        const props = await this.blob(partition).getProperties();
        let doc: LeaseDocument | undefined;
        if (props.leaseState === 'leased') doc = JSON.parse((await this.blob(partition).downloadToBuffer()).toString('utf8'));
        return { partition, leased: props.leaseState === 'leased', owner: doc?.Owner ?? null };
      }),
    );
    const workers = new Set<string>([this.options.workerId]);
    for (const s of states) if (s.leased && s.owner) workers.add(s.owner);
    const fairShare = Math.ceil(count / workers.size);

    // Give back partitions above fair share so a newly started worker can take them.
    while (this.owned.size > fairShare) {
      const partition = this.ownedPartitions[this.owned.size - 1];
      this.log.info(`Releasing partition ${partition} to rebalance across ${workers.size} workers.`);
      await this.listener.lost(partition);
      await this.release(this.owned.get(partition)!);
    }
    for (const s of states) {
      if (this.stopped || this.owned.size >= fairShare) break;
      if (s.leased || this.owned.has(s.partition)) continue;
      await this.tryAcquire(s.partition);
    }
    // Still below fair share with nothing free: take one partition from the most loaded worker.
    // Its renewal then fails and it stops polling that queue; the sentinel ETag guards any overlap.
    if (!this.stopped && this.owned.size < fairShare) {
      const load = new Map<string, number[]>();
      for (const s of states) {
        if (s.leased && s.owner && s.owner !== this.options.workerId) load.set(s.owner, [...(load.get(s.owner) ?? []), s.partition]);
      }
      const [victim, partitions] = [...load.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
      if (victim && partitions && partitions.length > fairShare) {
        const partition = partitions[partitions.length - 1];
        this.log.info(`Taking partition ${partition} from ${victim} (${partitions.length} > fair share ${fairShare}).`);
        await this.blob(partition).getBlobLeaseClient().breakLease(0).catch(() => undefined);
        await this.tryAcquire(partition);
      }
    }
  }

  private async tryAcquire(partition: number): Promise<void> {
    const blob = this.blob(partition);
    const leaseId = randomUUID();
    try {
      await blob.getBlobLeaseClient(leaseId).acquireLease(Math.round(this.options.leaseDurationMs / 1000));
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 409) return; // someone else got it first
      throw e;
    }
    let epoch = 0;
    try {
      const previous = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as LeaseDocument;
      epoch = (previous.Epoch ?? 0) + 1;
    } catch {
      epoch = 1;
    }
    const doc: LeaseDocument = { PartitionId: this.storage.names.controlQueue(partition), Owner: this.options.workerId, Token: leaseId, Epoch: epoch };
    const body = JSON.stringify(doc);
    await blob.upload(body, Buffer.byteLength(body), { conditions: { leaseId } });
    this.owned.set(partition, { partition, blob, leaseId, epoch });
    this.log.info(`Acquired partition ${partition} (${doc.PartitionId}, epoch ${epoch}).`);
    this.listener.acquired(partition);
  }

  private async renewAll(): Promise<void> {
    for (const lease of [...this.owned.values()]) {
      try {
        await lease.blob.getBlobLeaseClient(lease.leaseId).renewLease();
      } catch (e) {
        this.log.warn(`Lost partition ${lease.partition}: ${(e as Error).message}`);
        this.owned.delete(lease.partition);
        await this.listener.lost(lease.partition);
      }
    }
  }

  private async release(lease: OwnedLease): Promise<void> {
    this.owned.delete(lease.partition);
    try {
      const doc: LeaseDocument = { PartitionId: this.storage.names.controlQueue(lease.partition), Owner: null, Token: null, Epoch: lease.epoch };
      const body = JSON.stringify(doc);
      await lease.blob.upload(body, Buffer.byteLength(body), { conditions: { leaseId: lease.leaseId } });
      await lease.blob.getBlobLeaseClient(lease.leaseId).releaseLease();
    } catch (e) {
      this.log.debug(`Releasing partition ${lease.partition}: ${(e as Error).message}`);
    }
  }
}

async function uploadIfAbsent(blob: BlockBlobClient, body: string): Promise<void> {
  try {
    await blob.upload(body, Buffer.byteLength(body), { conditions: { ifNoneMatch: '*' } });
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status !== 409 && status !== 412) throw e;
  }
}
