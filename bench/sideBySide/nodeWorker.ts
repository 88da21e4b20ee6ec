/**
 * Our engine as a benchmark process, speaking the same JSON-lines protocol as the .NET harness
 * (test/interop/dotnet/Program.cs): one request per stdin line, one reply per stdout line. It hosts the
 * same trivial functions as test/interop/dotnet/Bench.cs, so both engines run identical workloads.
 * Usage: INTEROP_STORAGE=<connection string> node dist/bench/sideBySide/nodeWorker.js --hub H [options]
 */
import * as readline from 'readline';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { DurableClient } from '../../src/client/durableClient';
import { DurableSettings } from '../../src/config/settings';
import { DurableEngine } from '../../src/engine/engine';
import { EntityContext } from '../../src/entities/context';
import { EntityId } from '../../src/entities/entityId';
import { OrchestrationContext } from '../../src/orchestration/context';
import { Task } from '../../src/orchestration/tasks';
import { FunctionRegistry } from '../../src/runtime/registry';

function benchRegistry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Inc', (x: number | null) => (x ?? 0) + 1);
  r.registerOrchestration('BenchChain', function* (context: OrchestrationContext) {
    let x = 0;
    const steps = context.df.getInput<number>() ?? 5;
    for (let i = 0; i < steps; i++) x = yield context.df.callActivity('Inc', x);
    return x;
  });
  r.registerOrchestration('BenchFanOut', function* (context: OrchestrationContext) {
    const n = context.df.getInput<number>() ?? 0;
    const tasks: Task[] = [];
    for (let i = 0; i < n; i++) tasks.push(context.df.callActivity('Inc', i));
    const results: number[] = yield context.df.Task.all(tasks);
    return results.length;
  });
  r.registerOrchestration('Noop', function* (context: OrchestrationContext) {
    return context.df.getInput();
  });
  r.registerEntity('counter', (context: EntityContext) => {
    context.df.setState((context.df.getState(() => 0) as number) + (context.df.getInput<number>() ?? 1));
  });
  return r;
}

function parseArgs(argv: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < argv.length; i += 2) map.set(argv[i].replace(/^--/, ''), argv[i + 1]);
  return map;
}

async function forEachLimit(count: number, parallel: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

type Request = { id: number; op: string } & Record<string, unknown>;

class NodeBenchWorker {
  private readonly registry = benchRegistry();
  private readonly client: DurableClient;
  private readonly backend: AzureStorageBackend;
  private engine: DurableEngine | undefined;

  constructor(private readonly settings: DurableSettings, private readonly connectionString: string) {
    this.backend = AzureStorageBackend.fromSettings(settings, connectionString);
    this.client = new DurableClient(this.backend);
  }

  async execute(request: Request): Promise<unknown> {
    switch (request.op) {
      case 'createHub':
        await this.backend.createIfNotExists();
        return null;
      case 'startWorker':
        if (this.engine) throw new Error('worker already started');
        // The engine shares the client's backend, as an app's starter function and its worker do.
        this.engine = DurableEngine.fromSettings(this.backend, this.registry, this.settings);
        await this.engine.start();
        return null;
      case 'stopWorker':
        await this.engine?.stop();
        this.engine = undefined;
        return null;
      case 'create': {
        const input = typeof request.input === 'string' ? JSON.parse(request.input) : undefined;
        const id = await this.client.startNew(String(request.name), { instanceId: request.instanceId as string | undefined, input });
        return { InstanceId: id };
      }
      case 'createMany': {
        const input = typeof request.input === 'string' ? JSON.parse(request.input) : undefined;
        const prefix = String(request.prefix);
        await forEachLimit(Number(request.count), 50, async (i) => {
          await this.client.startNew(String(request.name), { instanceId: `${prefix}-${String(i).padStart(6, '0')}`, input });
        });
        return null;
      }
      case 'entityBench':
        return this.entityBench(String(request.prefix), Number(request.entities), Number(request.signals), Number(request.timeoutMs ?? 600_000));
      case 'memory':
        return { rssMb: process.memoryUsage().rss / 1048576, peakRssMb: process.resourceUsage().maxRSS / 1024 };
      default:
        throw new Error(`unknown op '${request.op}'`);
    }
  }

  /** Signals add(1) `signals` times over `entities` counters; milliseconds until all are applied (-1 on timeout). */
  private async entityBench(prefix: string, entities: number, signals: number, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    await forEachLimit(signals, 50, (i) => this.client.signalEntity(new EntityId('counter', `${prefix}-${i % entities}`), 'add', 1));
    while (performance.now() - t0 < timeoutMs) {
      let total = 0;
      for (let k = 0; k < entities; k++) total += (await this.client.readEntityState<number>(new EntityId('counter', `${prefix}-${k}`))).entityState ?? 0;
      if (total >= signals) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 50));
    }
    return -1;
  }

  async stop(): Promise<void> {
    await this.engine?.stop();
  }
}

async function main(): Promise<void> {
  process.env.DF_LOG_LEVEL ??= 'warn';
  const args = parseArgs(process.argv.slice(2));
  const connectionString = process.env.INTEROP_STORAGE;
  if (!connectionString) throw new Error('INTEROP_STORAGE is not set');
  const int = (key: string, fallback: number) => Number(args.get(key) ?? fallback);
  const settings: DurableSettings = {
    hubName: args.get('hub') ?? 'BenchHub',
    connectionName: 'AzureWebJobsStorage',
    partitionCount: int('partitions', 4),
    controlQueueBatchSize: 32,
    controlQueueVisibilityTimeoutMs: 300_000,
    workItemQueueVisibilityTimeoutMs: 300_000,
    maxQueuePollingIntervalMs: int('max-polling-ms', 30_000),
    maxConcurrentActivityFunctions: int('max-activities', 10),
    maxConcurrentOrchestratorFunctions: int('max-orchestrations', 10),
    leaseIntervalMs: 15_000,
    leaseRenewIntervalMs: 5_000,
    leaseAcquireIntervalMs: 2_000,
    workerId: args.get('worker-id') ?? `node-${process.pid}`,
  };
  const worker = new NodeBenchWorker(settings, connectionString);
  const write = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
  write({ event: 'ready' });
  const pending: Promise<void>[] = [];
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const request = JSON.parse(line) as Request;
    pending.push(
      worker.execute(request).then(
        (result) => void write({ id: request.id, ok: true, result: result ?? null }),
        (e: Error) => void write({ id: request.id, ok: false, error: e.stack ?? e.message }),
      ),
    );
  }
  await Promise.all(pending);
  await worker.stop();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
