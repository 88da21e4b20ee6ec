import { AuthLevel, matchesAnyKey } from '../client/managementAuth';

/**
 * Keys the local host accepts, read from the environment or local.settings.json `Values` (the
 * host keeps its keys in its own secret store, which does not exist locally):
 * - `LOCALHOST_MASTER_KEY`: the master key, accepted for `admin` and `function` functions;
 * - `LOCALHOST_HOST_KEY`: a host key, accepted for every `function` function;
 * - `LOCALHOST_FUNCTION_KEY_<FunctionName>`: a key of that one function (name case-insensitive).
 */
export interface LocalKeys {
  master?: string;
  host?: string;
  functions: Map<string, string>;
}

const FUNCTION_KEY_PREFIX = 'LOCALHOST_FUNCTION_KEY_';

export function localKeysFromEnv(env: NodeJS.ProcessEnv = process.env): LocalKeys {
  const functions = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (value && name.toUpperCase().startsWith(FUNCTION_KEY_PREFIX)) functions.set(name.slice(FUNCTION_KEY_PREFIX.length).toLowerCase(), value);
  }
  return { master: env.LOCALHOST_MASTER_KEY || undefined, host: env.LOCALHOST_HOST_KEY || undefined, functions };
}

/** The host's rule: anonymous needs nothing, function a function, host or master key, admin the master key. */
export function isAuthorized(level: AuthLevel, functionName: string, presented: string | undefined, keys: LocalKeys): boolean {
  if (level === 'anonymous') return true;
  const accepted = level === 'admin' ? [keys.master] : [keys.master, keys.host, keys.functions.get(functionName.toLowerCase())];
  return matchesAnyKey(presented, accepted.filter((k): k is string => Boolean(k)));
}

export function hasKeysFor(level: AuthLevel, functionName: string, keys: LocalKeys): boolean {
  if (level === 'anonymous') return true;
  if (level === 'admin') return Boolean(keys.master);
  return Boolean(keys.master || keys.host || keys.functions.get(functionName.toLowerCase()));
}
