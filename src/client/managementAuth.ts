import { createHash, timingSafeEqual } from 'crypto';

/** The Functions host's HTTP authorization levels. */
export type AuthLevel = 'anonymous' | 'function' | 'admin';
const AUTH_LEVELS: readonly AuthLevel[] = ['anonymous', 'function', 'admin'];

/** Headers as plain records (node http) or as a fetch Headers object (@azure/functions). */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function header(headers: HeadersLike | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The key a request carries, as the host reads it: `?code=` first, else the `x-functions-key` header. */
export function presentedKey(url: URL | string, headers?: HeadersLike): string | undefined {
  let code: string | null = null;
  try {
    code = (typeof url === 'string' ? new URL(url) : url).searchParams.get('code');
  } catch {
    // not a URL: only the header can carry a key
  }
  return code || header(headers, 'x-functions-key') || undefined;
}

/** Compares keys in time independent of where they differ (hashing first also hides the length). */
export function keysEqual(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Whether any of the keys matches (every key is compared, so timing does not tell which). */
export function matchesAnyKey(presented: string | undefined, keys: readonly string[]): boolean {
  let ok = false;
  for (const key of keys) ok = keysEqual(presented, key) || ok;
  return ok;
}

/**
 * Running on an Azure App Service / Functions instance. These settings are set by the platform on
 * every instance (see "Environment variables and app settings in Azure App Service").
 */
export function isAzureHosted(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.WEBSITE_INSTANCE_ID || env.WEBSITE_SITE_NAME);
}

export function parseAuthLevel(value: string, what: string): AuthLevel {
  const level = value.trim().toLowerCase() as AuthLevel;
  if (!AUTH_LEVELS.includes(level)) throw new Error(`${what} must be one of ${AUTH_LEVELS.join(', ')}, got '${value}'.`);
  return level;
}

/** Who may call the management API (see README "Management API location and key"). */
export interface ManagementAccess {
  /** authLevel of the DurableTaskManagement function: the host (or the local host) enforces it. */
  authLevel: AuthLevel;
  /** The key our handler itself requires (app setting DurableTaskManagementKey). */
  key?: string;
}

/**
 * DurableTaskManagementKey set: that key is required (the function itself is anonymous so the
 * host does not ask for a second key). Else DurableTaskManagementAuthLevel when set (`anonymous`
 * is the explicit opt-out). Else `function` in Azure (host keys or the function's own keys) and
 * `anonymous` in local development.
 */
export function managementAccess(env: NodeJS.ProcessEnv = process.env): ManagementAccess {
  const key = env.DurableTaskManagementKey;
  if (key) return { authLevel: 'anonymous', key };
  const explicit = env.DurableTaskManagementAuthLevel;
  if (explicit) return { authLevel: parseAuthLevel(explicit, 'The app setting DurableTaskManagementAuthLevel') };
  return { authLevel: isAzureHosted(env) ? 'function' : 'anonymous' };
}

/** A URL fit for a log line: the value of `code` is replaced. */
export function redactKeys(text: string): string {
  return text.replace(/([?&]code=)[^&#\s]*/gi, '$1***');
}
