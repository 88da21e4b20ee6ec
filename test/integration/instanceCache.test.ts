import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { Task } from '../../src/orchestration/tasks';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { DurableClient } from '../../src/client/durableClient';
import { EventType } from '../../src/history/events';
import { TestHub, startTestHub, storageConnection, testSettings, waitForStatus } from '../support/testHub';

/** How often the code of 'CountedChain' started running (a side effect only a test may have). */
let countedStarts = 0;

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerOrchestration('CountedChain', function* (context: OrchestrationContext) {
    countedStarts++;
    let x = 0;
    for (let i = 0; i < 10; i++) x = yield context.df.callActivity('Inc', x);
    return `${x} at ${context.df.currentUtcDateTime.toISOString()}`;
  });
  r.registerActivity('Inc', (x: number) => x + 1);
  r.registerOrchestration('Chain', function* (context: OrchestrationContext) {
    let x = context.df.getInput<number>() ?? 0;
    for (let i = 0; i < 10; i++) x = yield context.df.callActivity('Inc', x);
    return x;
  });
  r.registerOrchestration('IncThenWait', function* (context: OrchestrationContext) {
    const x: number = yield context.df.callActivity('Inc', 1);
    const y: number = yield context.df.waitForExternalEvent('go');
    return x + y;
  });
  r.registerOrchestration('Fan', function* (context: OrchestrationContext) {
    const tasks: Task[] = [];
    for (let i = 0; i < context.df.getInput<number>(); i++) tasks.push(context.df.callActivity('Inc', i));
    const results: number[] = yield context.df.Task.all(tasks);
    return results.reduce((a, b) => a + b, 0);
  });
  return r;
}

describe('instance cache of the Azure backend', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub(registry());
  });
  afterAll(async () => {
    await hub.stop();
  });

  test('a hot instance does not reload its history for each work item', async () => {
    const loads = jest.spyOn(hub.hub.history, 'load');
    const rowReads = jest.spyOn(hub.hub.instances, 'etagOf');
    try {
      const id = await hub.client.startNew('Chain', { input: 0 });
      const status = await waitForStatus(hub.client, id, 60_000);
      expect(status.output).toBe(10);
      // 11 work items; only the first one (the start) reads the history from storage, and the
      // Instances row's ETag comes from the worker's own last write.
      const ownLoads = loads.mock.calls.filter(([instanceId]) => instanceId === id).length;
      expect(ownLoads).toBeLessThanOrEqual(2);
      expect(rowReads.mock.calls.filter(([instanceId]) => instanceId === id).length).toBeLessThanOrEqual(2);
    } finally {
      loads.mockRestore();
      rowReads.mockRestore();
    }
  }, 90_000);

  test('history changed behind the worker (purged and started again elsewhere) is reloaded, not overwritten', async () => {
    const id = 'cache-purge-restart';
    await hub.client.startNew('Chain', { instanceId: id, input: 0 });
    expect((await waitForStatus(hub.client, id, 60_000)).output).toBe(10);
    // Another process purges the instance and starts it again with the same id: the worker's cached
    // history (and its sentinel ETag) is stale now.
    const other = new DurableClient(AzureStorageBackend.fromSettings(testSettings(hub.backend.hubName), storageConnection()));
    expect((await other.purgeInstanceHistory(id)).instancesDeleted).toBe(1);
    await other.startNew('Chain', { instanceId: id, input: 100 });
    const status = await waitForStatus(hub.client, id, 60_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(110);
    const history = await hub.backend.getHistory(id);
    expect(history.filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
    expect(history.filter((e) => e.EventType === EventType.TaskCompleted)).toHaveLength(10);
  }, 120_000);

  test("a hot orchestration's code resumes where it waits instead of replaying from the first event", async () => {
    countedStarts = 0;
    const id = await hub.client.startNew('CountedChain');
    const status = await waitForStatus(hub.client, id, 60_000);
    expect(status.runtimeStatus).toBe('Completed');
    // The clock the resumed code sees is the last episode's, as a full replay would give it.
    const history = await hub.backend.getHistory(id);
    const lastEpisode = history.filter((e) => e.EventType === EventType.OrchestratorStarted).pop()!;
    expect(status.output).toBe(`10 at ${new Date(lastEpisode.Timestamp).toISOString()}`);
    // 11 work items, one start of the code (a replay from scratch would start it 11 times).
    expect(countedStarts).toBeLessThanOrEqual(2);
  }, 90_000);

  test('an Instances row written behind the worker (stale cached ETag) is re-read, and the checkpoint still lands', async () => {
    const id = 'cache-row-behind';
    await hub.client.startNew('IncThenWait', { instanceId: id });
    // Wait until the activity's answer is applied: the worker has written the row and cached its ETag.
    for (let i = 0; i < 600; i++) {
      const history = await hub.backend.getHistory(id);
      if (history.some((e) => e.EventType === EventType.TaskCompleted)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 500));
    // Another writer merges the row: its ETag changes under the worker's cache.
    await hub.hub.instances.table.updateEntity({ partitionKey: id, rowKey: '', Touched: true }, 'Merge');
    await hub.client.raiseEvent(id, 'go', 40);
    const status = await waitForStatus(hub.client, id, 60_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(42);
  }, 90_000);

  test('a fan-out of 300 completes with every answer applied once, many per replay', async () => {
    const id = await hub.client.startNew('Fan', { input: 300 });
    const status = await waitForStatus(hub.client, id, 180_000);
    expect(status.output).toBe((300 * 301) / 2);
    const history = await hub.backend.getHistory(id);
    expect(history.filter((e) => e.EventType === EventType.TaskCompleted)).toHaveLength(300);
    // Answers that arrive while a replay runs are applied together by the next one.
    expect(history.filter((e) => e.EventType === EventType.OrchestratorStarted).length).toBeLessThan(60);
  }, 240_000);
});
