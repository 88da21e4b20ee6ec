/**
 * Benchmark: wall time of orchestrations on an in-memory Azurite (started here on free ports).
 * Prints per-orchestration and per-activity costs of a 5-step chain run sequentially, and the
 * throughput of N chains started together.
 * Usage: npm run bench [-- <concurrentChains>]
 */
import { randomBytes } from 'crypto';
import { FunctionRegistry } from '../src/app/registry';
import { DurableClient } from '../src/client/durableClient';
import { DurableEngine } from '../src/engine/engine';
import { freePorts, startAzurite } from '../src/localhost/azurite';
import { OrchestrationContext } from '../src/orchestration/context';
import { DurableSettings } from '../src/config/settings';

const STEPS = 5;

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Echo', (x: number) => x + 1);
  r.registerOrchestration('Chain', function* (context: OrchestrationContext) {
    let x = 0;
    for (let i = 0; i < STEPS; i++) x = yield context.df.callActivity('Echo', x);
    return x;
  });
  return r;
}

async function waitDone(client: DurableClient, id: string): Promise<void> {
  for (;;) {
    const s = await client.getStatus(id);
    if (s && (s.runtimeStatus === 'Completed' || s.runtimeStatus === 'Failed')) {
      if (s.runtimeStatus === 'Failed') throw new Error(`instance ${id} failed: ${String(s.output)}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  const concurrent = Number(process.argv[2] ?? 20);
  process.env.DF_LOG_LEVEL = 'warn';
  const azurite = await startAzurite(await freePorts());
  const settings: DurableSettings = {
    hubName: `Bench${randomBytes(4).toString('hex')}`,
    connectionName: 'AzureWebJobsStorage',
    partitionCount: 4,
    controlQueueBatchSize: 32,
    controlQueueVisibilityTimeoutMs: 300_000,
    workItemQueueVisibilityTimeoutMs: 300_000,
    maxQueuePollingIntervalMs: 1_000,
    maxConcurrentActivityFunctions: 10,
    maxConcurrentOrchestratorFunctions: 10,
    leaseIntervalMs: 30_000,
    leaseRenewIntervalMs: 10_000,
    leaseAcquireIntervalMs: 10_000,
    workerId: 'bench',
  };
  const engine = new DurableEngine(settings, azurite.connectionString, registry());
  await engine.start();
  const client = new DurableClient(engine.hub);
  try {
    // Warm-up, then sequential chains: latency of one orchestration end to end.
    await waitDone(client, await client.startNew('Chain'));
    const runs = 10;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await waitDone(client, await client.startNew('Chain'));
    const sequentialMs = (performance.now() - t0) / runs;

    const t1 = performance.now();
    const ids = await Promise.all(Array.from({ length: concurrent }, () => client.startNew('Chain')));
    await Promise.all(ids.map((id) => waitDone(client, id)));
    const concurrentMs = performance.now() - t1;

    console.log(`5-step chain, sequential: ${sequentialMs.toFixed(1)} ms per orchestration, ${(sequentialMs / STEPS).toFixed(1)} ms per activity step (mean of ${runs})`);
    console.log(`${concurrent} chains at once: ${concurrentMs.toFixed(0)} ms total, ${((concurrent * STEPS) / (concurrentMs / 1000)).toFixed(1)} activity steps/s, ${(concurrentMs / (sequentialMs * concurrent)).toFixed(2)}x the time of running them one after another`);
  } finally {
    await engine.stop();
    await azurite.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
