import { format } from 'util';
import { tryGetFunctionsCore } from './functionsCore';

/** Log levels of the Functions host (the worker's RpcLog levels). */
export type HostLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

interface CoreLog {
  log?: (level: string, category: string, message: string) => void;
}

let core: CoreLog | null | undefined;

function coreApi(): CoreLog | null {
  if (core === undefined) core = tryGetFunctionsCore<CoreLog>() ?? null;
  return core;
}

/**
 * Writes one line into the Functions host's logging pipeline (`category` 'system' for the engine,
 * 'user' for the app's own functions), so it reaches Application Insights like the host's own
 * lines; outside a worker it goes to the console.
 */
export function hostLog(level: HostLogLevel, category: 'system' | 'user', message: string): void {
  if (level === 'none') return;
  const api = coreApi();
  if (api?.log) {
    api.log(level, category, message);
    return;
  }
  if (level === 'error' || level === 'critical' || level === 'warning') console.error(message);
  else console.log(message);
}

/** A log handler for the InvocationContext of a function our engine runs: lines carry the instance id. */
export function instanceLogHandler(functionName: string, instanceId: string, suppress?: () => boolean) {
  return (level: HostLogLevel, ...args: unknown[]): void => {
    if (suppress?.()) return;
    hostLog(level, 'user', `[${functionName}] [${instanceId}] ${format(...args)}`);
  };
}

/** Forgets the cached worker module (tests switch between a worker and plain Node). */
export function resetHostLog(): void {
  core = undefined;
}
