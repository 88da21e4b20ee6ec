/**
 * Bindings on durable functions (`extraInputs`, `extraOutputs`, `return`, `trigger` in the options of
 * df.app.activity / orchestration / entity) are refused, never ignored: these functions run inside
 * our engine, not as Functions host invocations, so the host would never read such an input or
 * write such an output (docs/adr/0011-bindings-on-durable-functions.md).
 */

/** The binding-related options of durable-functions' ActivityOptions / OrchestrationOptions (Partial<FunctionOptions>). */
export interface BindingOptions {
  extraInputs?: unknown[];
  extraOutputs?: unknown[];
  return?: unknown;
  trigger?: unknown;
}

export class UnsupportedBindingError extends Error {
  override readonly name = 'UnsupportedBindingError';
}

function describe(binding: unknown): string {
  if (!binding || typeof binding !== 'object') return JSON.stringify(binding) ?? String(binding);
  const b = binding as Record<string, unknown>;
  const target = ['path', 'queueName', 'tableName', 'connection'].map((k) => b[k]).find((v) => typeof v === 'string');
  return `${String(b.type ?? 'unknown')}${target ? ` '${String(target)}'` : ''}`;
}

/** Throws, naming the function and each binding, when the options declare any binding. */
export function refuseBindings(kind: 'activity' | 'orchestration' | 'entity', name: string, options: unknown): void {
  if (!options || typeof options !== 'object') return;
  const o = options as BindingOptions;
  const found: string[] = [];
  if (Array.isArray(o.extraInputs) && o.extraInputs.length) found.push(`extraInputs (${o.extraInputs.map(describe).join(', ')})`);
  if (Array.isArray(o.extraOutputs) && o.extraOutputs.length) found.push(`extraOutputs (${o.extraOutputs.map(describe).join(', ')})`);
  if (o.return !== undefined) found.push(`return (${describe(o.return)})`);
  if (o.trigger !== undefined) found.push(`trigger (${describe(o.trigger)})`);
  if (found.length === 0) return;
  const advice =
    kind === 'activity'
      ? 'Read and write the resource with its SDK inside the activity (e.g. @azure/storage-blob, @azure/storage-queue), ' +
        'or have the activity return the data and write it from an ordinary function.'
      : `A ${kind} must stay deterministic; do I/O in activities (with the resource's SDK).`;
  throw new UnsupportedBindingError(
    `df.app.${kind}('${name}') declares ${found.join(' and ')}, which durable-functions-node cannot honour: durable functions ` +
      `run in its engine, not as Functions host invocations, so the host never reads their inputs or writes their outputs. ${advice}`,
  );
}
