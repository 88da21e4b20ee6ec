import { EventType, HistoryEvent, newEvent } from '../../src/history/events';
import { DurableOrchestrationContext } from '../../src/orchestration/context';
import { OrchestrationReplay, ReplayResult } from '../../src/orchestration/replay';
import { Task } from '../../src/orchestration/tasks';
import { RetryOptions } from '../../src/orchestration/retry';

type Orchestrator = (df: DurableOrchestrationContext) => Generator<Task, unknown, any>;

const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function started(input: unknown, seconds = 0): HistoryEvent[] {
  return [
    newEvent({ EventType: EventType.OrchestratorStarted }, at(seconds)),
    newEvent(
      {
        EventType: EventType.ExecutionStarted,
        OrchestrationInstance: { InstanceId: 'inst1', ExecutionId: 'exec1' },
        Name: 'Orch',
        Version: '',
        Input: JSON.stringify(input),
      },
      at(seconds),
    ),
  ];
}
const episode = (seconds: number) => newEvent({ EventType: EventType.OrchestratorStarted }, at(seconds));
const scheduled = (id: number, name: string): HistoryEvent =>
  newEvent({ EventType: EventType.TaskScheduled, EventId: id, Name: name, Version: '', Input: null });
const completed = (id: number, result: unknown): HistoryEvent =>
  newEvent({ EventType: EventType.TaskCompleted, TaskScheduledId: id, Result: JSON.stringify(result) });
const failed = (id: number, reason: string): HistoryEvent =>
  newEvent({ EventType: EventType.TaskFailed, TaskScheduledId: id, Reason: reason, Details: 'details' });
const raised = (name: string, input: unknown): HistoryEvent =>
  newEvent({ EventType: EventType.EventRaised, Name: name, Input: JSON.stringify(input) });

function replay(fn: Orchestrator, past: HistoryEvent[], fresh: HistoryEvent[]): ReplayResult {
  return new OrchestrationReplay((state) => fn(new DurableOrchestrationContext(state))).run(past, fresh);
}

const chain: Orchestrator = function* (df) {
  const a = yield df.callActivity('Hello', 'Tokyo');
  const b = yield df.callActivity('Hello', 'Seattle');
  return [a, b];
};

