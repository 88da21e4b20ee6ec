/**
 * Partition ownership through the `<hub>Partitions` table: workers started together all get
 * partitions, and a dead worker's unexpired rows do not make live workers take partitions from each other.
 */
import { TablePartitionManager } from '../../src/backend/azureStorage/tablePartitionManager';
import { TaskHub } from '../../src/backend/azureStorage/taskHub';
import { Logger } from '../../src/util/log';
import { storageConnection, uniqueHubName } from '../support/testHub';

const LEASE_MS = 5_000;
const ACQUIRE_MS = 500;

function capturingLog(lines: string[]): Logger {
  const keep = (m: string) => void lines.push(m);
  return { error: keep, warn: keep, info: keep, debug: () => undefined };
}

function manager(hub: TaskHub, workerId: string, lines: string[]): TablePartitionManager {
  return new TablePartitionManager(
    hub.storage,
    { workerId, leaseDurationMs: LEASE_MS, acquireIntervalMs: ACQUIRE_MS },
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

function disjoint(...lists: number[][]): boolean {
  const all = lists.flat();
  return new Set(all).size === all.length;
}

test('three workers started together each own their share; a dead worker\'s partitions go to the live ones, or to its replacement, without hand-overs between live workers', async () => {
  const hub = new TaskHub(storageConnection(), uniqueHubName('Parts'), 6);
  await hub.ensureCreated();
  const lines: string[] = [];
  const [a, b, c] = ['worker-a', 'worker-b', 'worker-c'].map((id) => manager(hub, id, lines));
  let d: TablePartitionManager | undefined;
  const overlaps: string[] = [];
  const watch = setInterval(() => {
    if (!disjoint(a.ownedPartitions, b.ownedPartitions, c.ownedPartitions)) overlaps.push(`${a.ownedPartitions}|${b.ownedPartitions}|${c.ownedPartitions}`);
  }, 20);
  try {
    await Promise.all([a.start(), b.start(), c.start()]);
    await until(() => [a, b, c].every((m) => m.ownedPartitions.length >= 1) && a.ownedPartitions.length + b.ownedPartitions.length + c.ownedPartitions.length === 6, 20_000, 'every worker to own a partition');
    await until(() => [a, b, c].every((m) => m.ownedPartitions.length === 2), 20_000, 'two partitions each');

    // C dies: its rows stay unexpired for a lease interval, then A and B take one of them each.
    const handOversBefore = lines.filter((l) => l.startsWith('Asked')).length;
    await c.halt();
    const dead = c.ownedPartitions;
    await until(() => a.ownedPartitions.length === 3 && b.ownedPartitions.length === 3, 20_000, 'A and B to own three partitions each');
    // Quiet for a while afterwards: no partition moves between the live workers.
    const settled = [a.ownedPartitions, b.ownedPartitions];
    await new Promise((r) => setTimeout(r, 5 * ACQUIRE_MS));
    expect([a.ownedPartitions, b.ownedPartitions]).toEqual(settled);
    expect(lines.filter((l) => l.startsWith('Asked')).length).toBe(handOversBefore);
    expect([...a.ownedPartitions, ...b.ownedPartitions].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(dead).toHaveLength(2);
    expect(overlaps.filter((o) => !o.endsWith(`|${dead}`))).toEqual([]);

    // B dies and a replacement D starts at once, as the platform would start one: D reserves B's rows
    // while they run out and takes them when they expire; A hands nothing over.
    const bPartitions = b.ownedPartitions;
    const reservedBefore = lines.filter((l) => l.startsWith('Reserved')).length;
    await b.halt();
    d = manager(hub, 'worker-d', lines);
    await d.start();
    await until(() => d!.ownedPartitions.length === 3, 20_000, 'D to own three partitions');
    await new Promise((r) => setTimeout(r, 5 * ACQUIRE_MS));
    expect(d.ownedPartitions).toEqual(bPartitions);
    expect(a.ownedPartitions).toEqual(settled[0]);
    expect(lines.filter((l) => l.startsWith('Asked')).length).toBe(handOversBefore);
    expect(lines.filter((l) => l.startsWith('Reserved')).length - reservedBefore).toBe(3);
  } finally {
    clearInterval(watch);
    await Promise.all([a.stop(), b.stop(), d?.stop()]);
  }
}, 90_000);
