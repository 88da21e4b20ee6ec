/**
 * A worker that finishes a work item after its partition moved to another worker (a pause, a slow
 * storage call) must not write its older status over the newer one.
 */
import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { EventType } from '../../src/history/events';
import { startTestHub, uniqueHubName, waitForStatus } from '../support/testHub';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Twice', (x: number) => x * 2);
  r.registerOrchestration('Doubles', function* (context: OrchestrationContext) {
    const x: number = yield context.df.callActivity('Twice', context.df.getInput<number>());
    return x;
  });
  return r;
}

test('a paused worker resuming after its partition was taken does not write Running over Completed', async () => {
  const hubName = uniqueHubName('Stale');
  const settings = { hubName, partitionCount: 1, controlQueueVisibilityTimeoutMs: 2_000 };
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let paused = false;
  let resumedCommit!: () => void;
  const committed = new Promise<void>((resolve) => (resumedCommit = resolve));
  // Worker A stops for a while between its history append and its Instances-row write (Running).
  const a = await startTestHub(registry(), settings, async (point, { instanceId }) => {
    if (instanceId !== 'stale') return;
    if (point === 'checkpoint.afterHistory' && !paused) {
      paused = true;
      await gate;
    } else if (point === 'checkpoint.committed' && paused) {
      resumedCommit();
    }
  });
  const b = await startTestHub(registry(), settings);
  try {
    await a.client.startNew('Doubles', { instanceId: 'stale', input: 21 });
    while (!paused) await new Promise((r) => setTimeout(r, 50));
    // A's lease is taken from it (as when it stops renewing); B takes the partition and finishes the instance.
    const lease = a.hub.storage.leases.getBlockBlobClient(`default/${a.hub.storage.names.controlQueue(0)}`);
    await lease.getBlobLeaseClient().breakLease(0);
    const done = await waitForStatus(b.client, 'stale', 60_000);
    expect(done.runtimeStatus).toBe('Completed');
    expect(b.backend.ownedPartitions).toEqual([0]);

    release();
    await committed;
    const row = await a.hub.instances.get('stale');
    expect(row?.runtimeStatus).toBe('Completed');
    expect(row?.output).toBe('42');
    const history = await a.backend.getHistory('stale');
    expect(history.filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
  } finally {
    release();
    await Promise.all([a.stop(), b.stop()]);
  }
}, 120_000);
