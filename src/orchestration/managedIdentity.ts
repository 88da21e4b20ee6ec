import type { TokenCredential } from '@azure/identity';
import { TokenSourceJson, scopeOf } from './tokenSource';

let credential: TokenCredential | undefined;

/**
 * A bearer token for the resource, from Azure Identity's default chain (managed identity in
 * Azure; environment, workload identity or a developer login locally). Loaded on first use so
 * apps without token sources never load it.
 */
export async function bearerTokenFor(source: TokenSourceJson): Promise<string> {
  if (!credential) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: @azure/identity is heavy and rarely needed
    const identity = require('@azure/identity') as typeof import('@azure/identity');
    credential = new identity.DefaultAzureCredential();
  }
  try {
    const token = await credential.getToken(scopeOf(source.resource));
    if (!token?.token) throw new Error('no token was returned');
    return token.token;
  } catch (e) {
    // The credential's message names the sources it tried; it carries no secret.
    throw new Error(`callHttp: could not get a managed identity token for '${source.resource}': ${(e as Error).message}`);
  }
}

/** Tests and apps that change identity settings at runtime start over with a fresh credential. */
export function resetCredential(): void {
  credential = undefined;
}
