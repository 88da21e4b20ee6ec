/**
 * Named places between two storage writes of the Azure backend. A hook installed through
 * `AzureStorageOptions.faults` is awaited at each one: crash-point tests stop the process there
 * (SIGKILL), the chaos suite uses the `committed` points as telemetry. Without a hook they cost nothing.
 */
export type FaultPoint =
  /** After each outbound message of a checkpoint was sent (before history). */
  | 'checkpoint.afterSend'
  /** After each history transaction of a checkpoint except the last. */
  | 'checkpoint.afterHistoryBatch'
  /** History (and its sentinel) committed; the Instances row not yet written. */
  | 'checkpoint.afterHistory'
  /** Instances row written; consumed messages not yet deleted. */
  | 'checkpoint.afterInstanceRow'
  /** After each consumed message was deleted. */
  | 'checkpoint.afterDelete'
  /** The whole checkpoint is done. */
  | 'checkpoint.committed'
  /** An activity's answer was sent; its work item not yet deleted. */
  | 'activity.afterAnswer'
  /** A client start: the start message was sent; the Pending row not yet written. */
  | 'start.afterMessage'
  /** A purge: history rows deleted; blobs and the Instances row not yet. */
  | 'purge.afterHistory'
  /** A purge: blobs deleted; the Instances row not yet. */
  | 'purge.afterBlobs';

export interface FaultContext {
  instanceId: string;
  /** The control-queue partition of the instance. */
  partition: number;
}

export type FaultHook = (point: FaultPoint, context: FaultContext) => void | Promise<void>;
