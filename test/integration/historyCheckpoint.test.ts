import { EventType, HistoryEvent, newEvent } from '../../src/history/events';
import { historyRowKey } from '../../src/backend/azureStorage/tableCodec';
import { SENTINEL_ROW_KEY } from '../../src/backend/azureStorage/historyStore';
import { CheckpointConflictError } from '../../src/backend/errors';
import { TaskHub } from '../../src/backend/azureStorage/taskHub';
import { storageConnection, uniqueHubName } from '../support/testHub';

function raised(n: number): HistoryEvent[] {
  return Array.from({ length: n }, (_, i) => newEvent({ EventType: EventType.EventRaised, Name: `e${i}`, Input: String(i) }));
}

describe('history checkpoints, as DurableTask.AzureStorage writes them', () => {
  let hub: TaskHub;
  beforeAll(async () => {
    hub = new TaskHub(storageConnection(), uniqueHubName('Hist'), 4);
    await hub.ensureCreated();
  });

  test('rows a .NET worker appended (sentinel merged, no count of ours) are all loaded', async () => {
    const id = 'merged-by-dotnet';
    await hub.history.append(id, 'exec1', 0, raised(5), undefined, []);
    // What a .NET checkpoint does: upsert the new rows and MERGE the sentinel (our extra columns stay).
    const table = hub.storage.history;
    for (let i = 5; i < 8; i++) {
      await table.upsertEntity({ partitionKey: id, rowKey: historyRowKey(i), ExecutionId: 'exec1', EventType: 'EventRaised', EventId: -1, IsPlayed: false, _Timestamp: new Date(), Name: `n${i}`, Input: '1' }, 'Replace');
    }
    await table.updateEntity({ partitionKey: id, rowKey: SENTINEL_ROW_KEY, ExecutionId: 'exec1', IsCheckpointComplete: true }, 'Merge');
    const loaded = await hub.history.load(id);
    expect(loaded.events).toHaveLength(8);
  });

  test('every batch of a long checkpoint is guarded by the sentinel ETag: a stale writer writes nothing', async () => {
    const id = 'stale-long-checkpoint';
    await hub.history.append(id, 'exec1', 0, raised(1), undefined, []);
    const stale = await hub.history.load(id);
    await hub.history.append(id, 'exec1', 1, raised(1), stale.sentinelEtag, []); // another worker moves on
    await expect(hub.history.append(id, 'exec1', 1, raised(150), stale.sentinelEtag, [])).rejects.toBeInstanceOf(CheckpointConflictError);
    const rows: string[] = [];
    for await (const r of hub.storage.history.listEntities({ queryOptions: { filter: `PartitionKey eq '${id}'` } })) rows.push(String(r.rowKey));
    expect(rows).toHaveLength(3); // 2 events + sentinel: none of the 150 landed
  });

  test('a long checkpoint writes 99 events + sentinel per transaction and completes the sentinel last', async () => {
    const id = 'long-checkpoint';
    await hub.history.append(id, 'exec1', 0, raised(250), undefined, []);
    const loaded = await hub.history.load(id);
    expect(loaded.events).toHaveLength(250);
    const sentinel = await hub.storage.history.getEntity<Record<string, unknown>>(id, SENTINEL_ROW_KEY);
    expect(sentinel.IsCheckpointComplete).toBe(true);
    expect(sentinel).not.toHaveProperty('HistoryEventCount');
  });
});
