import { fromJsonText } from '../util/json';

/** DurableTask passes activity arguments as a JSON array; Durable Functions sends one argument. */
export function activityInputText(input: unknown): string {
  return JSON.stringify([input === undefined ? null : input]);
}

/** The argument of a TaskScheduled input written as an argument array (by us or by .NET). */
export function activityInputValue(text: string | null, what: string): unknown {
  const parsed = fromJsonText(text, what);
  return Array.isArray(parsed) ? (parsed.length === 0 ? undefined : parsed[0]) : parsed;
}
