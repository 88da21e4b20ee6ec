import * as http from 'http';
import { FunctionRegistry } from '../../src/runtime/registry';
import { EventType } from '../../src/history/events';
import { OrchestrationContext } from '../../src/orchestration/context';
import { Task } from '../../src/orchestration/tasks';
import { RetryOptions } from '../../src/orchestration/retry';
import { MemoryTestHub, startMemoryHub, waitForStatus } from '../support/testHub';

const calls = { steady: 0, flaky: 0 };
const attempts = new Map<string, number>();

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Steady', () => ++calls.steady);
  r.registerActivity('FlakyOnce', () => {
    calls.flaky++;
    if (calls.flaky === 1) throw new Error('first call fails');
    return 'recovered';
  });
  r.registerOrchestration('RewindMe', function* (context: OrchestrationContext) {
    const a = yield context.df.callActivity('Steady');
    const b = yield context.df.callActivity('FlakyOnce');
    return [a, b];
  });
  r.registerActivity('Double', (x: number) => x * 2);
  r.registerActivity('FailOn', (x: number) => {
    if (x === 7) throw new Error('seven is not allowed');
    return x;
  });
  r.registerActivity('Size', (s: string) => s.length);
  r.registerActivity('Big', (n: number) => 'y'.repeat(n));
  r.registerOrchestration('FanOut', function* (context: OrchestrationContext) {
    const n = context.df.getInput<number>();
    const tasks: Task[] = [];
    for (let i = 0; i < n; i++) tasks.push(context.df.callActivity('Double', i));
    const results: number[] = yield context.df.Task.all(tasks);
    return results.reduce((a, b) => a + b, 0);
  });
  r.registerOrchestration('FanOutWithFailure', function* (context: OrchestrationContext) {
    const tasks = [1, 2, 7, 4].map((x) => context.df.callActivity('FailOn', x));
    try {
      yield context.df.Task.all(tasks);
      return 'no failure';
    } catch (e) {
      return `caught: ${(e as Error).message}`;
    }
  });
  r.registerOrchestration('TimerThenValue', function* (context: OrchestrationContext) {
    const fireAt = new Date(context.df.currentUtcDateTime.getTime() + 1500);
    yield context.df.createTimer(fireAt);
    return context.df.currentUtcDateTime.getTime() >= fireAt.getTime();
  });
  r.registerOrchestration('ApprovalOrTimeout', function* (context: OrchestrationContext) {
    const timeout = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
    const approval = context.df.waitForExternalEvent('Approval');
    const winner: Task = yield context.df.Task.any([approval, timeout]);
    if (winner === approval) {
      timeout.cancel();
      return `approved: ${approval.result}`;
    }
    return 'timed out';
  });
  r.registerOrchestration('Parent', function* (context: OrchestrationContext) {
    const a = yield context.df.callSubOrchestrator('Child', 3);
    const b = yield context.df.callSubOrchestrator('Child', 4, `${context.df.instanceId}-explicit`);
    return [a, b];
  });
  r.registerOrchestration('Child', function* (context: OrchestrationContext) {
    const x = context.df.getInput<number>();
    return yield context.df.callActivity('Double', x);
  });
  r.registerOrchestration('Counter', function* (context: OrchestrationContext) {
    const n = context.df.getInput<number>();
    context.df.setCustomStatus({ generation: n });
    if (n >= 5) return n;
    yield context.df.callActivity('Double', n);
    context.df.continueAsNew(n + 1);
  });
  r.registerOrchestration('BigPayload', function* (context: OrchestrationContext) {
    const input = context.df.getInput<string>();
    const length: number = yield context.df.callActivity('Size', input);
    const big: string = yield context.df.callActivity('Big', length);
    return big;
  });
  r.registerOrchestration('WaitThenDouble', function* (context: OrchestrationContext) {
    const x: number = yield context.df.waitForExternalEvent('Value');
    return yield context.df.callActivity('Double', x);
  });
  r.registerOrchestration('CallsHttp', function* (context: OrchestrationContext) {
    const response = yield context.df.callHttp({ method: 'POST', url: context.df.getInput<string>(), body: { hello: 'world' } });
    return response;
  });
  r.registerOrchestration('FailingChild', function* (context: OrchestrationContext) {
    yield context.df.callActivity('FailOn', 7);
  });
  r.registerOrchestration('ParentCatches', function* (context: OrchestrationContext) {
    try {
      yield context.df.callSubOrchestrator('FailingChild');
      return 'no error';
    } catch (e) {
      return `child failed: ${(e as Error).message}`;
    }
  });
  r.registerActivity('FailTwice', (key: string) => {
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    if (n < 3) throw new Error(`attempt ${n} failed`);
    return `succeeded on attempt ${n}`;
  });
  r.registerOrchestration('RetriesActivity', function* (context: OrchestrationContext) {
    const options = new RetryOptions(200, 3);
    return yield context.df.callActivityWithRetry('FailTwice', options, context.df.instanceId);
  });
  r.registerOrchestration('RetriesTooFew', function* (context: OrchestrationContext) {
    const options = new RetryOptions(100, 2);
    return yield context.df.callActivityWithRetry('FailTwice', options, context.df.instanceId);
  });
  r.registerOrchestration('WaitForever', function* (context: OrchestrationContext) {
    yield context.df.waitForExternalEvent('never');
  });
  return r;
}

