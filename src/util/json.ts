/** JSON payloads as the task hub stores them: a JSON text, or null for "no value". */

export function toJsonText(value: unknown): string | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : text;
}

export function fromJsonText(text: string | null | undefined, what = 'payload'): unknown {
  if (text === null || text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`The ${what} is not valid JSON: ${(e as Error).message}`);
  }
}
