/**
 * Deterministic crash points: a process SIGKILLed between each pair of storage writes of a
 * checkpoint (orchestration, entity, activity answer, client start, purge, rewind) in the Azure
 * backend; a new worker takes over and every invariant is checked: the right terminal state with
 * the exact output, the Instances row agreeing with history, one run, no duplicate history events,
 * exact entity sums.
 */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { FaultPoint } from '../../src/backend/azureStorage/faultPoints';
import { DurableClient } from '../../src/client/durableClient';
import { TALLY, crashPointRegistry, crashPointSettings } from '../fixtures/crashPointApp';
import { historyProblems, recordedOutput } from '../support/historyChecks';
import { TestHub, startTestHub, storageConnection, uniqueHubName, waitForStatus } from '../support/testHub';

const processScript = path.join(__dirname, '../../dist/test/fixtures/crashPointProcess.js');

/** Runs the crash-point process until it exits; resolves with what it printed. */
function runProcess(args: string[], onReady?: () => void): { child: ChildProcess; done: Promise<string> } {
  const child = spawn(process.execPath, [processScript, ...args], {
    env: { ...process.env, DF_TEST_STORAGE: storageConnection(), DF_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('ready')) onReady?.();
  });
  const done = new Promise<string>((resolve) => child.once('exit', () => resolve(out)));
  return { child, done };
}

function workerUntilKilled(hubName: string, point: FaultPoint, instanceId: string, occurrence: number) {
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const { done } = runProcess([hubName, point, instanceId, String(occurrence), 'worker'], ready);
  return { started: Promise.race([started, done.then((out) => Promise.reject(new Error(`worker ended before ready: ${out}`)))]), done };
}

function clientOf(hubName: string): DurableClient {
  return new DurableClient(AzureStorageBackend.fromSettings(crashPointSettings(hubName, 'client'), storageConnection()));
}

function takeOver(hubName: string): Promise<TestHub> {
  return startTestHub(crashPointRegistry(), crashPointSettings(hubName, `replacement-${hubName}`));
}

/** The invariants for an instance that must have completed with `expected`. */
async function checkCompleted(hub: TestHub, instanceId: string, expected: unknown): Promise<void> {
  const status = await waitForStatus(hub.client, instanceId, 90_000);
  expect(status.runtimeStatus).toBe('Completed');
  expect(status.output).toEqual(expected);
  const all = await hub.hub.history.loadAllExecutions(instanceId);
  expect(historyProblems(all)).toEqual([]);
  expect(recordedOutput(all)).toEqual({ output: expected });
}

async function checkTally(client: DurableClient, expected: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let value: number | undefined;
  while (Date.now() < deadline && value !== expected) {
    value = (await client.readEntityState<number>(TALLY)).entityState;
    if (value !== expected) await new Promise((r) => setTimeout(r, 200));
  }
  // Nothing applied twice shows up later either (a redelivery comes a visibility timeout later).
  await new Promise((r) => setTimeout(r, 4_000));
  expect((await client.readEntityState<number>(TALLY)).entityState).toBe(expected);
}

interface WorkerScenario {
  point: FaultPoint;
  occurrence: number;
  orchestration: 'Pair' | 'Wide' | 'Signals';
  /** Whose fault point kills: the orchestration 'crash' or the tally entity. */
  target: 'crash' | '@tally@k';
  expected: number;
}

const PAIR = 2 * 21 + 2 * 22;
const WIDE = 2 * ((119 * 120) / 2);
const workerScenarios: WorkerScenario[] = [
  { point: 'checkpoint.afterSend', occurrence: 1, orchestration: 'Pair', target: 'crash', expected: PAIR },
  { point: 'checkpoint.afterHistory', occurrence: 1, orchestration: 'Pair', target: 'crash', expected: PAIR },
  { point: 'checkpoint.afterInstanceRow', occurrence: 1, orchestration: 'Pair', target: 'crash', expected: PAIR },
  { point: 'checkpoint.afterDelete', occurrence: 1, orchestration: 'Pair', target: 'crash', expected: PAIR },
  { point: 'checkpoint.afterHistory', occurrence: 2, orchestration: 'Pair', target: 'crash', expected: PAIR },
  { point: 'checkpoint.afterInstanceRow', occurrence: 2, orchestration: 'Pair', target: 'crash', expected: PAIR },
  { point: 'activity.afterAnswer', occurrence: 1, orchestration: 'Pair', target: 'crash', expected: PAIR },
  { point: 'checkpoint.afterHistoryBatch', occurrence: 1, orchestration: 'Wide', target: 'crash', expected: WIDE },
  { point: 'checkpoint.afterSend', occurrence: 2, orchestration: 'Signals', target: 'crash', expected: 42 },
  { point: 'checkpoint.afterHistory', occurrence: 1, orchestration: 'Signals', target: '@tally@k', expected: 42 },
  { point: 'checkpoint.afterInstanceRow', occurrence: 1, orchestration: 'Signals', target: '@tally@k', expected: 42 },
  { point: 'checkpoint.afterDelete', occurrence: 1, orchestration: 'Signals', target: '@tally@k', expected: 42 },
];

