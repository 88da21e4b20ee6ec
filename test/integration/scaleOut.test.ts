import { FunctionRegistry } from '../../src/runtime/registry';
import { DurableEngine } from '../../src/engine/engine';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { OrchestrationContext } from '../../src/orchestration/context';
import { storageConnection, testSettings, uniqueHubName, waitForStatus } from '../support/testHub';
import { DurableClient } from '../../src/client/durableClient';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Work', (n: number) => n * 2);
  r.registerOrchestration('Job', function* (context: OrchestrationContext) {
    const a = yield context.df.callActivity('Work', context.df.getInput<number>());
    return yield context.df.callActivity('Work', a);
  });
  return r;
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('scale-out across workers', () => {
  test('two workers split the partitions, both process, and a stopping worker hands its partitions over', async () => {
    const hubName = uniqueHubName('Scale');
    const worker = (workerId: string) => {
      const settings = testSettings(hubName, { workerId });
      const backend = AzureStorageBackend.fromSettings(settings, storageConnection());
      const engine = DurableEngine.fromSettings(backend, registry(), settings);
      return { backend, engine, ownedPartitions: () => backend.ownedPartitions, start: () => engine.start(), stop: () => engine.stop() };
    };
    const a = worker('worker-a');
    const b = worker('worker-b');
    await a.start();
    expect(a.ownedPartitions()).toEqual([0, 1, 2, 3]);
    await b.start();
    try {
      await until(() => a.ownedPartitions().length === 2 && b.ownedPartitions().length === 2, 30_000, 'an even split');
      expect([...a.ownedPartitions(), ...b.ownedPartitions()].sort()).toEqual([0, 1, 2, 3]);

      const client = new DurableClient(a.backend);
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => client.startNew('Job', { input: i })));
      const statuses = await Promise.all(ids.map((id) => waitForStatus(client, id, 30_000)));
      expect(statuses.map((s) => s.output)).toEqual(Array.from({ length: 20 }, (_, i) => i * 4));

      await b.stop();
      await until(() => a.ownedPartitions().length === 4, 30_000, 'worker A to take over all partitions');
      const after = await client.startNew('Job', { input: 5 });
      expect((await waitForStatus(client, after, 30_000)).output).toBe(20);
    } finally {
      await b.stop();
      await a.stop();
    }
  }, 120_000);
});
