/**
 * Partition ownership through the legacy `default/` lease blobs: a worker that starts after the others
 * took everything still gets its share, and a dead worker's unexpired leases neither count in the fair
 * share nor make live workers take partitions from each other.
 */
import { PartitionLeaseManager } from '../../src/backend/azureStorage/partitionLeases';
import { TaskHub } from '../../src/backend/azureStorage/taskHub';
import { Logger } from '../../src/util/log';
import { storageConnection, uniqueHubName } from '../support/testHub';

/** The shortest lease a blob allows. */
const LEASE_MS = 15_000;
const RENEW_MS = 1_000;
const ACQUIRE_MS = 500;

function capturingLog(lines: string[]): Logger {
  const keep = (m: string) => void lines.push(m);
  return { error: keep, warn: keep, info: keep, debug: () => undefined };
}

function manager(hub: TaskHub, workerId: string, lines: string[]): PartitionLeaseManager {
  return new PartitionLeaseManager(
    hub.storage,
    { workerId, leaseDurationMs: LEASE_MS, renewIntervalMs: RENEW_MS, acquireIntervalMs: ACQUIRE_MS },
    { acquired: () => undefined, lost: async () => undefined },
    capturingLog(lines),
  );
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Partitions taken from a worker that still renews (not from one that stopped). */
const steals = (lines: string[]) => lines.filter((l) => l.startsWith('Taking partition') && !l.endsWith('stopped renewing.')).length;

test('legacy leases: a late worker gets a partition; a dead worker\'s leases go to live workers without steals between them', async () => {
  const hub = new TaskHub(storageConnection(), uniqueHubName('Leases'), 4);
  await hub.ensureCreated();
  const lines: string[] = [];
  const live: PartitionLeaseManager[] = [];
  const overlaps: string[] = [];
  const watch = setInterval(() => {
    const all = live.flatMap((m) => m.ownedPartitions);
    if (new Set(all).size !== all.length) overlaps.push(live.map((m) => m.ownedPartitions.join(',')).join('|'));
  }, 20);
  const begin = async (id: string) => {
    const m = manager(hub, id, lines);
    live.push(m);
    await m.start();
    return m;
  };
  const die = async (m: PartitionLeaseManager) => {
    live.splice(live.indexOf(m), 1);
    await m.halt();
  };
  const total = () => live.reduce((n, m) => n + m.ownedPartitions.length, 0);
  try {
    const a = await begin('worker-a');
    expect(a.ownedPartitions).toEqual([0, 1, 2, 3]);
    const b = await begin('worker-b');
    await until(() => a.ownedPartitions.length === 2 && b.ownedPartitions.length === 2, 20_000, 'A and B to own two each');
    // C finds nothing free and both others at the (rounded-up) share of two: it still takes one.
    const c = await begin('worker-c');
    await until(() => c.ownedPartitions.length === 1 && total() === 4, 20_000, 'C to own a partition');
    await new Promise((r) => setTimeout(r, 4 * ACQUIRE_MS));
    expect(live.map((m) => m.ownedPartitions.length).sort()).toEqual([1, 1, 2]);

    // A worker with one partition dies and a replacement starts at once: the replacement waits for the dead
    // worker's lease to expire instead of taking one from a live worker.
    const stealsBefore = steals(lines);
    overlaps.length = 0;
    const single = [a, b, c].find((m) => m.ownedPartitions.length === 1)!;
    const orphan = single.ownedPartitions;
    await die(single);
    const d = await begin('worker-d');
    await until(() => d.ownedPartitions.length === 1 && total() === 4, 40_000, 'D to take the dead worker\'s partition');
    expect(d.ownedPartitions).toEqual(orphan);

    // The worker with two partitions dies, no replacement: the two live ones take one each.
    const double = live.find((m) => m.ownedPartitions.length === 2)!;
    await die(double);
    await until(() => live.every((m) => m.ownedPartitions.length === 2), 40_000, 'the two live workers to own two each');
    await new Promise((r) => setTimeout(r, 4 * ACQUIRE_MS));
    expect(live.every((m) => m.ownedPartitions.length === 2)).toBe(true);
    expect(steals(lines) - stealsBefore).toBe(0);
    expect(overlaps).toEqual([]);
  } finally {
    clearInterval(watch);
    await Promise.all(live.map((m) => m.stop()));
  }
}, 150_000);
