import * as path from 'path';
import { QueueServiceClient } from '@azure/storage-queue';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { DurableClient } from '../../src/client/durableClient';
import { startAppProcess, until } from '../support/appProcess';
import { storageConnection, testSettings, uniqueHubName, waitForStatus } from '../support/testHub';

const appRoot = path.join(__dirname, '../fixtures/wakeUpApp');
const NEVER = '0 0 0 1 1 *';

interface RelayOutput {
  echoed: { input: unknown; invocationId: string; functionName: string };
  failure: string;
}

/** How many times the host logged an execution of `fn` with `outcome`. */
function executions(output: string, fn: string, outcome: 'Succeeded' | 'Failed'): string[] {
  const pattern = new RegExp(`Executed 'Functions\\.${fn}' \\(${outcome}, Id=([^,]+),`, 'g');
  return [...output.matchAll(pattern)].map((m) => m[1]);
}

describe('activities dispatched through the queue-trigger path (the local host emulating the Functions host)', () => {
  test('each activity is an execution of DurableTaskActivity on <hub>-workitems; a failing activity is an answer, not a retried invocation', async () => {
    const hubName = uniqueHubName('ActTrig');
    const app = await startAppProcess(appRoot, hubName, `q${hubName.toLowerCase()}`, { DurableTaskWakeUpSchedule: NEVER });
    const client = new DurableClient(AzureStorageBackend.fromSettings(testSettings(hubName, { partitionCount: 2 }), storageConnection()));
    try {
      expect(app.output()).toContain(`DurableTaskActivity: queueTrigger on '${hubName.toLowerCase()}-workitems'`);
      const id = await client.startNew('Relay', { input: { city: 'Tokyo' } });
      const status = await waitForStatus(client, id, 60_000);
      expect(status.runtimeStatus).toBe('Completed');
      const out = status.output as RelayOutput;
      expect(out.echoed.input).toEqual({ city: 'Tokyo' });
      // The activity sees its own name, and the id of the host invocation it ran in.
      expect(out.echoed.functionName).toBe('Echo');
      const succeeded = await until(
        async () => {
          const ids = executions(app.output(), 'DurableTaskActivity', 'Succeeded');
          return ids.length >= 2 ? ids : undefined;
        },
        10_000,
        'the host to log both activity executions',
      );
      expect(succeeded).toContain(out.echoed.invocationId);
      // The activity's log line went through that invocation's logger; the orchestration's carries its instance id, once (not on replay).
      expect(app.output()).toContain('Echo ran with {"city":"Tokyo"}');
      expect(app.output().split(`[Relay] [${id}] relaying`)).toHaveLength(2);
      // The thrown error reached the orchestration as TaskFailed; the invocation itself succeeded (no host retry).
      expect(out.failure).toContain('boom from the activity');
      expect(executions(app.output(), 'DurableTaskActivity', 'Failed')).toEqual([]);
      expect(succeeded).toHaveLength(2);
    } finally {
      await app.stop();
    }
  }, 120_000);

  test('a work-item message that is not an activity fails its invocation until the host keeps it in <hub>-workitems-poison', async () => {
    const hubName = uniqueHubName('ActPoison');
    const app = await startAppProcess(appRoot, hubName, `q${hubName.toLowerCase()}`, { DurableTaskWakeUpSchedule: NEVER });
    const queues = QueueServiceClient.fromConnectionString(storageConnection());
    try {
      const workItems = queues.getQueueClient(`${hubName.toLowerCase()}-workitems`);
      await workItems.createIfNotExists();
      const raw = Buffer.from(JSON.stringify({ hello: 'not a task message' })).toString('base64');
      await workItems.sendMessage(raw);
      const poison = queues.getQueueClient(`${hubName.toLowerCase()}-workitems-poison`);
      const kept = await until(
        async () => ((await poison.exists()) ? (await poison.peekMessages()).peekedMessageItems : []).map((m) => m.messageText).find(Boolean),
        30_000,
        'the poison queue',
      );
      expect(kept).toBe(raw);
      const failures = executions(app.output(), 'DurableTaskActivity', 'Failed');
      expect(failures).toHaveLength(5);
      expect(app.output()).toContain('not a DurableTask message');
      expect((await workItems.peekMessages()).peekedMessageItems).toEqual([]);
    } finally {
      await app.stop();
    }
  }, 120_000);

  test('control: with DurableTaskActivityTrigger=false the engine runs activities itself and no trigger is registered', async () => {
    const hubName = uniqueHubName('ActPoll');
    const app = await startAppProcess(appRoot, hubName, `q${hubName.toLowerCase()}`, {
      DurableTaskWakeUpSchedule: NEVER,
      DurableTaskActivityTrigger: 'false',
    });
    const client = new DurableClient(AzureStorageBackend.fromSettings(testSettings(hubName, { partitionCount: 2 }), storageConnection()));
    try {
      expect(app.output()).not.toContain('DurableTaskActivity:');
      const id = await client.startNew('Relay', { input: 'x' });
      const status = await waitForStatus(client, id, 60_000);
      expect((status.output as RelayOutput).echoed.input).toBe('x');
      expect(executions(app.output(), 'DurableTaskActivity', 'Succeeded')).toEqual([]);
    } finally {
      await app.stop();
    }
  }, 120_000);
});
