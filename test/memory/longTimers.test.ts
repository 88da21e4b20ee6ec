/**
 * Durable timers longer than the storage can delay a message are recorded as the Functions extension
 * records them: a chain of timers of at most 3 days, each with the next action id.
 */
import { EventType, HistoryEvent } from '../../src/history/events';
import { OrchestrationContext } from '../../src/orchestration/context';
import { FunctionRegistry } from '../../src/runtime/registry';
import { TestHost } from '../../src/testing';

const DAY = 24 * 3600_000;
const start = new Date('2026-03-01T00:00:00Z');

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Hello', (x: string) => `Hello ${x}`);
  r.registerOrchestration('WaitDays', function* (context: OrchestrationContext) {
    const days = context.df.getInput<number>();
    const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + days * DAY));
    const hello = context.df.callActivity('Hello', 'parallel');
    yield context.df.Task.all([timer, hello]);
    return yield context.df.callActivity('Hello', `after ${days} days`);
  });
  r.registerOrchestration('CancelLong', function* (context: OrchestrationContext) {
    const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 20 * DAY));
    const winner: unknown = yield context.df.Task.any([timer, context.df.waitForExternalEvent('Go')]);
    if (winner !== timer) timer.cancel();
    return winner === timer ? 'timer' : 'event';
  });
  return r;
}

function timers(history: HistoryEvent[]): { id: number; fireAt: string }[] {
  return history
    .filter((e) => e.EventType === EventType.TimerCreated)
    .map((e) => ({ id: e.EventId, fireAt: e.EventType === EventType.TimerCreated ? e.FireAt : '' }));
}

describe('long durable timers', () => {
  let host: TestHost;
  beforeEach(async () => {
    host = await TestHost.start({ registry: registry(), startTime: start });
  });
  afterEach(() => host.stop());

  test('a 10-day timer is a chain of 3-day timers ending at its due time; ids follow creation order', async () => {
    const id = await host.client.startNew('WaitDays', { input: 10 });
    const status = await host.waitForCompletion(id);
    expect(status.output).toBe('Hello after 10 days');
    const history = await host.backend.getHistory(id);
    const chain = timers(history);
    const at = (d: number) => new Date(start.getTime() + d * DAY).toISOString();
    // The parallel activity took id 1; each later timer took the next id when the one before fired.
    expect(chain).toEqual([
      { id: 0, fireAt: at(3) },
      { id: 2, fireAt: at(6) },
      { id: 3, fireAt: at(9) },
      { id: 4, fireAt: at(10) },
    ]);
    expect(history.filter((e) => e.EventType === EventType.TaskScheduled).map((e) => e.EventId)).toEqual([1, 5]);
  });

  test('a timer of at most 6 days stays one timer', async () => {
    const id = await host.client.startNew('WaitDays', { input: 6 });
    await host.waitForCompletion(id);
    expect(timers(await host.backend.getHistory(id))).toHaveLength(1);
  });

  test('a cancelled long timer stops its chain', async () => {
    const id = await host.client.startNew('CancelLong');
    await host.waitForStatus(id, 'Running');
    await host.client.raiseEvent(id, 'Go', 1);
    const status = await host.waitForCompletion(id);
    expect(status.output).toBe('event');
    expect(timers(await host.backend.getHistory(id))).toHaveLength(1);
  });
});
