import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { FunctionRegistry } from '../../src/runtime/registry';
import { DurableClient } from '../../src/client/durableClient';
import { OrchestrationContext } from '../../src/orchestration/context';
import { partitionIndexOf } from '../../src/backend/azureStorage/partitions';
import { TaskHub } from '../../src/backend/azureStorage/taskHub';
import { EventType } from '../../src/history/events';
import { undecodableRetryMs } from '../../src/backend/azureStorage/messageQueues';
import { startTestHub, storageConnection, uniqueHubName, waitForStatus, testSettings } from '../support/testHub';

const failsOnce = { next: true };

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Hello', (name: string) => `Hello ${name}`);
  r.registerOrchestration('Greet', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('Hello', context.df.getInput<string>());
  });
  r.registerActivity('FailsOnce', () => {
    if (failsOnce.next) {
      failsOnce.next = false;
      throw new Error('first try fails');
    }
    return 'second try';
  });
  r.registerOrchestration('CallsFailsOnce', function* (context: OrchestrationContext) {
    const a: unknown = yield context.df.callActivity('Hello', 'a');
    return [a, yield context.df.callActivity('FailsOnce')];
  });
  r.registerOrchestration('WaitGo', function* (context: OrchestrationContext) {
    return yield context.df.waitForExternalEvent('go');
  });
  r.registerOrchestration('GreetChild', function* (context: OrchestrationContext) {
    return yield context.df.callSubOrchestrator('Greet', context.df.getInput<string>(), `${context.df.instanceId}-child`);
  });
  return r;
}

type Row = Record<string, unknown>;

async function rows(hub: TaskHub, table: 'history' | 'instances', instanceId: string): Promise<Row[]> {
  const out: Row[] = [];
  const client = table === 'history' ? hub.storage.history : hub.storage.instances;
  for await (const row of client.listEntities<Row>({ queryOptions: { filter: `PartitionKey eq '${instanceId}'` } })) out.push(row);
  return out;
}

