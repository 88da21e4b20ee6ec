import { randomUUID } from 'crypto';
import { BlockBlobClient } from '@azure/storage-blob';

/** Content of a lease blob, as DurableTask.AzureStorage's blob partition managers write it. */
export interface LeaseDocument {
  PartitionId: string;
  Owner: string | null;
  Token: string | null;
  Epoch: number;
}

/** A partition lease blob this worker holds. */
export interface HeldLease {
  partition: number;
  blob: BlockBlobClient;
  leaseId: string;
  epoch: number;
  /** The lease document as written at acquisition (rewritten on renewal as a heartbeat). */
  body: string;
}

/**
 * Takes the lease on a partition's blob and writes this worker into its document with the next
 * epoch, as DT.AzureStorage does; undefined when another worker holds it (409).
 */
export async function acquireLeaseBlob(blob: BlockBlobClient, partition: number, partitionId: string, workerId: string, durationMs: number): Promise<HeldLease | undefined> {
  const leaseId = randomUUID();
  try {
    await blob.getBlobLeaseClient(leaseId).acquireLease(Math.round(durationMs / 1000));
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 409) return undefined;
    throw e;
  }
  let epoch: number;
  try {
    const previous = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as LeaseDocument;
    epoch = (previous.Epoch ?? 0) + 1;
  } catch {
    epoch = 1;
  }
  const doc: LeaseDocument = { PartitionId: partitionId, Owner: workerId, Token: leaseId, Epoch: epoch };
  const body = JSON.stringify(doc);
  await blob.upload(body, Buffer.byteLength(body), { conditions: { leaseId } });
  return { partition, blob, leaseId, epoch, body };
}

/** Renews; with `heartbeat`, also rewrites the same document so Last-Modified tells others this worker lives. */
export async function renewLeaseBlob(lease: HeldLease, heartbeat: boolean): Promise<void> {
  await lease.blob.getBlobLeaseClient(lease.leaseId).renewLease();
  if (heartbeat) await lease.blob.upload(lease.body, Buffer.byteLength(lease.body), { conditions: { leaseId: lease.leaseId } });
}

/** Clears the owner from the document and releases the lease; failures only mean it is not ours any more. */
export async function releaseLeaseBlob(lease: HeldLease, partitionId: string): Promise<void> {
  const doc: LeaseDocument = { PartitionId: partitionId, Owner: null, Token: null, Epoch: lease.epoch };
  const body = JSON.stringify(doc);
  await lease.blob.upload(body, Buffer.byteLength(body), { conditions: { leaseId: lease.leaseId } });
  await lease.blob.getBlobLeaseClient(lease.leaseId).releaseLease();
}

/** A renewal failure that means another worker holds the lease now (not a storage hiccup). */
export function isLeaseLost(e: unknown): boolean {
  const status = (e as { statusCode?: number }).statusCode;
  return status === 409 || status === 412;
}

/** Uploads `body` unless the blob exists. */
export async function uploadIfAbsent(blob: BlockBlobClient, body: string): Promise<void> {
  try {
    await blob.upload(body, Buffer.byteLength(body), { conditions: { ifNoneMatch: '*' } });
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status !== 409 && status !== 412) throw e;
  }
}