describe('orchestration features on Azurite', () => {
  let hub: MemoryTestHub;
  beforeAll(async () => {
    hub = await startMemoryHub(registry());
  });
  afterAll(() => hub.stop());

  test('fan-out/fan-in over 200 activities returns the aggregate, in few replays', async () => {
    const id = await hub.client.startNew('FanOut', { input: 200 });
    const status = await waitForStatus(hub.client, id, 60_000);
    expect(status.output).toBe(2 * ((199 * 200) / 2));
    const history = { events: await hub.backend.getHistory(id) };
    const episodes = history.events.filter((e) => e.EventType === EventType.OrchestratorStarted).length;
    // Completions that arrive together are applied together: far fewer episodes than activities.
    expect(episodes).toBeLessThan(100);
  });

  test('one failure in Task.all surfaces as a catchable error with the activity message', async () => {
    const id = await hub.client.startNew('FanOutWithFailure');
    const status = await waitForStatus(hub.client, id);
    expect(status.output).toBe('caught: Error: seven is not allowed'); // the SDK's TaskFailedError message: "<type>: <message>"
  });

  test('a durable timer fires after its time', async () => {
    const started = Date.now();
    const id = await hub.client.startNew('TimerThenValue');
    const status = await waitForStatus(hub.client, id);
    expect(status.output).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  test('an external event wins Task.any against a timer', async () => {
    const id = await hub.client.startNew('ApprovalOrTimeout');
    await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
    await hub.client.raiseEvent(id, 'Approval', 'yes');
    const status = await waitForStatus(hub.client, id);
    expect(status.output).toBe('approved: yes');
  });

  test('sub-orchestrations return their results to the parent', async () => {
    const id = await hub.client.startNew('Parent');
    const status = await waitForStatus(hub.client, id);
    expect(status.output).toEqual([6, 8]);
    const child = await hub.client.tryGetStatus(`${id}-explicit`);
    expect(child?.runtimeStatus).toBe('Completed');
  });

  test('continueAsNew restarts with new input and a fresh history', async () => {
    const id = await hub.client.startNew('Counter', { input: 0 });
    const status = await waitForStatus(hub.client, id, 30_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(5);
    expect(status.customStatus).toEqual({ generation: 5 });
    const history = { events: await hub.backend.getHistory(id) };
    expect(history.events.filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
  });

  test('2 MB input and output travel through blobs transparently', async () => {
    const input = 'x'.repeat(2 * 1024 * 1024);
    const id = await hub.client.startNew('BigPayload', { input });
    const status = await waitForStatus(hub.client, id, 60_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.input).toBe(input);
    expect(status.output).toBe('y'.repeat(input.length));
  });

  test('terminate ends a running instance with the reason', async () => {
    const id = await hub.client.startNew('WaitForever');
    await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
    await hub.client.terminate(id, 'no longer needed');
    const status = await waitForStatus(hub.client, id);
    expect(status.runtimeStatus).toBe('Terminated');
    expect(status.output).toBe('no longer needed');
  });

  test('a suspended instance records events but acts on them only after resume', async () => {
    const id = await hub.client.startNew('WaitThenDouble');
    await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
    await hub.client.suspend(id, 'maintenance');
    await waitForStatus(hub.client, id, 20_000, new Set(['Suspended']));
    await hub.client.raiseEvent(id, 'Value', 21);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await hub.client.tryGetStatus(id))?.runtimeStatus).toBe('Suspended');
    await hub.client.resume(id, 'done');
    const status = await waitForStatus(hub.client, id);
    expect(status.output).toBe(42);
  });

  test('callHttp performs the request and follows 202 + Location polling with durable timers', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        if (req.url === '/start') {
          res.writeHead(202, { Location: '/status', 'Retry-After': '1' });
          res.end();
        } else {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ done: true }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const id = await hub.client.startNew('CallsHttp', { input: `http://127.0.0.1:${port}/start` });
      const status = await waitForStatus(hub.client, id);
      const response = status.output as { statusCode: number; content: string; headers: Record<string, string> };
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.content)).toEqual({ done: true });
      expect(seen).toEqual(['POST /start {"hello":"world"}', 'GET /status ']);
    } finally {
      server.close();
    }
  });

  test('rewind re-runs only the failed activity of a Failed instance', async () => {
    const id = await hub.client.startNew('RewindMe');
    const failed = await waitForStatus(hub.client, id);
    expect(failed.runtimeStatus).toBe('Failed');
    await expect(hub.client.rewind('no-such-instance', 'x')).rejects.toThrow('No instance');
    await hub.client.rewind(id, 'fixed the bug');
    const status = await waitForStatus(hub.client, id, 30_000, new Set(['Completed']));
    expect(status.output).toEqual([1, 'recovered']);
    expect(calls).toEqual({ steady: 1, flaky: 2 });
    await expect(hub.client.rewind(id, 'again')).rejects.toThrow('only Failed instances can be rewound');
  });

  test('restart runs a finished instance again with its input under a new id', async () => {
    const id = await hub.client.startNew('Child', { input: 5 });
    await waitForStatus(hub.client, id);
    const again = await hub.client.restart(id);
    expect(again).not.toBe(id);
    const status = await waitForStatus(hub.client, again);
    expect(status.output).toBe(10);
    expect(status.input).toBe(5);
  });

  test('a failing sub-orchestration surfaces in the parent as a catchable error', async () => {
    const id = await hub.client.startNew('ParentCatches');
    const status = await waitForStatus(hub.client, id);
    expect(status.output).toBe('child failed: Error: seven is not allowed');
  });

  test('callActivityWithRetry retries on durable timers until the activity succeeds', async () => {
    const id = await hub.client.startNew('RetriesActivity');
    const status = await waitForStatus(hub.client, id);
    expect(status.output).toBe('succeeded on attempt 3');
    const history = { events: await hub.backend.getHistory(id) };
    expect(history.events.filter((e) => e.EventType === EventType.TimerCreated)).toHaveLength(2);
    expect(history.events.filter((e) => e.EventType === EventType.TaskFailed)).toHaveLength(2);
  });

  test('when attempts run out the last failure fails the orchestration', async () => {
    const id = await hub.client.startNew('RetriesTooFew');
    const status = await waitForStatus(hub.client, id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain('attempt 2 failed');
  });
});
