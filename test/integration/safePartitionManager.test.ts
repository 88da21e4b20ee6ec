/**
 * The "safe" blob partition manager (intent/ + ownership/ leases, DT.AzureStorage's SafePartitionManager):
 * workers balance on intent leases, but poll a control queue only while holding its ownership lease,
 * which passes to the new intent holder only after the old owner has stopped and drained the queue.
 */
import { SafePartitionManager } from '../../src/backend/azureStorage/safePartitionManager';
import { TaskHub } from '../../src/backend/azureStorage/taskHub';
import { Logger } from '../../src/util/log';
import { storageConnection, uniqueHubName } from '../support/testHub';

const LEASE_MS = 15_000;
const RENEW_MS = 1_000;
const ACQUIRE_MS = 500;
/** How long a worker takes to drain a queue it was told to give up. */
const DRAIN_MS = 2_000;

const quiet: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('safe manager: intent and ownership blobs; a hand-over never lets two workers poll one queue', async () => {
  const hub = new TaskHub(storageConnection(), uniqueHubName('Safe'), 4);
  await hub.ensureCreated();
  /** Partitions each worker is polling, as its listener sees them (a queue counts until its drain ends). */
  const polling = new Map<string, Set<number>>();
  const overlaps: string[] = [];
  const check = () => {
    const all = [...polling.values()].flatMap((s) => [...s]);
    if (new Set(all).size !== all.length) overlaps.push(JSON.stringify([...polling].map(([w, s]) => [w, [...s]])));
  };
  const watch = setInterval(check, 20);
  const worker = (id: string) => {
    const set = new Set<number>();
    polling.set(id, set);
    return new SafePartitionManager(
      hub.storage,
      { workerId: id, leaseDurationMs: LEASE_MS, renewIntervalMs: RENEW_MS, acquireIntervalMs: ACQUIRE_MS },
      {
        acquired: (p) => {
          set.add(p);
          check();
        },
        lost: async (p) => {
          await new Promise((r) => setTimeout(r, DRAIN_MS));
          set.delete(p);
        },
      },
      quiet,
    );
  };
  const a = worker('A');
  const b = worker('B');
  try {
    await a.start();
    await until(() => a.ownedPartitions.length === 4, 10_000, 'A to own all four partitions');
    const blobs: string[] = [];
    for await (const blob of hub.storage.leases.listBlobsFlat()) blobs.push(blob.name);
    const queues = [0, 1, 2, 3].map((p) => hub.storage.names.controlQueue(p));
    expect(blobs.sort()).toEqual(['taskhub.json', ...queues.map((q) => `intent/${q}`), ...queues.map((q) => `ownership/${q}`)].sort());
    const doc = JSON.parse((await hub.storage.leases.getBlockBlobClient(`ownership/${queues[0]}`).downloadToBuffer()).toString('utf8'));
    expect(doc).toMatchObject({ PartitionId: queues[0], Owner: 'A', Epoch: 1 });

    await b.start();
    // B takes intents from A; ownership follows only after A's drain.
    await until(() => b.ownedPartitions.length === 2 && a.ownedPartitions.length === 2, 60_000, 'a 2/2 split');
    await until(() => polling.get('A')!.size === 2 && polling.get('B')!.size === 2, 10_000, 'pollers to settle');
    expect(overlaps).toEqual([]);

    // A graceful stop hands everything to B, again without overlap.
    await a.stop();
    await until(() => b.ownedPartitions.length === 4, 60_000, 'B to own all four');
    expect(polling.get('A')!.size).toBe(0);
    expect(overlaps).toEqual([]);
  } finally {
    clearInterval(watch);
    await Promise.all([a.stop(), b.stop()]);
  }
}, 150_000);
