/**
 * A work item that fails on every delivery must not be retried for ever: after a bounded number
 * of attempts the orchestration fails with a clear error, or its messages are parked; other
 * instances keep running.
 */
import { Backend, Checkpoint, OrchestrationWorkItem } from '../../src/backend/backend';
import { MemoryBackend } from '../../src/backend/memory/memoryBackend';
import { DurableClient } from '../../src/client/durableClient';
import { DurableEngine, MAX_WORK_ITEM_ATTEMPTS } from '../../src/engine/engine';
import { OrchestrationContext } from '../../src/orchestration/context';
import { FunctionRegistry } from '../../src/runtime/registry';
import { waitForStatus } from '../support/testHub';

/** The memory backend with storage faults injected into the commits of chosen checkpoints. */
function faultyBackend(inner: MemoryBackend, fails: (item: OrchestrationWorkItem, checkpoint: Checkpoint) => boolean): Backend {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'completeOrchestrationWorkItem') {
        return async (item: OrchestrationWorkItem, checkpoint: Checkpoint) => {
          if (fails(item, checkpoint)) throw new Error(`injected storage fault for '${item.instanceId}'`);
          return target.completeOrchestrationWorkItem(item, checkpoint);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Echo', (x: unknown) => x);
  r.registerOrchestration('Echoes', function* (context: OrchestrationContext) {
    const a: unknown = yield context.df.callActivity('Echo', context.df.getInput());
    const b: unknown = yield context.df.callActivity('Echo', a);
    return b;
  });
  return r;
}

async function start(backend: Backend) {
  const engine = new DurableEngine(backend, registry(), { workerId: 'poison', maxConcurrentOrchestrations: 4, maxConcurrentActivities: 4 });
  await engine.start();
  return { engine, client: new DurableClient(backend) };
}

describe('poison work items', () => {
  test('an orchestration whose checkpoints keep failing ends Failed with the reason, after a bounded number of attempts', async () => {
    const memory = new MemoryBackend();
    let attempts = 0;
    // Every commit of 'stuck' after its first episode fails, as a storage rejection would.
    const backend = faultyBackend(memory, (item, checkpoint) => {
      const failing = item.instanceId === 'stuck' && item.history.length > 0 && checkpoint.state?.runtimeStatus !== 'Failed';
      if (failing) attempts++;
      return failing;
    });
    const { engine, client } = await start(backend);
    try {
      await client.startNew('Echoes', { instanceId: 'stuck', input: 1 });
      await client.startNew('Echoes', { instanceId: 'healthy', input: 2 });
      expect((await waitForStatus(client, 'healthy', 20_000)).output).toBe(2);
      const status = await waitForStatus(client, 'stuck', 60_000);
      expect(status.runtimeStatus).toBe('Failed');
      expect(String(status.output)).toContain(`failed ${MAX_WORK_ITEM_ATTEMPTS} times`);
      expect(String(status.output)).toContain('injected storage fault');
      expect(attempts).toBe(MAX_WORK_ITEM_ATTEMPTS);
      expect(memory.parked).toEqual([]);
    } finally {
      await engine.stop();
    }
  }, 90_000);

  test('when not even the failure can be written, the messages are parked with the reason and others keep running', async () => {
    const memory = new MemoryBackend();
    const backend = faultyBackend(memory, (item) => item.instanceId === 'hopeless');
    const { engine, client } = await start(backend);
    try {
      await client.startNew('Echoes', { instanceId: 'hopeless', input: 1 });
      const deadline = Date.now() + 60_000;
      while (memory.parked.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(memory.parked).toHaveLength(1);
      expect(memory.parked[0].reason).toContain(`failed ${MAX_WORK_ITEM_ATTEMPTS} times`);
      expect(memory.parked[0].message.instance.InstanceId).toBe('hopeless');
      await client.startNew('Echoes', { instanceId: 'after', input: 3 });
      expect((await waitForStatus(client, 'after', 20_000)).output).toBe(3);
    } finally {
      await engine.stop();
    }
  }, 90_000);
});
