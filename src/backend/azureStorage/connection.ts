import { TableClient, TableServiceClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { BlobServiceClient } from '@azure/storage-blob';
import type { GetTokenOptions, TokenCredential } from '@azure/identity';
import { CredentialDescription, StorageConnection } from '../../config/storageConnection';
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


export interface StorageAccountOptions {
  /** Used instead of the credential the connection describes (identity-based connections only). */
  credential?: TokenCredential;
}

/**
 * The token credential an identity-based connection describes. `@azure/identity` (and MSAL behind
 * it) is loaded on the first token request, so apps on connection strings never pay for it.
 */
export function credentialFor(description: CredentialDescription): TokenCredential {
  let inner: TokenCredential | undefined;
  const create = (): TokenCredential => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, see above
    const identity = require('@azure/identity') as typeof import('@azure/identity');
    switch (description.kind) {
      case 'managedIdentity':
        if (description.clientId) return new identity.ManagedIdentityCredential({ clientId: description.clientId });
        if (description.resourceId) return new identity.ManagedIdentityCredential({ resourceId: description.resourceId });
        return new identity.ManagedIdentityCredential();
      case 'clientSecret':
        return new identity.ClientSecretCredential(description.tenantId, description.clientId, description.clientSecret);
      case 'developer':
        return new identity.DefaultAzureCredential(description.clientId ? { managedIdentityClientId: description.clientId } : {});
    }
  };
  return {
    getToken: (scopes: string | string[], options?: GetTokenOptions) => {
      inner ??= create();
      return inner.getToken(scopes, options);
    },
  };
}

/** The three storage service clients of one account, on a connection string or an identity. */
export class StorageAccount {
  readonly queues: QueueServiceClient;
  readonly blobs: BlobServiceClient;
  readonly tablesService: TableServiceClient;
  private readonly table_: (name: string) => TableClient;

  constructor(connection: string | StorageConnection, options: StorageAccountOptions = {}) {
    const described: StorageConnection =
      typeof connection === 'string' ? { kind: 'connectionString', setting: '', connectionString: connection } : connection;
    const retryOptions = { maxTries: STORAGE_RETRY.tries, retryDelayInMs: STORAGE_RETRY.delayMs, maxRetryDelayInMs: STORAGE_RETRY.maxDelayMs, tryTimeoutInMs: STORAGE_RETRY.tryTimeoutMs };
    if (described.kind === 'connectionString') {
      if (options.credential)
        throw new Error('A token credential applies only to an identity-based connection, not to a connection string.');
      const connectionString = resolveConnectionString(described.connectionString);
      const allowInsecureConnection = /DefaultEndpointsProtocol=http;|=http:\/\//i.test(connectionString);
      this.queues = QueueServiceClient.fromConnectionString(connectionString, { retryOptions });
      this.blobs = BlobServiceClient.fromConnectionString(connectionString, { retryOptions });
      this.tablesService = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection, retryOptions: tableRetry });
      this.table_ = (name) => TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection, retryOptions: tableRetry });
    } else {
      const credential = options.credential ?? credentialFor(described.credential);
      this.queues = new QueueServiceClient(described.queueServiceUri, credential, { retryOptions });
      this.blobs = new BlobServiceClient(described.blobServiceUri, credential, { retryOptions });
      this.tablesService = new TableServiceClient(described.tableServiceUri, credential, { retryOptions: tableRetry });
      this.table_ = (name) => new TableClient(described.tableServiceUri, name, credential, { retryOptions: tableRetry });
    }
  }

  table(name: string): TableClient {
    return this.table_(name);
  }
}
