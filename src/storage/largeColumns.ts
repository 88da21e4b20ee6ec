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
 * History rows keep the blob's name in `<Column>BlobName`; Instances rows keep the blob's URL in
 * the column itself. Both are DurableTask.AzureStorage's conventions.
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
      if (reference === 'urlInColumn') {
        row[column] = store.urlOf(blobName);
      } else {
        row[column] = '';
        row[`${column}BlobName`] = blobName;
      }
    }
  }
}

/** Replaces blob references (`<Column>BlobName`, or a URL into the container) with the blob's text. */
export async function restoreLargeColumns(row: Record<string, unknown>, store: LargeMessageStore): Promise<void> {
  for (const [key, value] of Object.entries(row)) {
    if (typeof value !== 'string') continue;
    const blobName = store.blobNameOfUrl(value);
    if (blobName) row[key] = startInputOf(blobName, await store.download(blobName));
  }
  for (const key of Object.keys(row)) {
    if (!key.endsWith('BlobName') || typeof row[key] !== 'string' || !row[key]) continue;
    const column = key.slice(0, -'BlobName'.length);
    row[column] = await store.download(row[key] as string);
    delete row[key];
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