describe('crash points of the Azure backend: SIGKILL between two storage writes, then a new worker', () => {
  test.concurrent.each(workerScenarios)('$orchestration, $target killed at $point #$occurrence', async ({ point, occurrence, orchestration, target, expected }) => {
    const hubName = uniqueHubName('Kill');
    const worker = workerUntilKilled(hubName, point, target, occurrence);
    await worker.started;
    const client = clientOf(hubName);
    await client.startNew(orchestration, { instanceId: 'crash', input: orchestration === 'Wide' ? 0 : 21 });
    expect(await worker.done).toContain(`killed at ${point}`);
    const hub = await takeOver(hubName);
    try {
      await checkCompleted(hub, 'crash', expected);
      if (orchestration === 'Signals') await checkTally(hub.client, 3);
    } finally {
      await hub.stop();
    }
  }, 180_000);

  test.concurrent('rewind killed after its rewritten history, before the Instances row', async () => {
    const hubName = uniqueHubName('KillRw');
    // Checkpoints of 'crash': 1 start, 2 failure, 3 the rewind.
    const worker = workerUntilKilled(hubName, 'checkpoint.afterHistory', 'crash', 3);
    await worker.started;
    const client = clientOf(hubName);
    const until = Date.now() + 4_000;
    await client.startNew('Flaky', { instanceId: 'crash', input: until });
    expect((await waitForStatus(client, 'crash', 60_000)).runtimeStatus).toBe('Failed');
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 100));
    await client.rewind('crash', 'try again');
    expect(await worker.done).toContain('killed at checkpoint.afterHistory');
    const hub = await takeOver(hubName);
    try {
      // Until the rewind's redelivered message is seen, the row still says Failed (history is ahead of it).
      const status = await waitForStatus(hub.client, 'crash', 90_000, new Set(['Completed']));
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe(1);
      expect(recordedOutput(await hub.hub.history.loadAllExecutions('crash'))).toEqual({ output: 1 });
    } finally {
      await hub.stop();
    }
  }, 180_000);

  test.concurrent('client start killed between the start message and the Pending row', async () => {
    const hubName = uniqueHubName('KillSt');
    const { done } = runProcess([hubName, 'start.afterMessage', 'crash', '1', 'start', 'Pair']);
    expect(await done).toContain('killed at start.afterMessage');
    const hub = await takeOver(hubName);
    try {
      await checkCompleted(hub, 'crash', PAIR);
    } finally {
      await hub.stop();
    }
  }, 180_000);

  test.concurrent.each(['purge.afterHistory', 'purge.afterBlobs'] as FaultPoint[])('purge killed at %s: the instance stays readable and a second purge finishes it', async (point) => {
    const hubName = uniqueHubName('KillPg');
    const hub = await takeOver(hubName);
    try {
      await hub.client.startNew('Pair', { instanceId: 'crash', input: 21 });
      await checkCompleted(hub, 'crash', PAIR);
      const { done } = runProcess([hubName, point, 'crash', '1', 'purge']);
      expect(await done).toContain(`killed at ${point}`);
      // Half purged: reading it does not fail, and purging again removes the rest.
      await hub.client.tryGetStatus('crash');
      expect((await hub.client.purgeInstanceHistory('crash')).instancesDeleted).toBe(1);
      expect(await hub.client.tryGetStatus('crash')).toBeUndefined();
      expect(await hub.hub.history.loadAllExecutions('crash')).toEqual([]);
    } finally {
      await hub.stop();
    }
  }, 180_000);
});
