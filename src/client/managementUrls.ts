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

/** Origin of the incoming request, else the configured or the local host's default. */
export function managementBaseUrl(requestUrl: string | undefined, configured?: string): string {
  if (configured) return configured.replace(/\/$/, '');
  if (requestUrl) {
    try {
      return new URL(requestUrl).origin;
    } catch {
      // fall through to the default
    }
  }
  const host = process.env.WEBSITE_HOSTNAME;
  return host ? `https://${host}` : 'http://localhost:7071';
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
