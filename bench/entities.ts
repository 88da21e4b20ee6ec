/**
 * Benchmark: entity operations per second on an in-memory Azurite: N signals to one counter
 * (batched), and N signals spread over 10 counters. Usage: node dist/bench/entities.js [signals]
 */
import { FunctionRegistry } from '../src/runtime/registry';
import { EntityContext } from '../src/entities/context';
import { EntityId } from '../src/entities/entityId';
import { DurableClient } from '../src/client/durableClient';
import { startBenchHub } from './common';

async function run(client: DurableClient, n: number, keys: number): Promise<number> {
  const prefix = `k${Date.now()}`;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => client.signalEntity(new EntityId('Counter', `${prefix}-${i % keys}`), 'add', 1)));
  for (;;) {
    let total = 0;
    for (let k = 0; k < keys; k++) total += ((await client.readEntityState<number>(new EntityId('Counter', `${prefix}-${k}`))).entityState ?? 0);
    if (total === n) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  const r = new FunctionRegistry();
  r.registerEntity('Counter', (context: EntityContext) => {
    context.df.setState(((context.df.getState(() => 0) as number) ?? 0) + context.df.getInput<number>()!);
  });
  const { client, stop } = await startBenchHub(r);
  try {
    await run(client, 50, 1);
    const one = await run(client, n, 1);
    const ten = await run(client, n, 10);
    console.log(`${n} signals to one entity: ${one.toFixed(0)} ms, ${(n / (one / 1000)).toFixed(0)} operations/s (send + apply)`);
    console.log(`${n} signals over 10 entities: ${ten.toFixed(0)} ms, ${(n / (ten / 1000)).toFixed(0)} operations/s, ${(one / ten).toFixed(2)}x the single-entity rate`);
  } finally {
    await stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
