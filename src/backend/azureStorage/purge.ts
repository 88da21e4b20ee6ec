import { escapePartitionKey } from './keys';
import { TaskHub } from './taskHub';

const statusOf = (e: unknown) => (e as { statusCode?: number }).statusCode;

/**
 * Deletes an instance's history rows, its blobs and, last, its Instances row (so a purge cut short
 * can simply be repeated). Several callers may purge one instance at once: history batches that
 * meet rows another purger already removed are re-listed, and the Instances row is deleted under
 * the ETag the caller read, so exactly one caller learns it deleted the instance.
 */
export async function purgeInstanceStorage(hub: TaskHub, instanceId: string, etag: string | undefined): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await hub.history.deleteInstance(instanceId);
      break;
    } catch (e) {
      // 404: a row of the batch is already gone (another purge); list what is left and go on.
      if (statusOf(e) !== 404 || attempt >= 5) throw e;
    }
  }
  await hub.fault('purge.afterHistory', instanceId);
  await hub.queues.largeMessages.deleteInstanceBlobs(instanceId);
  await hub.fault('purge.afterBlobs', instanceId);
  try {
    await hub.instances.table.deleteEntity(escapePartitionKey(instanceId), '', etag ? { etag } : undefined);
    return true;
  } catch (e) {
    if (statusOf(e) === 404 || statusOf(e) === 412) return false;
    throw e;
  }
}
