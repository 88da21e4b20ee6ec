/**
 * Benchmark: a 5-step chain on an in-memory Azurite, run sequentially (latency) and N at once
 * (throughput). Usage: npm run bench -- [concurrentChains]
 */
import { FunctionRegistry } from '../src/runtime/registry';
import { OrchestrationContext } from '../src/orchestration/context';
import { startBenchHub, waitDone } from './common';

const STEPS = 5;

async function main(): Promise<void> {
  const concurrent = Number(process.argv[2] ?? 20);
  const r = new FunctionRegistry();
  r.registerActivity('Echo', (x: number) => x + 1);
  r.registerOrchestration('Chain', function* (context: OrchestrationContext) {
    let x = 0;
    for (let i = 0; i < STEPS; i++) x = yield context.df.callActivity('Echo', x);
    return x;
  });
  const { client, stop } = await startBenchHub(r);
  try {
    await waitDone(client, await client.startNew('Chain'));
    const runs = 10;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await waitDone(client, await client.startNew('Chain'));
    const sequentialMs = (performance.now() - t0) / runs;
    const t1 = performance.now();
    const ids = await Promise.all(Array.from({ length: concurrent }, () => client.startNew('Chain')));
    await Promise.all(ids.map((id) => waitDone(client, id)));
    const concurrentMs = performance.now() - t1;
    console.log(`5-step chain, sequential: ${sequentialMs.toFixed(1)} ms per orchestration, ${(sequentialMs / STEPS).toFixed(1)} ms per step (mean of ${runs})`);
    console.log(
      `${concurrent} chains at once: ${concurrentMs.toFixed(0)} ms, ${((concurrent * STEPS) / (concurrentMs / 1000)).toFixed(1)} steps/s, ` +
        `${(concurrentMs / (sequentialMs * concurrent)).toFixed(2)}x the time of running them one after another`,
    );
  } finally {
    await stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
