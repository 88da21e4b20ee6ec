import { TableClient } from '@azure/data-tables';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { DurableClient } from '../../src/client/durableClient';
import { DurableSettings } from '../../src/config/settings';
import { DurableEngine } from '../../src/engine/engine';
import { OrchestrationContext } from '../../src/orchestration/context';
import { FunctionRegistry } from '../../src/runtime/registry';
import { storageConnection, testSettings, uniqueHubName, waitForStatus } from '../support/testHub';

/** The Functions host kills a worker about 5 s after asking it to stop. */
const HOST_GRACE_MS = 5_000;

async function until(predicate: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

/**
 * 'Long' blocks on its first run until the test lets it go (a job the worker cannot finish before
 * being killed); later runs answer at once with the attempt number.
 */
function longActivityRegistry(state: { runs: number; started: () => void; release: Promise<void> }): FunctionRegistry {
  const registry = new FunctionRegistry();
  registry.registerActivity('Long', async () => {
    const run = ++state.runs;
    if (run === 1) {
      state.started();
      await state.release;
    }
    return `run ${run}`;
  });
  registry.registerOrchestration('WaitsForLong', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('Long');
  });
  return registry;
}

describe('shutdown inside the host grace period', () => {
  test.each([
    ['partition table + app lease (the defaults)', { partitionManagement: 'table', useAppLease: true, appName: 'shutdown-test' }],
    ['legacy lease blobs', { partitionManagement: 'legacy', useAppLease: false }],
  ] as [string, Partial<DurableSettings>][])(
    '%s: stop() with a long-running activity returns in < 5 s, partitions released, the activity runs again on another worker at once',
    async (_, management) => {
      const hubName = uniqueHubName('Stop');
      let letGo!: () => void;
      let started!: () => void;
      const activityStarted = new Promise<void>((r) => (started = r));
      const state = { runs: 0, started, release: new Promise<void>((r) => (letGo = r)) };
      // Visibility timeouts of a minute: without the give-back the activity could not run again within the test's limits.
      const settingsFor = (workerId: string) =>
        testSettings(hubName, {
          workerId,
          workItemQueueVisibilityTimeoutMs: 60_000,
          controlQueueVisibilityTimeoutMs: 60_000,
          ...management,
        });
      const registry = longActivityRegistry(state);
      const settingsA = settingsFor('worker-a');
      const backendA = AzureStorageBackend.fromSettings(settingsA, storageConnection());
      const engineA = DurableEngine.fromSettings(backendA, registry, settingsA);
      const settingsB = settingsFor('worker-b');
      const backendB = AzureStorageBackend.fromSettings(settingsB, storageConnection());
      const engineB = DurableEngine.fromSettings(backendB, registry, settingsB);
      try {
        await engineA.start();
        expect(backendA.ownedPartitions).toEqual([0, 1, 2, 3]);
        const client = new DurableClient(backendA, registry);
        const id = await client.startNew('WaitsForLong');
        await activityStarted;

        const stopStarted = Date.now();
        await engineA.stop();
        const stopMs = Date.now() - stopStarted;
        expect(stopMs).toBeLessThan(HOST_GRACE_MS);

        // Ownership is released, not left to expire.
        expect(backendA.ownedPartitions).toEqual([]);
        if (management.partitionManagement === 'table') {
          const rows = TableClient.fromConnectionString(storageConnection(), `${hubName}Partitions`, { allowInsecureConnection: true });
          for await (const row of rows.listEntities<{ CurrentOwner?: string }>()) expect(row.CurrentOwner ?? null).toBeNull();
        } else {
          const leases = backendA.hub.storage.leases;
          for await (const blob of leases.listBlobsFlat({ prefix: 'default/' })) {
            expect(blob.properties.leaseState).not.toBe('leased');
          }
        }
        // The activity's message is visible again right away (not after the 60 s visibility timeout).
        const visibleAfterMs = await until(
          async () => (await backendA.hub.storage.workItems.peekMessages()).peekedMessageItems.length === 1,
          2_000,
          'the activity message to be visible',
        );
        expect(stopMs + visibleAfterMs).toBeLessThan(HOST_GRACE_MS + 2_000);

        // Another worker takes the partitions and the activity, and the orchestration completes with its run.
        const restarted = Date.now();
        await engineB.start();
        const status = await waitForStatus(new DurableClient(backendB, registry), id, 30_000);
        expect(status.runtimeStatus).toBe('Completed');
        expect(status.output).toBe('run 2');
        expect(Date.now() - restarted).toBeLessThan(15_000);

        // The first run finishing late on the stopped worker changes nothing (its answer is dropped).
        letGo();
        await new Promise((r) => setTimeout(r, 500));
        const history = await backendB.getHistory(id);
        expect(history.filter((e) => e.EventType === 5 /* TaskCompleted */).length).toBe(1);
        expect((await client.getStatus(id)).output).toBe('run 2');
      } finally {
        letGo();
        await engineB.stop();
        await engineA.stop();
      }
    },
    90_000,
  );
});
