import { TableClient, TableServiceClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { BlobServiceClient } from '@azure/storage-blob';
import { STANDARD_PORTS, devConnectionString } from './devStorage';

/** Expands the `UseDevelopmentStorage=true` shorthand to the Azurite endpoints on the standard ports. */
export function resolveConnectionString(connectionString: string): string {
  const trimmed = connectionString.trim();
  if (/^UseDevelopmentStorage=true;?$/i.test(trimmed)) return devConnectionString(STANDARD_PORTS);
  if (!/AccountName=|BlobEndpoint=|SharedAccessSignature=/i.test(trimmed)) {
    throw new Error(
      'The storage connection string is not valid: expected "UseDevelopmentStorage=true" or ' +
        '"DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...".',
    );
  }
  return trimmed;
}

export function isDevelopmentStorage(connectionString: string): boolean {
  return /^UseDevelopmentStorage=true;?$/i.test(connectionString.trim()) || /devstoreaccount1/.test(connectionString);
}

/**
 * Retries inside the storage SDKs, kept short: the SDKs' defaults back off for up to a minute or
 * more (4 s doubling for queues and blobs), so a worker whose storage came back after a few seconds
 * would sit idle for a further 8-12 s. Every caller of ours retries on its own loop anyway.
 */
export const STORAGE_RETRY = { tries: 3, delayMs: 200, maxDelayMs: 1_000, tryTimeoutMs: 30_000 } as const;

const tableRetry = { maxRetries: STORAGE_RETRY.tries - 1, retryDelayInMs: STORAGE_RETRY.delayMs, maxRetryDelayInMs: STORAGE_RETRY.maxDelayMs };

/** The three storage service clients of one account. */
export class StorageAccount {
  readonly connectionString: string;
  readonly queues: QueueServiceClient;
  readonly blobs: BlobServiceClient;
  readonly tablesService: TableServiceClient;

  constructor(connectionString: string) {
    this.connectionString = resolveConnectionString(connectionString);
    const insecure = /DefaultEndpointsProtocol=http;|=http:\/\//i.test(this.connectionString);
    const retryOptions = { maxTries: STORAGE_RETRY.tries, retryDelayInMs: STORAGE_RETRY.delayMs, maxRetryDelayInMs: STORAGE_RETRY.maxDelayMs, tryTimeoutInMs: STORAGE_RETRY.tryTimeoutMs };
    this.queues = QueueServiceClient.fromConnectionString(this.connectionString, { retryOptions });
    this.blobs = BlobServiceClient.fromConnectionString(this.connectionString, { retryOptions });
    this.tablesService = TableServiceClient.fromConnectionString(this.connectionString, {
      allowInsecureConnection: insecure,
      retryOptions: tableRetry,
    });
    this.insecure = insecure;
  }

  private readonly insecure: boolean;

  table(name: string): TableClient {
    return TableClient.fromConnectionString(this.connectionString, name, { allowInsecureConnection: this.insecure, retryOptions: tableRetry });
  }
}
