import { MissingLargeValueError } from '../errors';
import { randomBytes } from 'crypto';
import { LargeMessageStore } from './largeMessages';

/**
 * A table string property holds at most 64 KiB of UTF-16. DurableTask.AzureStorage moves values
 * over 60 KiB (UTF-16) to a gzipped blob and keeps its name in `<Column>BlobName`; we do the same.
 */
export const MAX_INLINE_COLUMN_BYTES = 60 * 1024;

function utf16Bytes(text: string): number {
  return text.length * 2;
}

/**
 * History rows keep the blob's name in `<Column>BlobName`. Instances rows keep the blob's URL in
 * the column itself (DurableTask.AzureStorage's convention) and, from us, the name in
 * `<Column>BlobName` too: only a column with that companion is known to have been offloaded.
 */
export type LargeValueReference = 'blobNameColumn' | 'urlInColumn';

export async function offloadLargeColumns(
  row: Record<string, unknown>,
  columns: readonly string[],
  blobPrefix: string,
  store: LargeMessageStore,
  reference: LargeValueReference = 'blobNameColumn',
): Promise<void> {
  for (const column of columns) {
    const value = row[column];
    if (typeof value === 'string' && utf16Bytes(value) > MAX_INLINE_COLUMN_BYTES) {
      // A random part keeps two racing writers from overwriting each other's blob.
      const random = randomBytes(4).toString('hex').toUpperCase();
      const blobName = `${blobPrefix}-${random}-${column}.json.gz`;
      await store.upload(blobName, value);
      row[column] = reference === 'urlInColumn' ? store.urlOf(blobName) : '';
      row[`${column}BlobName`] = blobName;
    }
  }
}

/** An offloaded value whose blob is gone: the row is being purged, or its blobs were deleted. */
export { MissingLargeValueError };

/**
 * Replaces offloaded values (those with a `<Column>BlobName` companion) by the blob's text. Any
 * other string is data, even one that looks like a blob URL: an event name or a reason must never
 * make us read someone's blob.
 */
export async function restoreLargeColumns(row: Record<string, unknown>, store: LargeMessageStore): Promise<void> {
  for (const key of Object.keys(row)) {
    if (!key.endsWith('BlobName') || typeof row[key] !== 'string' || !row[key]) continue;
    const column = key.slice(0, -'BlobName'.length);
    const text = await store.tryDownload(row[key] as string);
    if (text === undefined) throw new MissingLargeValueError(column, row[key] as string);
    row[column] = text;
    delete row[key];
  }
}

/**
 * Instances rows written by DurableTask.AzureStorage carry only the URL. Such a value is read as a
 * blob only when it is one of the offloadable columns, points at a blob of this very instance (so
 * a value copied from another instance reads nothing of it), and the blob exists; otherwise it
 * stays the text it is.
 */
export async function restoreLegacyUrlColumns(
  row: Record<string, unknown>,
  columns: readonly string[],
  instanceId: string,
  store: LargeMessageStore,
): Promise<void> {
  for (const column of columns) {
    const value = row[column];
    if (typeof value !== 'string' || typeof row[`${column}BlobName`] === 'string') continue;
    const blobName = store.blobNameOfUrl(value);
    if (!blobName || !store.isBlobOfInstance(instanceId, blobName)) continue;
    const text = await store.tryDownload(blobName);
    if (text !== undefined) row[column] = startInputOf(blobName, text);
  }
}

/**
 * When a start message itself was too large for the queue, .NET points the Instances row's Input at
 * that message's blob (`<id>/message-<activity>-ExecutionStarted.json.gz`): the value is the input
 * inside the envelope, not the envelope.
 */
function startInputOf(blobName: string, text: string): string {
  if (!/\/message-[0-9a-f]+-ExecutionStarted\.json\.gz$/.test(blobName)) return text;
  try {
    const input = (JSON.parse(text) as { TaskMessage?: { Event?: { Input?: unknown } } }).TaskMessage?.Event?.Input;
    return typeof input === 'string' ? input : text;
  } catch {
    return text;
  }
}
