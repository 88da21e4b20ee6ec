import { FunctionRegistry } from '../../src/runtime/registry';
import { EventType, newEvent } from '../../src/history/events';
import { OrchestrationContext } from '../../src/orchestration/context';
import { MAX_VISIBILITY_DELAY_MS } from '../../src/backend/azureStorage/messageQueues';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

const version = { current: 1 };

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('A', () => 'a');
  r.registerActivity('B', () => 'b');
  r.registerOrchestration('Changes', function* (context: OrchestrationContext) {
    const first = yield context.df.callActivity(version.current === 1 ? 'A' : 'B');
    const go = yield context.df.waitForExternalEvent('go');
    return [first, go];
  });
  r.registerOrchestration('LongTimer', function* (context: OrchestrationContext) {
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 8 * 24 * 3600 * 1000));
    return 'fired';
  });
  r.registerOrchestration('Short', function* () {
    return 'done';
  });
  return r;
}

describe('timers and determinism', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub(registry());
  });
  afterAll(() => hub.stop());

  test('changed orchestrator code fails the instance naming the expected and actual action', async () => {
    version.current = 1;
    const id = await hub.client.startNew('Changes');
    await new Promise((r) => setTimeout(r, 300));
    await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
    const deadline = Date.now() + 10_000;
    while ((await hub.hub.history.load(id)).events.every((e) => e.EventType !== EventType.TaskCompleted)) {
      if (Date.now() > deadline) throw new Error('activity A never completed');
      await new Promise((r) => setTimeout(r, 50));
    }
    // A redeploy: new code in a new process (a running worker keeps the code it has in memory).
    await hub.stop();
    version.current = 2;
    hub = await startTestHub(registry(), { hubName: hub.backend.hubName });
    await hub.client.raiseEvent(id, 'go', 1);
    const status = await waitForStatus(hub.client, id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain("history expects CallActivity 'A'");
    expect(String(status.output)).toContain("scheduled CallActivity 'B'");
  });

  test('a timer longer than the queue maximum is re-sent when its message arrives early', async () => {
    expect(MAX_VISIBILITY_DELAY_MS).toBeLessThanOrEqual(7 * 24 * 3600 * 1000);
    const id = await hub.client.startNew('LongTimer');
    await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
    const history = await hub.hub.history.load(id);
    const created = history.events.find((e) => e.EventType === EventType.TimerCreated);
    expect(created).toBeDefined();
    // Deliver the TimerFired now, as the 7-day queue cap would do a day early.
    const fireAt = created!.EventType === EventType.TimerCreated ? created!.FireAt : '';
    await hub.hub.queues.send({
      instance: { InstanceId: id, ExecutionId: history.executionId! },
      target: 'control',
      event: newEvent({ EventType: EventType.TimerFired, TimerId: created!.EventId, FireAt: fireAt }),
    });
    await new Promise((r) => setTimeout(r, 1500));
    const after = await hub.hub.history.load(id);
    expect(after.events.some((e) => e.EventType === EventType.TimerFired)).toBe(false);
    expect((await hub.client.tryGetStatus(id))?.runtimeStatus).toBe('Running');
    // The early message went back to the queue (invisible) rather than being lost.
    const queue = hub.hub.queues.controlQueueFor(id);
    expect((await queue.getProperties()).approximateMessagesCount).toBeGreaterThanOrEqual(2);
  });

  test('events raised to a completed instance are dropped without changing it', async () => {
    const id = await hub.client.startNew('Short');
    const done = await waitForStatus(hub.client, id);
    const rows = (await hub.hub.history.load(id)).events.length;
    await hub.client.raiseEvent(id, 'late', 1);
    await new Promise((r) => setTimeout(r, 1000));
    const after = await hub.client.tryGetStatus(id);
    expect(after?.runtimeStatus).toBe('Completed');
    expect(after?.lastUpdatedTime.getTime()).toBe(done.lastUpdatedTime.getTime());
    expect((await hub.hub.history.load(id)).events.length).toBe(rows);
  });
});
