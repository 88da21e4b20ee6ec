import { RuntimeStatusName } from './events';

/** What a task hub knows about one instance (the Instances row in Azure Storage). */
export interface InstanceState {
  instanceId: string;
  name: string;
  version: string;
  executionId: string;
  /** JSON texts as stored; undefined when absent. */
  input?: string;
  output?: string;
  customStatus?: string;
  runtimeStatus: RuntimeStatusName;
  /** Undefined in an update that keeps the creation time already stored. */
  createdTime: Date;
  lastUpdatedTime: Date;
  completedTime?: Date;
  scheduledStartTime?: Date;
  /** How often the id was started anew (0 first); undefined in an update that keeps the stored one. */
  generation?: number;
  /**
   * Tags of the execution (null: none). Undefined in an update that keeps the stored ones. Azure Storage
   * writes `"null"` for none, as DT.AzureStorage does.
   */
  tags?: Record<string, string> | null;
  /** Instance id of the parent orchestration, `""` for a top-level instance; undefined keeps the stored one. */
  parentInstanceId?: string;
  /** Backend-specific version token of the stored state (an ETag in Azure Storage). */
  etag?: string;
}
