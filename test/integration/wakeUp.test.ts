import * as path from 'path';
import { QueueServiceClient } from '@azure/storage-queue';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { DurableClient } from '../../src/client/durableClient';
import { EventType } from '../../src/history/events';
import { RunningApp, startAppProcess, until } from '../support/appProcess';
import { storageConnection, testSettings, uniqueHubName, waitForStatus } from '../support/testHub';

const appRoot = path.join(__dirname, '../fixtures/wakeUpApp');
/** A schedule that does not fire during a test (1 January), so only the queue trigger can wake the app. */
const NEVER = '0 0 0 1 1 *';

const startApp = (hubName: string, queue: string, env: Record<string, string>) => startAppProcess(appRoot, hubName, queue, env);

async function state(
  app: RunningApp,
): Promise<{ running: boolean; observed: { received: unknown[]; maxRunning: number; failures: number } }> {
  return (await (await fetch(`${app.base}/api/state`)).json()) as never;
}

/** Starts 'Nap' (a durable timer of `seconds`), waits until the timer is scheduled, then puts the app to sleep. Returns the due time. */
async function napThenSleep(
  app: RunningApp,
  client: DurableClient,
  backend: AzureStorageBackend,
  seconds: number,
): Promise<{ id: string; due: number }> {
  const id = await client.startNew('Nap', { input: seconds });
  const timer = await until(
    async () => (await backend.getHistory(id)).find((e) => e.EventType === EventType.TimerCreated),
    20_000,
    'the timer',
  );
  const slept = (await (await fetch(`${app.base}/api/sleep`, { method: 'POST' })).json()) as { running: boolean };
  expect(slept.running).toBe(false);
  return { id, due: new Date((timer as { FireAt: string }).FireAt).getTime() };
}

describe('waking a sleeping app through the platform trigger path (emulated by the local host)', () => {
  test('a durable timer due while no engine runs fires on time: <hub>-wake message → queue trigger → engine', async () => {
    const hubName = uniqueHubName('Wake');
    const app = await startApp(hubName, `q${hubName.toLowerCase()}`, { DurableTaskWakeUpSchedule: NEVER });
    const backend = AzureStorageBackend.fromSettings(testSettings(hubName, { partitionCount: 2 }), storageConnection());
    const client = new DurableClient(backend);
    try {
      expect(app.output()).toContain(`DurableTaskWakeUp: queueTrigger on '${hubName.toLowerCase()}-wake'`);
      expect(app.output()).toContain(`DurableTaskWakeUpTimer: timerTrigger '${NEVER}'`);
      const { id, due } = await napThenSleep(app, client, backend, 6);
      expect((await state(app)).running).toBe(false);
      expect(Date.now()).toBeLessThan(due);

      const status = await waitForStatus(client, id, 30_000);
      const lateMs = new Date(status.lastUpdatedTime).getTime() - due;
      expect(status.output).toBe('rested');
      // On time: the wake-up message became visible with the timer; the listener polls at most every second here.
      expect(lateMs).toBeLessThan(4_000);
      expect(app.output()).toMatch(/Executed 'Functions\.DurableTaskWakeUp' \(Succeeded/);
      expect((await state(app)).running).toBe(true);
    } finally {
      await app.stop();
    }
  }, 120_000);

  test('control: with the wake-up path turned off, the same timer does not fire while the app sleeps', async () => {
    const hubName = uniqueHubName('NoWake');
    const app = await startApp(hubName, `q${hubName.toLowerCase()}`, { DurableTaskWakeUp: 'false' });
    const backend = AzureStorageBackend.fromSettings(testSettings(hubName, { partitionCount: 2 }), storageConnection());
    const client = new DurableClient(backend);
    try {
      expect(app.output()).not.toContain('DurableTaskWakeUp');
      const { id, due } = await napThenSleep(app, client, backend, 3);
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 4_000));
      expect((await client.getStatus(id)).runtimeStatus).toBe('Running');
      expect((await state(app)).running).toBe(false);
    } finally {
      await app.stop();
    }
  }, 120_000);

  test('the timer trigger fallback starts a sleeping engine on its schedule', async () => {
    const hubName = uniqueHubName('Tick');
    const app = await startApp(hubName, `q${hubName.toLowerCase()}`, { DurableTaskWakeUpSchedule: '*/2 * * * * *' });
    try {
      await fetch(`${app.base}/api/sleep`, { method: 'POST' });
      const wokeAfter = Date.now();
      await until(async () => ((await state(app)).running ? true : undefined), 5_000, 'the timer trigger to start the engine');
      expect(Date.now() - wokeAfter).toBeLessThan(5_000);
      // The engine counts as running from the start of its start; the execution is logged once the start completes.
      await until(async () => (/Executed 'Functions\.DurableTaskWakeUpTimer' \(Succeeded/.test(app.output()) ? true : undefined), 10_000, 'the timer execution');
    } finally {
      await app.stop();
    }
  }, 60_000);

  test('the emulated queue trigger: base64 decoding, batchSize without newBatchThreshold, 5 deliveries then <queue>-poison', async () => {
    const hubName = uniqueHubName('Queue');
    const queue = `q${hubName.toLowerCase()}`;
    const app = await startApp(hubName, queue, { DurableTaskWakeUpSchedule: NEVER });
    const queues = QueueServiceClient.fromConnectionString(storageConnection());
    try {
      const ok = queues.getQueueClient(`${queue}-ok`);
      await ok.createIfNotExists();
      for (let i = 0; i < 12; i++) await ok.sendMessage(Buffer.from(JSON.stringify({ n: i })).toString('base64'));
      const received = await until(
        async () => {
          const s = await state(app);
          return s.observed.received.length >= 12 ? s.observed : undefined;
        },
        30_000,
        '12 messages',
      );
      // Decoded from base64 and handed over as JSON, as the host does.
      expect((received.received as { n: number }[]).map((m) => m.n).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
      // batchSize 4 and newBatchThreshold 0 (host.json): never more than 4 at once, and batches run in parallel.
      expect(received.maxRunning).toBe(4);
      await until(
        async () => ((await ok.getProperties()).approximateMessagesCount === 0 ? true : undefined),
        10_000,
        'deletion of handled messages',
      );

      const fail = queues.getQueueClient(`${queue}-fail`);
      await fail.createIfNotExists();
      const raw = Buffer.from('{"doomed":true}').toString('base64');
      await fail.sendMessage(raw);
      const poison = queues.getQueueClient(`${queue}-fail-poison`);
      const moved = await until(
        async () => {
          if (!(await poison.exists())) return undefined;
          const items = (await poison.peekMessages()).peekedMessageItems;
          return items.length ? items : undefined;
        },
        30_000,
        'the poison queue',
      );
      expect(moved.map((m) => m.messageText)).toEqual([raw]);
      expect((await state(app)).observed.failures).toBe(5);
      expect((await fail.peekMessages()).peekedMessageItems).toEqual([]);

      // Not base64 while messageEncoding is base64: straight to the poison queue, the function never runs.
      await fail.sendMessage('this is not base64!');
      await until(
        async () => ((await poison.peekMessages({ numberOfMessages: 5 })).peekedMessageItems.length === 2 ? true : undefined),
        15_000,
        'the undecodable message in poison',
      );
      expect((await state(app)).observed.failures).toBe(5);
    } finally {
      await app.stop();
    }
  }, 120_000);
});
