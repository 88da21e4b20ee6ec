import { TaskHub } from '../../src/backend/azureStorage/taskHub';

/**
 * Everything a task hub holds, in a comparable form: every table row with its ETag (so a rewrite
 * of identical content still shows), every queue's message count and visible messages, and every
 * blob with its ETag. Partition leases are left out: renewing them is the engine's heartbeat.
 */
export interface StorageSnapshot {
  tables: Record<string, string[]>;
  queues: Record<string, { count: number; visible: string[] }>;
  blobs: string[];
}

export async function snapshotHub(hub: TaskHub): Promise<StorageSnapshot> {
  const storage = hub.storage;
  const tables: Record<string, string[]> = {};
  for (const table of [storage.history, storage.instances]) {
    const rows: string[] = [];
    try {
      for await (const row of table.listEntities<Record<string, unknown>>()) rows.push(`${row.partitionKey}|${row.rowKey}|${row.etag}`);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
    tables[table.tableName] = rows.sort();
  }
  const queues: Record<string, { count: number; visible: string[] }> = {};
  const queueClients = [storage.workItems, ...Array.from({ length: storage.partitionCount }, (_, i) => storage.controlQueue(i))];
  for (const queue of queueClients) {
    if (!(await queue.exists())) continue;
    const properties = await queue.getProperties();
    const peeked = await queue.peekMessages({ numberOfMessages: 32 });
    queues[queue.name] = { count: properties.approximateMessagesCount ?? 0, visible: peeked.peekedMessageItems.map((m) => m.messageId).sort() };
  }
  const blobs: string[] = [];
  if (await storage.largeMessages.exists()) {
    for await (const blob of storage.largeMessages.listBlobsFlat()) blobs.push(`${blob.name}|${blob.properties.etag}`);
  }
  return { tables, queues, blobs: blobs.sort() };
}

/** Runs `attack` and asserts it left the hub's storage exactly as it was. */
export async function expectUnchanged<T>(hub: TaskHub, attack: () => Promise<T>): Promise<T> {
  const before = await snapshotHub(hub);
  const result = await attack();
  const after = await snapshotHub(hub);
  expect(after).toEqual(before);
  return result;
}
