import { leaseBlob } from './partitionLeases';
import { PartitionManagementKind } from '../../config/settings';
import { odata } from '@azure/data-tables';
import { HubOverview, PartitionOverview, ThroughputMinute } from '../hubInfo';
import { TaskHub } from './taskHub';

const THROUGHPUT_MINUTES = 10;
const MAX_THROUGHPUT_ROWS = 50_000;

const statusOf = (e: unknown) => (e as { statusCode?: number }).statusCode;

async function queueDepth(queue: { getProperties(): Promise<{ approximateMessagesCount?: number }> }): Promise<number | null> {
  try {
    return (await queue.getProperties()).approximateMessagesCount ?? 0;
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
}

async function readJsonBlob(download: () => Promise<Buffer>): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse((await download()).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    if (statusOf(e) === 404 || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

/** A partition as the `<hub>Partitions` table describes it (the default manager, as in DurableTask.AzureStorage 2.x). */
async function tablePartitionOverview(hub: TaskHub, partition: number, rows: Map<string, Record<string, unknown>>): Promise<PartitionOverview> {
  const controlQueue = hub.storage.names.controlQueue(partition);
  const row = rows.get(controlQueue);
  const owner = typeof row?.CurrentOwner === 'string' && row.CurrentOwner ? row.CurrentOwner : null;
  const expires = row?.ExpiresAt ? new Date(String(row.ExpiresAt instanceof Date ? row.ExpiresAt.toISOString() : row.ExpiresAt)).getTime() : 0;
  return {
    partition,
    controlQueue,
    queueDepth: await queueDepth(hub.storage.account.queues.getQueueClient(controlQueue)),
    owner,
    // The table's words mapped onto the blob lease states the dashboard shows.
    leaseState: !row ? 'missing' : !owner ? 'available' : expires > Date.now() ? 'leased' : 'expired',
    epoch: null,
  };
}

async function partitionTableRows(hub: TaskHub): Promise<Map<string, Record<string, unknown>>> {
  const rows = new Map<string, Record<string, unknown>>();
  try {
    for await (const row of hub.storage.account.table(hub.storage.names.partitionsTable).listEntities<Record<string, unknown>>()) rows.set(String(row.rowKey), row);
  } catch (e) {
    if (statusOf(e) !== 404) throw e;
  }
  return rows;
}

/** A partition as its lease blob describes it (`default/` for the legacy manager, `ownership/` for the safe one). */
async function partitionOverview(hub: TaskHub, partition: number, directory: 'default' | 'ownership'): Promise<PartitionOverview> {
  const storage = hub.storage;
  const controlQueue = storage.names.controlQueue(partition);
  const blob = leaseBlob(storage, directory, partition);
  const [depth, props, doc] = await Promise.all([
    queueDepth(storage.account.queues.getQueueClient(controlQueue)),
    blob.getProperties().catch((e) => {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }),
    readJsonBlob(() => blob.downloadToBuffer()),
  ]);
  const owner = typeof doc?.Owner === 'string' && doc.Owner ? doc.Owner : null;
  return {
    partition,
    controlQueue,
    queueDepth: depth,
    owner: props?.leaseState === 'leased' || props?.leaseState === 'expired' ? owner : null,
    leaseState: props ? (props.leaseState ?? 'available') : 'missing',
    epoch: typeof doc?.Epoch === 'number' ? doc.Epoch : null,
  };
}

/** Instances started and finished per minute over the last minutes (entities excluded). */
async function throughput(hub: TaskHub, now: Date): Promise<HubOverview['throughput']> {
  const firstMinute = Math.floor(now.getTime() / 60_000) - (THROUGHPUT_MINUTES - 1);
  const since = new Date(firstMinute * 60_000);
  const minutes: ThroughputMinute[] = Array.from({ length: THROUGHPUT_MINUTES }, (_, i) => ({
    minute: new Date((firstMinute + i) * 60_000).toISOString(),
    started: 0,
    completed: 0,
    failed: 0,
    terminated: 0,
  }));
  const bucket = (value: unknown): ThroughputMinute | undefined => {
    if (value === undefined || value === null) return undefined;
    const time = value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
    return minutes[Math.floor(time / 60_000) - firstMinute];
  };
  const filter = odata`(CreatedTime ge ${since} or LastUpdatedTime ge ${since})` + " and (PartitionKey lt '@' or PartitionKey ge 'A')";
  let rowsRead = 0;
  try {
    const pages = hub.instances.table
      .listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['RuntimeStatus', 'CreatedTime', 'CompletedTime', 'LastUpdatedTime'] } })
      .byPage({ maxPageSize: 1000 });
    for await (const page of pages) {
      for (const row of page) {
        rowsRead++;
        const started = bucket(row.CreatedTime);
        if (started) started.started++;
        const finished = bucket(row.CompletedTime ?? row.LastUpdatedTime);
        if (!finished) continue;
        if (row.RuntimeStatus === 'Completed') finished.completed++;
        else if (row.RuntimeStatus === 'Failed') finished.failed++;
        else if (row.RuntimeStatus === 'Terminated') finished.terminated++;
      }
      if (page.continuationToken && rowsRead >= MAX_THROUGHPUT_ROWS) return { minutes, rowsRead, complete: false };
    }
  } catch (e) {
    if (statusOf(e) !== 404) throw e;
  }
  return { minutes, rowsRead, complete: true };
}

/**
 * What the task hub looks like right now: control-queue partitions with their lease owners and
 * depths, the work-item queue, the workers that hold leases, and recent throughput. Read-only.
 */
export async function readHubOverview(hub: TaskHub, partitionManagement: PartitionManagementKind = 'table'): Promise<HubOverview> {
  const now = new Date();
  const info = await readJsonBlob(() => hub.storage.leases.getBlockBlobClient('taskhub.json').downloadToBuffer());
  // taskhub.json records the count the hub was created with; it wins over this app's setting.
  const partitionCount = typeof info?.PartitionCount === 'number' && info.PartitionCount >= 1 && info.PartitionCount <= 16 ? info.PartitionCount : hub.storage.partitionCount;
  const [partitions, workItemQueueDepth, recent] = await Promise.all([
    partitionManagement === 'table'
      ? partitionTableRows(hub).then((rows) => Promise.all(Array.from({ length: partitionCount }, (_, i) => tablePartitionOverview(hub, i, rows))))
      : Promise.all(Array.from({ length: partitionCount }, (_, i) => partitionOverview(hub, i, partitionManagement === 'safe' ? 'ownership' : 'default'))),
    queueDepth(hub.storage.workItems),
    throughput(hub, now),
  ]);
  const workers = new Map<string, number[]>();
  for (const p of partitions) {
    if (p.owner && p.leaseState === 'leased') workers.set(p.owner, [...(workers.get(p.owner) ?? []), p.partition]);
  }
  return {
    taskHub: hub.name,
    createdAt: typeof info?.CreatedAt === 'string' ? info.CreatedAt : null,
    partitionCount,
    partitions,
    workItemQueueDepth,
    workers: [...workers.entries()].map(([workerId, owned]) => ({ workerId, partitions: owned })),
    throughput: recent,
    generatedAt: now.toISOString(),
  };
}