describe('orchestration replay', () => {
  test('first episode schedules the first activity with id 0', () => {
    const r = replay(chain, [], started(null));
    expect(r.outcome.kind).toBe('pending');
    expect(r.newActions).toEqual([{ id: 0, action: { kind: 'callActivity', name: 'Hello', input: 'Tokyo' } }]);
  });

  test('replayed activities are not scheduled again; the chain completes with ordered results', () => {
    const past = [...started(null), scheduled(0, 'Hello'), episode(1), completed(0, 'Hello Tokyo'), scheduled(1, 'Hello')];
    const r = replay(chain, past, [episode(2), completed(1, 'Hello Seattle')]);
    expect(r.newActions).toEqual([]);
    expect(r.outcome).toEqual({ kind: 'completed', output: ['Hello Tokyo', 'Hello Seattle'] });
  });

  test('isReplaying is true while old history drives the code, false for new events', () => {
    const seen: boolean[] = [];
    const fn: Orchestrator = function* (df) {
      seen.push(df.isReplaying);
      yield df.callActivity('A');
      seen.push(df.isReplaying);
      yield df.callActivity('B');
      seen.push(df.isReplaying);
    };
    replay(fn, [...started(null), scheduled(0, 'A'), episode(1), completed(0, 1), scheduled(1, 'B')], [episode(2), completed(1, 2)]);
    expect(seen).toEqual([true, true, false]);
  });

  test('currentUtcDateTime is the time of the episode, the same on every replay', () => {
    const times: string[] = [];
    const fn: Orchestrator = function* (df) {
      times.push(df.currentUtcDateTime.toISOString());
      yield df.callActivity('A');
      times.push(df.currentUtcDateTime.toISOString());
    };
    replay(fn, [...started(null, 0), scheduled(0, 'A')], [episode(5), completed(0, 1)]);
    expect(times).toEqual([at(0).toISOString(), at(5).toISOString()]);
  });

  test('an activity failure is thrown into the orchestrator and can be caught', () => {
    const fn: Orchestrator = function* (df) {
      try {
        yield df.callActivity('Boom');
        return 'no error';
      } catch (e) {
        return `caught: ${(e as Error).message}`;
      }
    };
    const r = replay(fn, [...started(null), scheduled(0, 'Boom')], [episode(1), failed(0, 'kaput')]);
    // No FailureDetails in this history: the SDK's legacy form "<Reason> \n <Details>".
    expect(r.outcome).toEqual({ kind: 'completed', output: 'caught: kaput \n details' });
  });

  test('an uncaught error fails the orchestration with message and stack', () => {
    const fn: Orchestrator = function* () {
      throw new Error('bad input');
    };
    const r = replay(fn, [], started(null));
    expect(r.outcome.kind).toBe('failed');
    if (r.outcome.kind !== 'failed') return;
    expect(r.outcome.failure.ErrorMessage).toBe('bad input');
    expect(r.outcome.failure.StackTrace).toContain('Error: bad input');
  });

  test('scheduling something other than history records is reported as nondeterminism', () => {
    const fn: Orchestrator = function* (df) {
      yield df.callActivity('Changed');
    };
    const r = replay(fn, [...started(null), scheduled(0, 'Original')], [episode(1), completed(0, 1)]);
    expect(r.outcome.kind).toBe('failed');
    if (r.outcome.kind !== 'failed') return;
    expect(r.outcome.failure.ErrorMessage).toContain("CallActivity 'Original'");
    expect(r.outcome.failure.ErrorMessage).toContain("CallActivity 'Changed'");
  });

  test('Task.all schedules every child in order and returns results in order', () => {
    const fn: Orchestrator = function* (df) {
      const tasks = [1, 2, 3].map((n) => df.callActivity('Square', n));
      return yield df.Task.all(tasks);
    };
    const first = replay(fn, [], started(null));
    expect(first.newActions.map((a) => a.id)).toEqual([0, 1, 2]);
    const past = [...started(null), scheduled(0, 'Square'), scheduled(1, 'Square'), scheduled(2, 'Square')];
    const r = replay(fn, past, [episode(1), completed(2, 9), completed(0, 1), completed(1, 4)]);
    expect(r.outcome).toEqual({ kind: 'completed', output: [1, 4, 9] });
  });

  test('external events raised before the wait are buffered and delivered in order', () => {
    const fn: Orchestrator = function* (df) {
      yield df.callActivity('A');
      const x = yield df.waitForExternalEvent('Approval');
      const y = yield df.waitForExternalEvent('approval');
      return [x, y];
    };
    const r = replay(fn, [...started(null), scheduled(0, 'A')], [episode(1), raised('Approval', 1), raised('Approval', 2), completed(0, 0)]);
    expect(r.outcome).toEqual({ kind: 'completed', output: [1, 2] });
  });

  test('yielding something that is not a task fails with a clear message', () => {
    const fn: Orchestrator = function* () {
      yield 42 as unknown as Task;
    };
    const r = replay(fn, [], started(null));
    expect(r.outcome.kind === 'failed' && r.outcome.failure.ErrorMessage).toMatch(/Orchestration yielded data of type number\. Only Task types can be yielded/);
  });

  test('newGuid is deterministic across replays and unique within one', () => {
    const fn: Orchestrator = function* (df) {
      return [df.newGuid(), df.newGuid()];
    };
    const a = replay(fn, [], started(null));
    const b = replay(fn, started(null), []);
    expect(a.outcome).toEqual(b.outcome);
    if (a.outcome.kind !== 'completed') throw new Error('expected completion');
    const [g1, g2] = a.outcome.output as string[];
    expect(g1).not.toEqual(g2);
    expect(g1).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('retries', () => {
  const timerCreated = (id: number, fireAt: Date): HistoryEvent =>
    newEvent({ EventType: EventType.TimerCreated, EventId: id, FireAt: fireAt.toISOString() });
  const timerFired = (id: number, fireAt: Date): HistoryEvent =>
    newEvent({ EventType: EventType.TimerFired, TimerId: id, FireAt: fireAt.toISOString() });

  const withRetry = (maxAttempts: number): Orchestrator =>
    function* (df) {
      const options = new RetryOptions(1000, maxAttempts);
      options.backoffCoefficient = 2;
      return yield df.callActivityWithRetry('Flaky', options, 'in');
    };

  test('a failed attempt schedules a durable timer for the first retry interval', () => {
    const r = replay(withRetry(3), [...started(null), scheduled(0, 'Flaky')], [episode(10), failed(0, 'boom')]);
    expect(r.outcome.kind).toBe('pending');
    expect(r.newActions).toEqual([{ id: 1, action: { kind: 'createTimer', fireAt: at(11) } }]);
  });

  test('after the timer fires the activity runs again, and its success completes the task', () => {
    const past = [...started(null), scheduled(0, 'Flaky'), episode(10), failed(0, 'boom'), timerCreated(1, at(11))];
    const second = replay(withRetry(3), past, [episode(11), timerFired(1, at(11))]);
    expect(second.newActions).toEqual([{ id: 2, action: { kind: 'callActivity', name: 'Flaky', input: 'in' } }]);
    const done = replay(withRetry(3), [...past, episode(11), timerFired(1, at(11)), scheduled(2, 'Flaky')], [episode(12), completed(2, 'ok')]);
    expect(done.outcome).toEqual({ kind: 'completed', output: 'ok' });
  });

  test('the delay grows by the backoff coefficient and the last failure is rethrown', () => {
    const past = [
      ...started(null), scheduled(0, 'Flaky'), episode(10), failed(0, 'one'), timerCreated(1, at(11)),
      episode(11), timerFired(1, at(11)), scheduled(2, 'Flaky'),
    ];
    const r = replay(withRetry(3), past, [episode(12), failed(2, 'two')]);
    expect(r.newActions).toEqual([{ id: 3, action: { kind: 'createTimer', fireAt: at(14) } }]);
    const last = [...past, episode(12), failed(2, 'two'), timerCreated(3, at(14)), episode(14), timerFired(3, at(14)), scheduled(4, 'Flaky')];
    // As in DurableTask (and the SDK's replay of it), the last failure is followed by one more retry interval.
    const exhausted = replay(withRetry(3), last, [episode(15), failed(4, 'three')]);
    expect(exhausted.outcome).toEqual({ kind: 'pending' });
    expect(exhausted.newActions).toEqual([{ id: 5, action: { kind: 'createTimer', fireAt: at(19) } }]);
    const final = replay(withRetry(3), [...last, episode(15), failed(4, 'three'), timerCreated(5, at(19))], [episode(19), timerFired(5, at(19))]);
    expect(final.outcome.kind === 'failed' && final.outcome.failure.ErrorMessage).toBe('three \n details');
  });
});

describe('task properties and Task.any', () => {
  const timerCreated = (id: number, fireAt: Date): HistoryEvent =>
    newEvent({ EventType: EventType.TimerCreated, EventId: id, FireAt: fireAt.toISOString() });
  const timerFired = (id: number, fireAt: Date): HistoryEvent =>
    newEvent({ EventType: EventType.TimerFired, TimerId: id, FireAt: fireAt.toISOString() });

  test('isCompleted, isFaulted and result reflect each task', () => {
    const fn: Orchestrator = function* (df) {
      const ok = df.callActivity('Ok');
      const bad = df.callActivity('Bad');
      try {
        yield df.Task.all([ok, bad]);
      } catch {
        // expected
      }
      return [ok.isCompleted, ok.isFaulted, ok.result, bad.isCompleted, bad.isFaulted];
    };
    const r = replay(fn, [...started(null), scheduled(0, 'Ok'), scheduled(1, 'Bad')], [episode(1), completed(0, 'fine'), failed(1, 'no')]);
    // The SDK's semantics: isCompleted only on success.
    expect(r.outcome).toEqual({ kind: 'completed', output: [true, false, 'fine', false, true] });
  });

  test('Task.any returns the winning task; a cancelled timer firing later changes nothing', () => {
    const fn: Orchestrator = function* (df) {
      const timer = df.createTimer(at(100));
      const work = df.callActivity('Work');
      const winner = yield df.Task.any([timer, work]);
      if (winner === work) timer.cancel();
      const second = yield df.callActivity('After');
      return [winner === work, timer.isCanceled, timer.isCompleted, second];
    };
    const past = [...started(null), timerCreated(0, at(100)), scheduled(1, 'Work'), episode(1), completed(1, 'w'), scheduled(2, 'After')];
    const r = replay(fn, past, [episode(100), timerFired(0, at(100)), episode(101), completed(2, 'a')]);
    expect(r.outcome).toEqual({ kind: 'completed', output: [true, true, false, 'a'] });
  });
});