describe('task hub layout (DurableTask.AzureStorage)', () => {
  test('a fresh hub has every artifact under the expected name, leases included', async () => {
    const hub = await startTestHub(registry(), { partitionCount: 3 });
    try {
      const name = hub.hub.name;
      const lower = name.toLowerCase();
      const tables: string[] = [];
      for await (const t of hub.hub.storage.account.tablesService.listTables()) tables.push(t.name!);
      expect(tables).toEqual(expect.arrayContaining([`${name}History`, `${name}Instances`]));
      const queues: string[] = [];
      for await (const q of hub.hub.storage.account.queues.listQueues({ prefix: lower })) queues.push(q.name);
      expect(queues.sort()).toEqual([`${lower}-control-00`, `${lower}-control-01`, `${lower}-control-02`, `${lower}-workitems`]);
      const blobs: string[] = [];
      for await (const b of hub.hub.storage.leases.listBlobsFlat()) blobs.push(b.name);
      expect(blobs.sort()).toEqual([`default/${lower}-control-00`, `default/${lower}-control-01`, `default/${lower}-control-02`, 'taskhub.json']);
      const info = JSON.parse((await hub.hub.storage.leases.getBlockBlobClient('taskhub.json').downloadToBuffer()).toString());
      expect(info).toMatchObject({ TaskHubName: name, PartitionCount: 3 });
      const lease = JSON.parse((await hub.hub.storage.leases.getBlockBlobClient(`default/${lower}-control-01`).downloadToBuffer()).toString());
      expect(lease).toMatchObject({ PartitionId: `${lower}-control-01`, Owner: hub.engine.options.workerId });
      // As in DurableTask.AzureStorage: made with the first large payload, not with the hub.
      expect(await hub.hub.storage.largeMessages.exists()).toBe(false);
    } finally {
      await hub.stop();
    }
  });

  test('history and instance rows have the .NET columns, keys and types', async () => {
    const hub = await startTestHub(registry());
    try {
      const id = await hub.client.startNew('Greet', { input: 'Ada', instanceId: 'layout-1' });
      await waitForStatus(hub.client, id);
      const history = (await rows(hub.hub, 'history', id)).sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)));
      const sentinel = history.find((r) => r.rowKey === 'sentinel')!;
      const events = history.filter((r) => r.rowKey !== 'sentinel');
      expect(events.map((r) => r.rowKey)).toEqual(events.map((_, i) => i.toString(16).toUpperCase().padStart(16, '0')));
      expect(events.map((r) => r.EventType)).toEqual([
        'OrchestratorStarted', 'ExecutionStarted', 'TaskScheduled', 'OrchestratorCompleted',
        'OrchestratorStarted', 'TaskCompleted', 'ExecutionCompleted', 'OrchestratorCompleted',
      ]);
      const executionId = events[1].ExecutionId;
      for (const r of events) {
        expect(r.ExecutionId).toBe(executionId);
        expect(r._Timestamp).toBeInstanceOf(Date);
        expect(typeof r.EventId).toBe('number');
        expect(typeof r.IsPlayed).toBe('boolean');
      }
      expect(events[1]).toMatchObject({ Name: 'Greet', Input: '"Ada"', EventId: -1 });
      expect(JSON.parse(String(events[1].OrchestrationInstance))).toEqual({ InstanceId: id, ExecutionId: executionId });
      // Activity inputs are DurableTask argument arrays.
      expect(events[2]).toMatchObject({ Name: 'Hello', Input: '["Ada"]', EventId: 0 });
      expect(events[5]).toMatchObject({ TaskScheduledId: 0, Result: '"Hello Ada"' });
      expect(events[6]).toMatchObject({ OrchestrationStatus: 'Completed', Result: '"Hello Ada"' });
      expect(sentinel).toMatchObject({ ExecutionId: executionId, IsCheckpointComplete: true });
      expect(sentinel.CheckpointCompletedTimestamp).toBeInstanceOf(Date);

      const [instance] = await rows(hub.hub, 'instances', id);
      expect(instance).toMatchObject({
        partitionKey: id,
        rowKey: '',
        Name: 'Greet',
        Version: '',
        ExecutionId: executionId,
        RuntimeStatus: 'Completed',
        Input: '"Ada"',
        Output: '"Hello Ada"',
        TaskHubName: hub.hub.name,
        // As DT.AzureStorage 2.11.2 writes them (interop scenario 3a): no tags, no parent.
        Tags: 'null',
        ParentInstanceId: '',
      });
      for (const column of ['CreatedTime', 'LastUpdatedTime', 'CompletedTime']) expect(instance[column]).toBeInstanceOf(Date);
    } finally {
      await hub.stop();
    }
  });

  test('a sub-orchestration row names its parent; tags are written as JSON; a checkpoint keeps columns it does not write', async () => {
    const hub = await startTestHub(registry());
    try {
      await hub.client.startNew('GreetChild', { input: 'Bo', instanceId: 'layout-parent' });
      await waitForStatus(hub.client, 'layout-parent');
      const [child] = await rows(hub.hub, 'instances', 'layout-parent-child');
      expect(child).toMatchObject({ RuntimeStatus: 'Completed', ParentInstanceId: 'layout-parent', Tags: 'null' });
      const [parent] = await rows(hub.hub, 'instances', 'layout-parent');
      expect(parent).toMatchObject({ ParentInstanceId: '', Tags: 'null' });

      // A start carrying tags (as a .NET client sends them), and a column only .NET writes: both survive our checkpoints.
      const started = new Date();
      await hub.backend.createInstance(
        {
          EventType: EventType.ExecutionStarted, EventId: -1, IsPlayed: false, Timestamp: started.toISOString(),
          OrchestrationInstance: { InstanceId: 'layout-tags', ExecutionId: 'f'.repeat(32) }, Name: 'WaitGo', Version: '', Input: null, Tags: { team: 'a' },
        },
        { refuseIfStatus: new Set(['Running']) },
      );
      await waitForStatus(hub.client, 'layout-tags', 30_000, new Set(['Running']));
      await hub.hub.storage.instances.upsertEntity({ partitionKey: 'layout-tags', rowKey: '', SomeDotnetColumn: 'kept-by-merge' }, 'Merge');
      await hub.client.raiseEvent('layout-tags', 'go', 1);
      await waitForStatus(hub.client, 'layout-tags');
      const [tagged] = await rows(hub.hub, 'instances', 'layout-tags');
      expect(tagged).toMatchObject({ RuntimeStatus: 'Completed', Tags: '{"team":"a"}', ParentInstanceId: '', SomeDotnetColumn: 'kept-by-merge' });
      expect((await hub.backend.getInstance('layout-tags'))?.tags).toEqual({ team: 'a' });
    } finally {
      await hub.stop();
    }
  });

  test('rewind rewrites the failure rows in place as DT.AzureStorage does, and the replay runs the failed task again', async () => {
    const hub = await startTestHub(registry());
    try {
      failsOnce.next = true;
      await hub.client.startNew('CallsFailsOnce', { instanceId: 'layout-rewind' });
      expect((await waitForStatus(hub.client, 'layout-rewind')).runtimeStatus).toBe('Failed');
      const failedRows = (await rows(hub.hub, 'history', 'layout-rewind')).filter((r) => r.rowKey !== 'sentinel').length;
      await hub.client.rewind('layout-rewind', 'fixed');
      const done = await waitForStatus(hub.client, 'layout-rewind');
      expect(done).toMatchObject({ runtimeStatus: 'Completed', output: ['Hello a', 'second try'] });
      const history = (await rows(hub.hub, 'history', 'layout-rewind')).filter((r) => r.rowKey !== 'sentinel').sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)));
      // The rows of the failed run keep their keys; the failure rows became GenericEvents naming what they were.
      expect(history.slice(0, failedRows).filter((r) => r.EventType === 'GenericEvent').map((r) => r.Reason)).toEqual([
        'Rewound: TaskScheduled', 'Rewound: TaskFailed', 'Rewound: ExecutionCompleted',
      ]);
      // The replay, woken by a GenericEvent message carrying the reason, scheduled the failed task again.
      const after = history.slice(failedRows);
      expect(after.find((r) => r.EventType === 'GenericEvent')).toMatchObject({ Data: 'fixed' });
      expect(after.filter((r) => r.EventType === 'TaskScheduled')).toHaveLength(1);
    } finally {
      await hub.stop();
    }
  });

  test('a suspend or resume leaves its reason in the Instances row Output, as DT.AzureStorage writes it', async () => {
    const hub = await startTestHub(registry());
    try {
      await hub.client.startNew('WaitGo', { instanceId: 'layout-suspend' });
      await waitForStatus(hub.client, 'layout-suspend', 30_000, new Set(['Running']));
      await hub.client.suspend('layout-suspend', 'on hold');
      await waitForStatus(hub.client, 'layout-suspend', 30_000, new Set(['Suspended']));
      expect((await rows(hub.hub, 'instances', 'layout-suspend'))[0]).toMatchObject({ RuntimeStatus: 'Suspended', Output: 'on hold' });
      await hub.client.resume('layout-suspend', 'carry on');
      await waitForStatus(hub.client, 'layout-suspend', 30_000, new Set(['Running']));
      expect((await rows(hub.hub, 'instances', 'layout-suspend'))[0]).toMatchObject({ RuntimeStatus: 'Running', Output: 'carry on' });
    } finally {
      await hub.stop();
    }
  });

  test('queue messages are MessageData envelopes with $type names, on the hashed control queue', async () => {
    // No engine runs on this hub, so the message stays in the queue to be looked at.
    const backend = AzureStorageBackend.fromSettings(testSettings(uniqueHubName('Msg')), storageConnection());
    const hub = backend.hub;
    const client = new DurableClient(backend);
    const id = 'message-shape-1';
    await client.startNew('Greet', { instanceId: id, input: { n: 1 } });
    const queue = hub.storage.controlQueue(partitionIndexOf(id, 4));
    const [peeked] = (await queue.peekMessages()).peekedMessageItems;
    const message = JSON.parse(peeked.messageText);
    expect(message.$type).toBe('DurableTask.AzureStorage.MessageData');
    // Client-sent, as DurableTask.AzureStorage writes it: empty Sender (never null), no Episode, no extra fields.
    expect(message).toMatchObject({ CompressedBlobName: null, Sender: { InstanceId: '', ExecutionId: '' } });
    expect(message).not.toHaveProperty('Episode');
    expect(message).not.toHaveProperty('NewPersistenceOrder');
    expect(message.ActivityId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(message.TaskMessage.$type).toBe('DurableTask.Core.TaskMessage');
    expect(message.TaskMessage.OrchestrationInstance).toMatchObject({ $type: 'DurableTask.Core.OrchestrationInstance', InstanceId: id });
    expect(message.TaskMessage.Event).toMatchObject({
      $type: 'DurableTask.Core.History.ExecutionStartedEvent',
      EventType: 0,
      EventId: -1,
      Name: 'Greet',
      Input: '{"n":1}',
    });

    // Over 45 KB the message goes to a gzipped blob and the queue holds a wrapper naming it.
    const big = 'big-message-1';
    await client.startNew('Greet', { instanceId: big, input: 'z'.repeat(60 * 1024) });
    const bigQueue = hub.storage.controlQueue(partitionIndexOf(big, 4));
    const wrapper = (await bigQueue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems
      .map((m) => JSON.parse(m.messageText))
      .find((m) => m.CompressedBlobName);
    expect(wrapper.TaskMessage).toBeNull();
    expect(wrapper.CompressedBlobName).toMatch(new RegExp(`^${big}/message-[0-9a-f]{32}-ExecutionStarted\\.json\\.gz$`));
    const blob = await hub.storage.largeMessages.getBlockBlobClient(wrapper.CompressedBlobName).downloadToBuffer();
    expect(blob[0]).toBe(0x1f);
    expect(blob[1]).toBe(0x8b);
    // The instance row keeps large inputs as the blob's URL, the .NET convention.
    const row = await hub.storage.instances.getEntity<Row>(big, '');
    expect(String(row.Input)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/.+-largemessages\/big-message-1\//);
    expect((await client.tryGetStatus(big))?.input).toBe('z'.repeat(60 * 1024));

    // Purging an instance removes its rows and its blobs.
    await client.terminate(big, 'cleanup').catch(() => undefined);
    await hub.instances.upsert({ ...(await hub.instances.get(big))!, runtimeStatus: 'Terminated' });
    expect((await client.purgeInstanceHistory(big)).instancesDeleted).toBe(1);
    const left: string[] = [];
    for await (const b of hub.storage.largeMessages.listBlobsFlat({ prefix: `${big}/` })) left.push(b.name);
    expect(left).toEqual([]);
    expect(await hub.instances.get(big)).toBeUndefined();
  });

  test('a hub written in the .NET format (base64 message, assembly-qualified $types) is processed', async () => {
    const hub = await startTestHub(registry());
    try {
      const id = 'written-by-dotnet';
      const executionId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
      const now = new Date().toISOString();
      await hub.hub.instances.upsert({
        instanceId: id, name: 'Greet', version: '', executionId, input: '"Grace"', runtimeStatus: 'Pending',
        createdTime: new Date(now), lastUpdatedTime: new Date(now), generation: 0,
      });
      const dotnet = {
        $type: 'DurableTask.AzureStorage.MessageData, DurableTask.AzureStorage',
        ActivityId: '6f9619ff-8b86-d011-b42d-00cf4fc964ff',
        TaskMessage: {
          $type: 'DurableTask.Core.TaskMessage, DurableTask.Core',
          Event: {
            $type: 'DurableTask.Core.History.ExecutionStartedEvent, DurableTask.Core',
            OrchestrationInstance: { $type: 'DurableTask.Core.OrchestrationInstance, DurableTask.Core', InstanceId: id, ExecutionId: executionId },
            EventType: 0, ParentInstance: null, Name: 'Greet', Version: '', Input: '"Grace"', Tags: null,
            Correlation: null, ScheduledStartTime: null, Generation: 0, EventId: -1, IsPlayed: false, Timestamp: now,
          },
          SequenceNumber: 0,
          OrchestrationInstance: { $type: 'DurableTask.Core.OrchestrationInstance, DurableTask.Core', InstanceId: id, ExecutionId: executionId },
        },
        CompressedBlobName: null, SequenceNumber: 7, Episode: 0,
      };
      const text = Buffer.from(JSON.stringify(dotnet)).toString('base64');
      await hub.hub.storage.controlQueue(partitionIndexOf(id, 4)).sendMessage(text);
      const status = await waitForStatus(hub.client, id);
      expect(status.output).toBe('Hello Grace');
    } finally {
      await hub.stop();
    }
  });

  test('a malformed queue message is reported and left in the queue (hidden, as .NET abandons it) without stopping the engine', async () => {
    const hub = await startTestHub(registry());
    try {
      const queue = hub.hub.storage.controlQueue(0);
      await queue.sendMessage('this is not json');
      await queue.sendMessage(JSON.stringify({ hello: 'world' }));
      const id = await hub.client.startNew('Greet', { input: 'after garbage' });
      expect((await waitForStatus(hub.client, id)).output).toBe('Hello after garbage');
      // Both are still there (the instance's own messages are gone), and not lost.
      const deadline = Date.now() + 10_000;
      while ((await queue.getProperties()).approximateMessagesCount !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await queue.getProperties()).approximateMessagesCount).toBe(2);
      expect(undecodableRetryMs(1)).toBe(2000);
      expect(undecodableRetryMs(20)).toBe(600_000);
    } finally {
      await hub.stop();
    }
  });
});
