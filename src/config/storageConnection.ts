/**
 * How the app reaches its storage account, read from app settings the way the Functions host reads
 * a connection: the setting `<name>` (or `AzureWebJobs<name>`) holding a connection string, or, when
 * that is absent, settings under the prefix `<name>__` describing an identity-based connection.
 *
 * Only the description lives here (no SDK): the Azure backend turns it into clients and a token credential.
 */

/** A classic connection string (account key or SAS, or `UseDevelopmentStorage=true`). */
export interface ConnectionStringConnection {
  kind: 'connectionString';
  /** The setting it came from (for messages; never the value, which holds a secret). */
  setting: string;
  connectionString: string;
}

/** Service endpoints plus how to obtain a Microsoft Entra token for them. */
export interface IdentityConnection {
  kind: 'identity';
  /** The settings prefix, e.g. `AzureWebJobsStorage`. */
  setting: string;
  blobServiceUri: string;
  queueServiceUri: string;
  tableServiceUri: string;
  credential: CredentialDescription;
}

export type StorageConnection = ConnectionStringConnection | IdentityConnection;

/**
 * - `managedIdentity`: `__credential=managedidentity`, optionally `__clientId` or `__managedIdentityResourceId`
 *   (a user-assigned identity; neither: the system-assigned one).
 * - `clientSecret`: no `__credential`, but `__tenantId`, `__clientId` and `__clientSecret` (local development only).
 * - `developer`: no `__credential`: the developer's own sign-in (Azure CLI, VS Code, ...), as Core Tools does.
 */
export type CredentialDescription =
  | { kind: 'managedIdentity'; clientId?: string; resourceId?: string }
  | { kind: 'clientSecret'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'developer'; clientId?: string };

export class StorageConnectionError extends Error {
  override readonly name = 'StorageConnectionError';
}

const SERVICES = ['blob', 'queue', 'table'] as const;

/** Every setting under `<prefix>__`, keyed by the lower-cased rest of the name (configuration keys are case-insensitive). */
function sectionOf(prefix: string, env: NodeJS.ProcessEnv): Map<string, { name: string; value: string }> {
  const section = new Map<string, { name: string; value: string }>();
  const start = `${prefix.toLowerCase()}__`;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.trim() === '' || !name.toLowerCase().startsWith(start)) continue;
    section.set(name.slice(start.length).toLowerCase(), { name, value: value.trim() });
  }
  return section;
}

function serviceUri(service: (typeof SERVICES)[number], section: ReturnType<typeof sectionOf>): string | undefined {
  const explicit = section.get(`${service}serviceuri`) ?? (service === 'blob' ? section.get('serviceuri') : undefined);
  if (explicit) {
    let url: URL;
    try {
      url = new URL(explicit.value);
    } catch {
      throw new StorageConnectionError(`App setting '${explicit.name}' is not a valid URL.`);
    }
    // Tokens are only ever sent over TLS (the Azure SDKs refuse otherwise); say so before a request fails.
    if (url.protocol !== 'https:')
      throw new StorageConnectionError(`App setting '${explicit.name}' must be an https:// URL for an identity-based connection.`);
    return explicit.value.replace(/\/+$/, '');
  }
  const account = section.get('accountname');
  if (!account) return undefined;
  if (!/^[a-z0-9]{3,24}$/.test(account.value)) {
    throw new StorageConnectionError(`App setting '${account.name}' must be a storage account name (3-24 lower-case letters and digits).`);
  }
  // The public-cloud endpoints, as the host infers them; sovereign clouds and custom DNS need the *ServiceUri settings.
  return `https://${account.value}.${service}.core.windows.net`;
}

