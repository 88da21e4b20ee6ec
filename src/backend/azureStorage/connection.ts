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

/** The three storage service clients of one account. */
export class StorageAccount {
  readonly connectionString: string;
  readonly queues: QueueServiceClient;
  readonly blobs: BlobServiceClient;
  readonly tablesService: TableServiceClient;

  constructor(connectionString: string) {
    this.connectionString = resolveConnectionString(connectionString);
    const insecure = /DefaultEndpointsProtocol=http;|=http:\/\//i.test(this.connectionString);
    this.queues = QueueServiceClient.fromConnectionString(this.connectionString);
    this.blobs = BlobServiceClient.fromConnectionString(this.connectionString);
    this.tablesService = TableServiceClient.fromConnectionString(this.connectionString, {
      allowInsecureConnection: insecure,
    });
    this.insecure = insecure;
  }

  private readonly insecure: boolean;

  table(name: string): TableClient {
    return TableClient.fromConnectionString(this.connectionString, name, { allowInsecureConnection: this.insecure });
  }
}
