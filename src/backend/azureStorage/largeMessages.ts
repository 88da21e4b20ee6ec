import { ContainerClient } from '@azure/storage-blob';
import { gunzipSync, gzipSync } from 'zlib';
import { escapePartitionKey } from './keys';

/** Payloads too big for a queue message or a table cell live gzipped in the `-largemessages` container. */
export class LargeMessageStore {
  constructor(private readonly container: ContainerClient) {}

  async upload(blobName: string, text: string): Promise<void> {
    const body = gzipSync(Buffer.from(text, 'utf8'));
    const put = () =>
      this.container.getBlockBlobClient(blobName).uploadData(body, {
        blobHTTPHeaders: { blobContentType: 'application/octet-stream', blobContentEncoding: 'gzip' },
      });
    try {
      await put();
    } catch (e) {
      // Like DurableTask.AzureStorage, the container is made on the first large payload, not with the hub.
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      await this.container.createIfNotExists();
      await put();
    }
  }

  async download(blobName: string): Promise<string> {
    const buffer = await this.container.getBlockBlobClient(blobName).downloadToBuffer();
    // Blobs written by other tools may be stored uncompressed; gzip starts with 0x1f 0x8b.
    const text = buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipSync(buffer) : buffer;
    return text.toString('utf8');
  }

  /** The blob's text, or undefined when there is no such blob. */
  async tryDownload(blobName: string): Promise<string | undefined> {
    try {
      return await this.download(blobName);
    } catch (e) {
      ignoreNotFound(e);
      return undefined;
    }
  }

  urlOf(blobName: string): string {
    return this.container.getBlockBlobClient(blobName).url;
  }

  /** The blob name of a URL into this container, or undefined for any other text. */
  blobNameOfUrl(value: string): string | undefined {
    const prefix = `${this.container.url.replace(/\/$/, '')}/`;
    if (!value.startsWith(prefix)) return undefined;
    return decodeURIComponent(value.slice(prefix.length).split('?')[0]);
  }

  /**
   * Whether a blob belongs to an instance. Message blobs are `<raw id>/message-...`, table blobs
   * `<escaped id>/history-...` or `<escaped id>/instance-...`. The kind must match the prefix: the
   * raw id `col^^` equals the escaped id of `col^`, so a bare prefix would claim the other's blobs.
   */
  isBlobOfInstance(instanceId: string, blobName: string): boolean {
    const owned = (prefix: string, kinds: string[]) => {
      if (!blobName.startsWith(prefix)) return false;
      const rest = blobName.slice(prefix.length);
      return !rest.includes('/') && kinds.some((kind) => rest.startsWith(kind));
    };
    return owned(`${instanceId}/`, ['message-']) || owned(`${escapePartitionKey(instanceId)}/`, ['history-', 'instance-']);
  }

  /** Deletes every blob of an instance (see isBlobOfInstance). */
  async deleteInstanceBlobs(instanceId: string): Promise<number> {
    let count = 0;
    if (!(await this.container.exists())) return 0;
    for (const prefix of new Set([`${instanceId}/`, `${escapePartitionKey(instanceId)}/`])) {
      for await (const blob of this.container.listBlobsFlat({ prefix })) {
        if (!this.isBlobOfInstance(instanceId, blob.name)) continue;
        await this.container.deleteBlob(blob.name, { deleteSnapshots: 'include' }).catch(ignoreNotFound);
        count++;
      }
    }
    return count;
  }
}

export function ignoreNotFound(e: unknown): void {
  if ((e as { statusCode?: number }).statusCode !== 404) throw e;
}