function credentialOf(prefix: string, section: ReturnType<typeof sectionOf>): CredentialDescription {
  const credential = section.get('credential');
  const clientId = section.get('clientid')?.value;
  const resourceId = section.get('managedidentityresourceid')?.value;
  if (credential) {
    const kind = credential.value.toLowerCase();
    if (kind === 'managedidentity') {
      if (clientId && resourceId) {
        throw new StorageConnectionError(
          `Set either '${prefix}__clientId' or '${prefix}__managedIdentityResourceId', not both: each names the user-assigned identity to use.`,
        );
      }
      return { kind: 'managedIdentity', clientId, resourceId };
    }
    if (kind === 'managedidentityasfederatedidentity') {
      throw new StorageConnectionError(
        `App setting '${credential.name}': cross-tenant federated identities are not supported for the task hub's storage; use 'managedidentity'.`,
      );
    }
    throw new StorageConnectionError(
      `App setting '${credential.name}' must be 'managedidentity' (or be left unset to use your developer sign-in locally).`,
    );
  }
  const tenantId = section.get('tenantid')?.value;
  const clientSecret = section.get('clientsecret')?.value;
  if (clientSecret || tenantId) {
    const missing = [
      !tenantId && `${prefix}__tenantId`,
      !clientId && `${prefix}__clientId`,
      !clientSecret && `${prefix}__clientSecret`,
    ].filter(Boolean);
    if (missing.length) throw new StorageConnectionError(`A service-principal connection needs ${missing.join(' and ')} as well.`);
    return { kind: 'clientSecret', tenantId: tenantId!, clientId: clientId!, clientSecret: clientSecret! };
  }
  if (resourceId)
    throw new StorageConnectionError(`'${prefix}__managedIdentityResourceId' needs '${prefix}__credential' set to 'managedidentity'.`);
  return { kind: 'developer', clientId };
}

function identityConnection(prefix: string, section: ReturnType<typeof sectionOf>): IdentityConnection {
  const uris = SERVICES.map((s) => serviceUri(s, section));
  const missing = SERVICES.filter((_, i) => !uris[i]);
  if (missing.length) {
    throw new StorageConnectionError(
      `The identity-based storage connection '${prefix}' has no ${missing.join(', ')} endpoint: set '${prefix}__accountName', or ` +
        `${missing.map((s) => `'${prefix}__${s}ServiceUri'`).join(', ')} (durable functions use blobs, queues and tables).`,
    );
  }
  return {
    kind: 'identity',
    setting: prefix,
    blobServiceUri: uris[0]!,
    queueServiceUri: uris[1]!,
    tableServiceUri: uris[2]!,
    credential: credentialOf(prefix, section),
  };
}

/**
 * The connection that the app setting names `connectionName` describes. As in the host, an exact
 * setting (a connection string) wins over a prefix; `AzureWebJobs<name>` is tried after `<name>`.
 * Errors name the settings involved, never their values.
 */
export function storageConnectionFor(connectionName: string, env: NodeJS.ProcessEnv = process.env): StorageConnection {
  const candidates = connectionName.toLowerCase().startsWith('azurewebjobs')
    ? [connectionName]
    : [connectionName, `AzureWebJobs${connectionName}`];
  for (const name of candidates) {
    const exact = env[name]?.trim() || env[`${name}__connectionString`]?.trim();
    if (exact) return { kind: 'connectionString', setting: name, connectionString: exact };
    const section = sectionOf(name, env);
    if (section.size > 0) return identityConnection(name, section);
  }
  throw new StorageConnectionError(
    `The storage connection '${connectionName}' is not configured: set the app setting '${connectionName}' to a connection string ` +
      `(locally "UseDevelopmentStorage=true"), or use an identity with '${connectionName}__accountName' (or the ` +
      `__blobServiceUri/__queueServiceUri/__tableServiceUri settings) and, in Azure, '${connectionName}__credential=managedidentity'.`,
  );
}

/** A one-line description for logs: endpoints and identity kind, never a key or a secret. */
export function describeStorageConnection(connection: StorageConnection): string {
  if (connection.kind === 'connectionString') return `connection string in '${connection.setting}'`;
  const c = connection.credential;
  const who =
    c.kind === 'managedIdentity'
      ? c.clientId
        ? `managed identity (client id ${c.clientId})`
        : c.resourceId
          ? 'managed identity (by resource id)'
          : 'system-assigned managed identity'
      : c.kind === 'clientSecret'
        ? `service principal ${c.clientId}`
        : 'developer sign-in';
  return `${who} for ${connection.queueServiceUri} (identity-based '${connection.setting}')`;
}
