/**
 * The app's ExceptionPropertiesProvider (durable-functions 3.5): custom properties extracted from
 * an activity's error end up in the TaskFailed event's FailureDetails.Properties.
 */
export interface ExceptionPropertiesProvider {
  getExceptionProperties(error: unknown): Record<string, unknown> | undefined;
}

let provider: ExceptionPropertiesProvider | undefined;

/** Properties are attached to the thrown error under this symbol by the activity wrapper. */
const PROPERTIES = Symbol('durable.exceptionProperties');

export function setExceptionPropertiesProvider(p: ExceptionPropertiesProvider | undefined): void {
  if (p !== undefined && (typeof p !== 'object' || p === null || typeof p.getExceptionProperties !== 'function')) {
    throw new TypeError('setExceptionPropertiesProvider expects an object with a getExceptionProperties(error) method, or undefined.');
  }
  provider = p;
}

/** A provider that throws or returns nothing adds no properties, as in the SDK. */
function extract(error: unknown): Record<string, unknown> | undefined {
  if (!provider) return undefined;
  try {
    const props = provider.getExceptionProperties(error);
    return props ? { ...props } : undefined;
  } catch {
    return undefined;
  }
}

/** Called by the activity wrapper when a handler throws; returns the value to rethrow. */
export function withExceptionProperties(error: unknown): unknown {
  const props = extract(error);
  if (!props) return error;
  const carrier = error instanceof Error ? error : new Error(String(error));
  try {
    Object.defineProperty(carrier, PROPERTIES, { value: props, enumerable: false, configurable: true });
  } catch {
    // frozen error object: the properties are lost, the failure itself is kept
  }
  return carrier;
}

export function exceptionPropertiesOf(error: unknown): Record<string, unknown> | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as { [PROPERTIES]?: Record<string, unknown> })[PROPERTIES];
}
