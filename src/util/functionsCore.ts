/**
 * The `@azure/functions-core` module the Functions Node worker (or our local host) provides at run
 * time; undefined in plain Node. Not cached: the local host may install it after a first look.
 */
export function tryGetFunctionsCore<T>(): T | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@azure/functions-core') as T;
  } catch {
    return undefined;
  }
}
