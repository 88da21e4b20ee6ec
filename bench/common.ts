import { randomBytes } from 'crypto';
import { FunctionRegistry } from '../src/runtime/registry';
import { DurableClient } from '../src/client/durableClient';
import { DurableSettings } from '../src/config/settings';
import { DurableEngine } from '../src/engine/engine';
import { AzureStorageBackend } from '../src/backend/azureStorage/azureStorageBackend';
import { RunningAzurite, freePorts, startAzurite } from '../src/localhost/azurite';
import { FaultHook } from '../src/backend/azureStorage/faultPoints';

/** An in-memory Azurite and one engine on a fresh hub, for benchmark scripts. */
export interface BenchHub {
  client: DurableClient;
  engine: DurableEngine;
  backend: AzureStorageBackend;
  stop(): Promise<void>;
}

export async function startBenchHub(registry: FunctionRegistry, overrides: Partial<DurableSettings> = {}, faults?: FaultHook): Promise<BenchHub> {
  process.env.DF_LOG_LEVEL ??= 'warn';
  // BENCH_STORAGE: a connection string to use instead of a fresh emulator (to profile or log the
  // emulator on its own, or to measure against real storage).
  const external = process.env.BENCH_STORAGE;
  const azurite: RunningAzurite | undefined = external ? undefined : await startAzurite(await freePorts());
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
    ...overrides,
  };
  const backend = AzureStorageBackend.fromSettings(settings, external ?? azurite!.connectionString, faults);
  const engine = DurableEngine.fromSettings(backend, registry, settings);
  await engine.start();
  return {
    engine,
    backend,
    client: new DurableClient(backend),
    stop: async () => {
      await engine.stop();
      await azurite?.stop();
    },
  };
}

export async function waitDone(client: DurableClient, id: string): Promise<void> {
  for (;;) {
    const s = await client.tryGetStatus(id);
    if (s?.runtimeStatus === 'Completed') return;
    if (s?.runtimeStatus === 'Failed' || s?.runtimeStatus === 'Terminated') throw new Error(`instance ${id} ended ${s.runtimeStatus}: ${String(s.output)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
