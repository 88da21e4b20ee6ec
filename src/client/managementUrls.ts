import { HeadersLike, keysEqual, presentedKey } from './managementAuth';

/** URLs of the HTTP management API (`/runtime/webhooks/durabletask/...`) for one instance. */
export interface HttpManagementPayload {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

/** Where the extension serves the API; our local host serves it there too. */
export const WEBHOOK_PATH = '/runtime/webhooks/durabletask';
/** Route of the management function registered under `func start` (below the HTTP route prefix). */
export const MANAGEMENT_FUNCTION_ROUTE = 'durabletask';

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/**
 * Origin of the management URLs. A request's Host header is chosen by whoever sends it, so it is
 * never trusted on its own: the configured base URL (app setting DurableTaskManagementBaseUrl)
 * comes first, then the platform's WEBSITE_HOSTNAME, then the request's origin only when it is a
 * loopback address (local development), else the local host's default.
 */
export function managementBaseUrl(requestUrl: string | undefined, configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured.replace(/\/$/, '');
  const host = env.WEBSITE_HOSTNAME;
  if (host) return `${/^(localhost|127\.0\.0\.1)(:\d+)?$/i.test(host) ? 'http' : 'https'}://${host}`;
  if (requestUrl) {
    try {
      const url = new URL(requestUrl);
      if (isLoopback(url.hostname)) return url.origin;
    } catch {
      // fall through to the default
    }
  }
  return 'http://localhost:7071';
}

/** Checks an app-configured base URL once, so a typo fails clearly instead of producing odd URLs. */
export function validBaseUrl(value: string | undefined, setting: string): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`The app setting ${setting} must be an absolute http(s) URL, got '${value}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`The app setting ${setting} must be an http(s) URL, got '${value}'.`);
  return `${url.origin}${url.pathname.replace(/\/$/, '')}`;
}

/**
 * The management key goes into URLs only for a caller that presented it: an anonymous caller of a
 * starter function must not be handed the key that opens the whole task hub.
 */
export function keyForCaller(systemKey: string | undefined, request: { url: string; headers?: HeadersLike } | undefined): string | undefined {
  if (!systemKey || !request) return undefined;
  return keysEqual(presentedKey(request.url, request.headers), systemKey) ? systemKey : undefined;
}

export interface ManagementLocation {
  baseUrl: string;
  /** Path of the API below the origin, e.g. /runtime/webhooks/durabletask or /api/durabletask. */
  webhookPath: string;
  taskHub: string;
  connection: string;
  systemKey?: string;
}

export function managementPayload(location: ManagementLocation, instanceId: string): HttpManagementPayload {
  const { baseUrl, webhookPath, taskHub, connection, systemKey } = location;
  const instanceUrl = `${baseUrl}${webhookPath}/instances/${encodeURIComponent(instanceId)}`;
  const common = `taskHub=${encodeURIComponent(taskHub)}&connection=${encodeURIComponent(connection)}` + (systemKey ? `&code=${encodeURIComponent(systemKey)}` : '');
  return {
    id: instanceId,
    statusQueryGetUri: `${instanceUrl}?${common}`,
    sendEventPostUri: `${instanceUrl}/raiseEvent/{eventName}?${common}`,
    terminatePostUri: `${instanceUrl}/terminate?reason={text}&${common}`,
    rewindPostUri: `${instanceUrl}/rewind?reason={text}&${common}`,
    purgeHistoryDeleteUri: `${instanceUrl}?${common}`,
    restartPostUri: `${instanceUrl}/restart?${common}`,
    suspendPostUri: `${instanceUrl}/suspend?reason={text}&${common}`,
    resumePostUri: `${instanceUrl}/resume?reason={text}&${common}`,
  };
}
