import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { EventType } from '../../src/history/events';
import { slowChainRegistry } from '../fixtures/slowChain';
import { startTestHub, storageConnection, uniqueHubName, waitForStatus, testSettings } from '../support/testHub';
import { DurableClient } from '../../src/client/durableClient';
import { TaskHub } from '../../src/backend/azureStorage/taskHub';
import { EntityId } from '../../src/entities/entityId';

const workerScript = path.join(__dirname, '../../dist/test/fixtures/worker.js');

function startWorker(hubName: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerScript, hubName], {
      env: { ...process.env, DF_TEST_STORAGE: storageConnection(), DF_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
}

async function completedSteps(hub: TaskHub, instanceId: string): Promise<number> {
  const history = await hub.history.load(instanceId);
  return history.events.filter((e) => e.EventType === EventType.TaskCompleted).length;
}

describe('crash recovery', () => {
  test('a worker killed mid-orchestration is replaced by a new engine that finishes the instance', async () => {
    const hubName = uniqueHubName('Crash');
    const worker = await startWorker(hubName);
    const backend = AzureStorageBackend.fromSettings(testSettings(hubName), storageConnection());
    const hub = backend.hub;
    const client = new DurableClient(backend);
    const steps = 8;
    const id = await client.startNew('SlowChain', { input: { steps, delayMs: 400 } });

    // Let it make real progress, then kill the worker without any chance to clean up.
    const deadline = Date.now() + 30_000;
    while ((await completedSteps(hub, id)) < 3) {
      if (Date.now() > deadline) throw new Error('worker made no progress');
      await new Promise((r) => setTimeout(r, 100));
    }
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    const before = await client.tryGetStatus(id);
    expect(before?.runtimeStatus).toBe('Running');

    const replacement = await startTestHub(slowChainRegistry(), { hubName, controlQueueVisibilityTimeoutMs: 20_000, workItemQueueVisibilityTimeoutMs: 20_000 });
    try {
      const status = await waitForStatus(replacement.client, id, 90_000);
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toEqual(Array.from({ length: steps }, (_, i) => (i + 1) * 10));
      // Exactly-once progress: one TaskScheduled and one TaskCompleted per step in the history.
      const history = await hub.history.load(id);
      const scheduled = history.events.filter((e) => e.EventType === EventType.TaskScheduled).map((e) => e.EventId);
      const completed = history.events.filter((e) => e.EventType === EventType.TaskCompleted).length;
      expect(scheduled).toEqual(Array.from({ length: steps }, (_, i) => i));
      expect(completed).toBe(steps);
    } finally {
      await replacement.stop();
    }
  }, 150_000);

  test('a worker killed mid-batch of entity operations loses and duplicates nothing', async () => {
    const hubName = uniqueHubName('CrashE');
    const worker = await startWorker(hubName);
    const backend = AzureStorageBackend.fromSettings(testSettings(hubName), storageConnection());
    const client = new DurableClient(backend);
    const counter = new EntityId('SlowCounter', 'k');
    await Promise.all(Array.from({ length: 500 }, (_, i) => client.signalEntity(counter, 'add', i + 1)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = (await client.readEntityState<number>(counter)).entityState ?? 0;
      // The first batch is committed; the kill lands while the next ones run (10 ms per operation).
      if (state > 0) break;
      if (Date.now() > deadline) throw new Error('worker made no progress on the entity');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 700));
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    const partial = (await client.readEntityState<number>(counter)).entityState!;
    expect(partial).toBeLessThan(125250);

    const replacement = await startTestHub(slowChainRegistry(), { hubName, controlQueueVisibilityTimeoutMs: 20_000, workItemQueueVisibilityTimeoutMs: 20_000 });
    try {
      const end = Date.now() + 90_000;
      let value = partial;
      while (value !== 125250 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 200));
        value = (await client.readEntityState<number>(counter)).entityState!;
      }
      expect(value).toBe(125250);
      // Nothing applied twice arrives later either.
      await new Promise((r) => setTimeout(r, 2000));
      expect((await client.readEntityState<number>(counter)).entityState).toBe(125250);
    } finally {
      await replacement.stop();
    }
  }, 150_000);
});
