import { DurableSettings } from '../../src/config/settings';

/**
 * Settings of every chaos worker: the default partition table and app lease, with a short lease and
 * visibility timeouts so a killed worker's partitions and in-flight messages come back within seconds.
 */
export function chaosSettings(hubName: string, workerId: string): DurableSettings {
  return {
    hubName,
    connectionName: 'AzureWebJobsStorage',
    partitionCount: 4,
    controlQueueBatchSize: 32,
    controlQueueVisibilityTimeoutMs: 8_000,
    workItemQueueVisibilityTimeoutMs: 8_000,
    maxQueuePollingIntervalMs: 1_000,
    maxConcurrentActivityFunctions: 10,
    maxConcurrentOrchestratorFunctions: 10,
    leaseIntervalMs: 6_000,
    leaseRenewIntervalMs: 2_000,
    leaseAcquireIntervalMs: 1_000,
    workerId,
    partitionManagement: 'table',
    useAppLease: true,
    appName: 'chaos',
  };
}
