import { LargeMessageStore } from './largeMessages';

/**
 * A table string property holds at most 64 KiB (32K UTF-16 characters). Longer values are moved to
 * a blob and the row keeps its name in `<Column>BlobName`, as DurableTask.AzureStorage does.
 */
export const MAX_INLINE_COLUMN_CHARS = 30_000;

export async function offloadLargeColumns(
  row: Record<string, unknown>,
  columns: readonly string[],
  blobPrefix: string,
  store: LargeMessageStore,
): Promise<void> {
  for (const column of columns) {
    const value = row[column];
    if (typeof value === 'string' && value.length > MAX_INLINE_COLUMN_CHARS) {
      const blobName = `${blobPrefix}-${column}.json.gz`;
      await store.upload(blobName, value);
      row[column] = '';
      row[`${column}BlobName`] = blobName;
    }
  }
}

/** Replaces every `<Column>BlobName` reference in a row read from a table with the blob's text. */
export async function restoreLargeColumns(row: Record<string, unknown>, store: LargeMessageStore): Promise<void> {
  for (const key of Object.keys(row)) {
    if (!key.endsWith('BlobName') || typeof row[key] !== 'string' || !row[key]) continue;
    const column = key.slice(0, -'BlobName'.length);
    row[column] = await store.download(row[key] as string);
    delete row[key];
  }
}
