import { FunctionInput } from '@azure/functions';
import { createHash } from 'crypto';

/** Binding type of the durable client input; never sent to the Functions host (see hostIntegration). */
export const DURABLE_CLIENT_BINDING = 'durableClient';

export interface DurableClientInput extends FunctionInput {
  type: typeof DURABLE_CLIENT_BINDING;
  taskHub?: string;
  connectionName?: string;
}

/** `df.input.durableClient()`: marks a function as a durable client, as in durable-functions 3.x. */
export function durableClient(options: { taskHub?: string; connectionName?: string } = {}): DurableClientInput {
  const body = { ...options, type: DURABLE_CLIENT_BINDING } as const;
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 10);
  return { ...body, name: `${DURABLE_CLIENT_BINDING}Input${hash}` };
}

export const input = { durableClient };
