import { PartitionManagementKind } from '../../config/settings';
import { Logger } from '../../util/log';
import { AppLease } from './appLease';
import { PartitionLeaseManager, PartitionOwnerListener } from './partitionLeases';
import { SafePartitionManager } from './safePartitionManager';
import { TablePartitionManager } from './tablePartitionManager';
import { TaskHubStorage } from './taskHubStorage';

export interface PartitionManagementOptions {
  workerId: string;
  leaseIntervalMs: number;
  leaseRenewIntervalMs: number;
  leaseAcquireIntervalMs: number;
  /**
   * `<hub>Partitions` table (default, as DT.AzureStorage 2.x), the legacy `default/` lease blobs, or
   * the safe manager's `intent/` + `ownership/` lease blobs (extension 2.x's default).
   */
  partitionManagement?: PartitionManagementKind;
  /** Run partitions only while this app holds `<hub>-applease` (default true). */
  useAppLease?: boolean;
  appName?: string;
}

/** What the engine needs from whichever partition manager host.json selects. */
export interface PartitionManager {
  readonly ownedPartitions: number[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The partition manager host.json asks for, as DurableTask.AzureStorage 2.x chooses it: the
 * `<hub>Partitions` table unless `useLegacyPartitionManagement`, started only while this app holds
 * the app lease unless `useAppLease` is false.
 */
export function createPartitionManager(
  storage: TaskHubStorage,
  settings: PartitionManagementOptions,
  listener: PartitionOwnerListener,
  log: Logger,
): PartitionManager {
  const blobLeases = { workerId: settings.workerId, leaseDurationMs: settings.leaseIntervalMs, renewIntervalMs: settings.leaseRenewIntervalMs, acquireIntervalMs: settings.leaseAcquireIntervalMs };
  const kind = settings.partitionManagement ?? 'table';
  const inner: PartitionManager =
    kind === 'table'
      ? new TablePartitionManager(storage, { workerId: settings.workerId, leaseDurationMs: settings.leaseIntervalMs, acquireIntervalMs: settings.leaseAcquireIntervalMs }, listener, log)
      : kind === 'safe'
        ? new SafePartitionManager(storage, blobLeases, listener, log)
        : new PartitionLeaseManager(storage, blobLeases, listener, log);
  if (settings.useAppLease === false) return inner;
  const lease = new AppLease(storage, settings.appName ?? '', inner, log);
  return {
    get ownedPartitions() {
      return inner.ownedPartitions;
    },
    start: () => lease.start(),
    stop: () => lease.stop(),
  };
}
