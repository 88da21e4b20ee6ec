/**
 * Token sources of durable HTTP calls. The orchestrator only records which resource to get a
 * token for; the built-in HTTP activity acquires it when the request runs (tokens never enter history).
 */
export class ManagedIdentityTokenSource {
  /** Runtime tag the extension uses on the wire (not part of the SDK's declared type). */
  readonly kind = 'AzureManagedIdentity' as const;

  /** @param resource the Azure AD resource of the API being called, e.g. https://management.core.windows.net */
  constructor(readonly resource: string) {
    if (typeof resource !== 'string' || resource.trim() === '') {
      throw new TypeError('ManagedIdentityTokenSource requires the resource (an Azure AD resource URI such as https://management.core.windows.net).');
    }
  }
}

export type TokenSource = ManagedIdentityTokenSource;

/** What the HTTP request carries in history: the resource only. */
export interface TokenSourceJson {
  kind: 'AzureManagedIdentity';
  resource: string;
}

export function toTokenSourceJson(source: unknown): TokenSourceJson | undefined {
  if (source === undefined || source === null) return undefined;
  const resource = (source as { resource?: unknown }).resource;
  if (typeof resource !== 'string' || resource.trim() === '') {
    throw new TypeError('callHttp: tokenSource must be a ManagedIdentityTokenSource (new df.ManagedIdentityTokenSource(resource)).');
  }
  return { kind: 'AzureManagedIdentity', resource };
}

/** Scope of a resource for Azure Identity: "<resource>/.default". */
export function scopeOf(resource: string): string {
  return resource.endsWith('/.default') ? resource : `${resource.replace(/\/+$/, '')}/.default`;
}
