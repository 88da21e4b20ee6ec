import { Logger } from '../../util/log';
import { HeldLease, acquireLeaseBlob, isLeaseLost, releaseLeaseBlob, renewLeaseBlob } from './leaseBlobs';
import { LeaseOptions, PartitionLeaseManager, PartitionOwnerListener, createLeaseBlobs, leaseBlob } from './partitionLeases';
import { TaskHubStorage } from './taskHubStorage';

/** DT.AzureStorage's fixed timing of ownership leases (not the host.json lease settings). */
const OWNERSHIP_ACQUIRE_INTERVAL_MS = 5_000;
const OWNERSHIP_RENEW_INTERVAL_MS = 10_000;
const OWNERSHIP_LEASE_MS = 15_000;

/**
 * The "safe" blob partition manager of DurableTask.AzureStorage (extension 2.x's default; host.json
 * with neither `useTablePartitionManagement` nor `useLegacyPartitionManagement`): balancing happens on
 * **intent** leases (`<hub>-leases/intent/<queue>`, the legacy manager's rules), but a worker polls a
 * control queue only while it holds its **ownership** lease (`ownership/<queue>`). Ownership is taken
 * only by the intent holder, never stolen, and kept by the old owner until it has stopped and drained
 * the queue after losing the intent, so two workers never poll one queue, even during a hand-over.
 */
export class SafePartitionManager {
  private readonly intent: PartitionLeaseManager;
  private readonly intended = new Set<number>();
  private readonly owned = new Map<number, HeldLease>();
  private readonly draining = new Set<number>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private acquiring: Promise<void> | undefined;

  constructor(
    private readonly storage: TaskHubStorage,
    private readonly options: Omit<LeaseOptions, 'directory'>,
    private readonly listener: PartitionOwnerListener,
    private readonly log: Logger,
  ) {
    this.intent = new PartitionLeaseManager(
      storage,
      { ...options, directory: 'intent' },
      {
        acquired: (p) => {
          this.intended.add(p);
          void this.acquireOwnership();
        },
        lost: (p) => this.onIntentLost(p),
      },
      log,
    );
  }

  get ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  async start(): Promise<void> {
    await Promise.all([createLeaseBlobs(this.storage, 'intent'), createLeaseBlobs(this.storage, 'ownership')]);
    await this.intent.start();
    await this.acquireOwnership();
    this.timers.push(setInterval(() => void this.acquireOwnership(), OWNERSHIP_ACQUIRE_INTERVAL_MS));
    this.timers.push(setInterval(() => void this.renewOwnership(), OWNERSHIP_RENEW_INTERVAL_MS));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.acquiring;
    // Stop polling first, then let go of ownership, then of the intent the next owner waits on.
    for (const partition of this.ownedPartitions) await this.giveUp(partition);
    await this.intent.stop();
  }

  /** Ownership of every partition this worker intends to run and nobody else owns (free or expired). */
  private acquireOwnership(): Promise<void> {
    if (this.acquiring || this.stopped) return this.acquiring ?? Promise.resolve();
    this.acquiring = (async () => {
      for (const partition of [...this.intended]) {
        if (this.owned.has(partition) || this.stopped) continue;
        const lease = await acquireLeaseBlob(
          leaseBlob(this.storage, 'ownership', partition),
          partition,
          this.storage.names.controlQueue(partition),
          this.options.workerId,
          OWNERSHIP_LEASE_MS,
        ).catch((e: Error) => {
          this.log.warn(`Acquiring ownership of partition ${partition} failed: ${e.message}`);
          return undefined;
        });
        if (!lease) continue; // still owned by the previous holder, which is draining it
        if (!this.intended.has(partition) || this.stopped) {
          await releaseLeaseBlob(lease, this.storage.names.controlQueue(partition)).catch(() => undefined);
          continue;
        }
        this.owned.set(partition, lease);
        this.log.info(`Acquired ownership of partition ${partition} (epoch ${lease.epoch}).`);
        this.listener.acquired(partition);
      }
    })().finally(() => (this.acquiring = undefined));
    return this.acquiring;
  }

  private async renewOwnership(): Promise<void> {
    for (const lease of [...this.owned.values()]) {
      if (this.stopped) return;
      try {
        await renewLeaseBlob(lease, false);
      } catch (e) {
        if (!isLeaseLost(e) || !this.owned.has(lease.partition)) continue;
        this.log.warn(`Lost ownership of partition ${lease.partition}: ${(e as Error).message}`);
        this.owned.delete(lease.partition);
        await this.listener.lost(lease.partition);
      }
    }
  }

  /** The intent went to another worker: stop polling, drain, then hand ownership over. */
  private async onIntentLost(partition: number): Promise<void> {
    this.intended.delete(partition);
    if (this.owned.has(partition)) await this.giveUp(partition);
  }

  private async giveUp(partition: number): Promise<void> {
    const lease = this.owned.get(partition);
    if (!lease || this.draining.has(partition)) return;
    this.draining.add(partition);
    try {
      // Resolves once the queue's poller has stopped and its in-flight work is done (renewals go on meanwhile).
      await this.listener.lost(partition);
      this.owned.delete(partition);
      await releaseLeaseBlob(lease, this.storage.names.controlQueue(partition)).catch((e: Error) =>
        this.log.debug(`Releasing ownership of partition ${partition}: ${e.message}`),
      );
    } finally {
      this.draining.delete(partition);
    }
  }
}
