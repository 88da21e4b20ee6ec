import { ContainerClient } from '@azure/storage-blob';
import { TaskHubStorage } from './taskHubStorage';
import { fnv1a32 } from './partitions';
import { Logger } from '../../util/log';

/** What the app lease starts once this app holds it: a partition manager. */
export interface LeasedService {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AppLeaseOptions {
  /** DT.AS AppLeaseOptions defaults: lease 60 s, renew every 25 s, retry acquiring every 5 min. */
  leaseMs: number;
  renewMs: number;
  acquireMs: number;
}

export const DEFAULT_APP_LEASE: AppLeaseOptions = { leaseMs: 60_000, renewMs: 25_000, acquireMs: 300_000 };

/**
 * The lease id every worker of app `appName` uses on `<hub>-applease`: the 32-bit FNV-1a of the name,
 * little-endian in the first 4 bytes of a GUID (DT.AzureStorage's AppLeaseManager). Workers of the
 * same app share it, so they all run; another app's workers cannot acquire it (blue/green).
 */
export function appLeaseId(appName: string): string {
  return `${fnv1a32(appName).toString(16).padStart(8, '0')}-0000-0000-0000-000000000000`;
}

/**
 * Runs `service` only while this app holds the app lease of the hub, as DurableTask.AzureStorage
 * does by default (`UseAppLease`). Stopping does not release the lease: it lapses when not renewed.
 */
export class AppLease {
  private readonly container: ContainerClient;
  private readonly leaseId: string;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(
    private readonly storage: TaskHubStorage,
    appName: string,
    private readonly service: LeasedService,
    private readonly log: Logger,
    private readonly options: AppLeaseOptions = DEFAULT_APP_LEASE,
  ) {
    this.container = storage.account.blobs.getContainerClient(storage.names.appLeaseContainer);
    this.leaseId = appLeaseId(appName);
  }

  /** Creates the container and its info blob (`{}`), keeping existing ones. */
  async create(): Promise<void> {
    await this.container.createIfNotExists();
    const info = this.container.getBlockBlobClient(this.storage.names.appLeaseInfoBlob);
    try {
      await info.upload('{}', 2, { conditions: { ifNoneMatch: '*' } });
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status !== 409 && status !== 412) throw e;
    }
  }

  /** Starts the service now if the lease is ours, else keeps trying in the background. */
  async start(): Promise<void> {
    await this.create();
    if (!(await this.tryAcquire())) {
      this.log.warn(`Another app holds the app lease of task hub '${this.storage.hubName}'; retrying every ${this.options.acquireMs / 1000} s.`);
      this.schedule(this.options.acquireMs);
      return;
    }
    await this.begin();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.running) {
      this.running = false;
      await this.service.stop();
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async begin(): Promise<void> {
    this.running = true;
    await this.service.start();
    this.schedule(this.options.renewMs);
  }

  private async tick(): Promise<void> {
    try {
      if (!this.running) {
        if (await this.tryAcquire()) return void (await this.begin());
        return this.schedule(this.options.acquireMs);
      }
      await this.container.getBlobLeaseClient(this.leaseId).renewLease();
      this.schedule(this.options.renewMs);
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 409 || status === 412) {
        this.log.warn(`Lost the app lease of task hub '${this.storage.hubName}': stopping partition management.`);
        this.running = false;
        await this.service.stop();
        this.schedule(this.options.acquireMs);
      } else {
        // Storage trouble is not a lost lease (DT.AS keeps going too).
        this.log.warn(`Renewing the app lease failed: ${(e as Error).message}`);
        this.schedule(this.options.renewMs);
      }
    }
  }

  private async tryAcquire(): Promise<boolean> {
    try {
      await this.container.getBlobLeaseClient(this.leaseId).acquireLease(Math.round(this.options.leaseMs / 1000));
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 409) return false;
      throw e;
    }
    const info = this.container.getBlockBlobClient(this.storage.names.appLeaseInfoBlob);
    const current = readInfo((await info.downloadToBuffer()).toString('utf8'));
    if (current.OwnerId !== this.leaseId) {
      const body = JSON.stringify({ OwnerId: this.leaseId, DesiredSwapId: current.DesiredSwapId ?? null });
      await info.upload(body, Buffer.byteLength(body)).catch(() => undefined);
    }
    return true;
  }
}

/**
 * The info blob's document; empty, or caught while another worker rewrites it (the emulator can hand
 * out a partial body then), it reads as no owner: we hold the lease and write it afresh.
 */
function readInfo(text: string): { OwnerId?: string | null; DesiredSwapId?: string | null } {
  try {
    return (JSON.parse(text || '{}') as { OwnerId?: string | null; DesiredSwapId?: string | null } | null) ?? {};
  } catch {
    return {};
  }
}
