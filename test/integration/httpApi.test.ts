import { FunctionRegistry } from '../../src/runtime/registry';
import { LocalCoreApi } from '../../src/localhost/coreApi';
import { LocalFunctionHost } from '../../src/localhost/functionHost';
import { OrchestrationContext } from '../../src/orchestration/context';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Echo', (x: unknown) => x);
  r.registerActivity('Boom', () => {
    throw new Error('boom');
  });
  r.registerOrchestration('Echoes', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('Echo', context.df.getInput());
  });
  r.registerOrchestration('Waits', function* (context: OrchestrationContext) {
    return yield context.df.waitForExternalEvent('Go');
  });
  r.registerEntity('Tally', (context) => {
    const n = (context.df.getState(() => 0) as number) ?? 0;
    if (context.df.operationName === 'add') context.df.setState(n + context.df.getInput<number>()!);
  });
  r.registerOrchestration('Fails', function* (context: OrchestrationContext) {
    yield context.df.callActivity('Boom');
  });
  return r;
}

describe('HTTP management API', () => {
  let hub: TestHub;
  let host: LocalFunctionHost;
  let base: string;
  const api = () => `${base}/runtime/webhooks/durabletask`;

  beforeAll(async () => {
    hub = await startTestHub(registry());
    host = new LocalFunctionHost(new LocalCoreApi(), { port: 0, routePrefix: 'api', managementClient: () => hub.client });
    await host.listen();
    base = `http://localhost:${host.port}`;
  });
  afterAll(async () => {
    await host.close();
    await hub.stop();
  });

  async function start(name: string, input?: unknown, instanceId?: string): Promise<Record<string, string>> {
    const res = await fetch(`${api()}/orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`, {
      method: 'POST',
      body: input === undefined ? '' : JSON.stringify(input),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as Record<string, string>;
  }

  test('start answers 202 with Location and the management URLs; status goes 202 then 200', async () => {
    const res = await fetch(`${api()}/orchestrators/Echoes/http-1`, { method: 'POST', body: '{"a":1}' });
    expect(res.status).toBe(202);
    const payload = (await res.json()) as Record<string, string>;
    expect(res.headers.get('location')).toBe(payload.statusQueryGetUri);
    expect(Object.keys(payload).sort()).toEqual(
      ['id', 'purgeHistoryDeleteUri', 'restartPostUri', 'resumePostUri', 'rewindPostUri', 'sendEventPostUri', 'statusQueryGetUri', 'suspendPostUri', 'terminatePostUri'].sort(),
    );
    expect(payload.id).toBe('http-1');
    await waitForStatus(hub.client, 'http-1');
    const status = await fetch(payload.statusQueryGetUri);
    expect(status.status).toBe(200);
    const body = (await status.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'Echoes', instanceId: 'http-1', runtimeStatus: 'Completed', input: { a: 1 }, output: { a: 1 } });
    expect(String(body.createdTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const history = (await (await fetch(`${api()}/instances/http-1?showHistory=true&showHistoryOutput=true`)).json()) as { historyEvents: Record<string, unknown>[] };
    // The extension's shape: TaskScheduled merged into its completion, no OrchestratorStarted/Completed, parsed results.
    const types = history.historyEvents.map((e) => e.EventType);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toContain('TaskCompleted');
    expect(types.filter((t) => /^(TaskScheduled|OrchestratorStarted|OrchestratorCompleted)$/.test(String(t)))).toEqual([]);
    const completedTask = history.historyEvents.find((e) => e.EventType === 'TaskCompleted')!;
    expect(completedTask).toMatchObject({ FunctionName: expect.any(String), ScheduledTime: expect.any(String) });
    expect(history.historyEvents.at(-1)).toMatchObject({ EventType: 'ExecutionCompleted', OrchestrationStatus: 'Completed', Result: { a: 1 } });
    const withoutOutput = (await (await fetch(`${api()}/instances/http-1?showHistory=true`)).json()) as { historyEvents: Record<string, unknown>[] };
    expect(withoutOutput.historyEvents.filter((e) => 'Result' in e)).toEqual([]);
  });

  test('unknown instance 404, bad JSON 400, unknown orchestrator 400, duplicate running id 409, bad route 404', async () => {
    expect((await fetch(`${api()}/instances/nope`)).status).toBe(404);
    const bad = await fetch(`${api()}/orchestrators/Echoes`, { method: 'POST', body: '{broken' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { Message: string }).Message).toContain('not valid JSON');
    expect((await fetch(`${api()}/orchestrators/Missing`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${api()}/orchestrators/Echoes/bad%23id`, { method: 'POST' })).status).toBe(400);
    await start('Waits', undefined, 'dup-http');
    expect((await fetch(`${api()}/orchestrators/Waits/dup-http`, { method: 'POST' })).status).toBe(409);
    expect((await fetch(`${api()}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${api()}/instances/dup-http/unknownAction`, { method: 'POST' })).status).toBe(404);
  });

  test('raise event 202, then 410 once finished; terminate, suspend, resume', async () => {
    const w = await start('Waits', undefined, 'ev-1');
    await waitForStatus(hub.client, 'ev-1', 20_000, new Set(['Running']));
    const raised = await fetch(w.sendEventPostUri.replace('{eventName}', 'Go'), { method: 'POST', body: '"hello"' });
    expect(raised.status).toBe(202);
    expect((await waitForStatus(hub.client, 'ev-1')).output).toBe('hello');
    expect((await fetch(w.sendEventPostUri.replace('{eventName}', 'Go'), { method: 'POST', body: '1' })).status).toBe(410);
    expect((await fetch(`${api()}/instances/ev-1/raiseEvent/Go`, { method: 'POST', body: '{bad' })).status).toBe(400);

    const t = await start('Waits', undefined, 'term-1');
    await waitForStatus(hub.client, 'term-1', 20_000, new Set(['Running']));
    expect((await fetch(`${api()}/instances/term-1/suspend?reason=pause`, { method: 'POST' })).status).toBe(202);
    await waitForStatus(hub.client, 'term-1', 20_000, new Set(['Suspended']));
    expect((await fetch(`${api()}/instances/term-1`)).status).toBe(202);
    expect((await fetch(`${api()}/instances/term-1/resume?reason=go`, { method: 'POST' })).status).toBe(202);
    await waitForStatus(hub.client, 'term-1', 20_000, new Set(['Running']));
    expect((await fetch(t.terminatePostUri.replace('{text}', 'stop'), { method: 'POST' })).status).toBe(202);
    const terminated = await waitForStatus(hub.client, 'term-1');
    expect(terminated.runtimeStatus).toBe('Terminated');
    expect(terminated.output).toBe('stop');
    expect((await fetch(`${api()}/instances/term-1/terminate?reason=again`, { method: 'POST' })).status).toBe(410);
    expect((await fetch(`${api()}/instances/nope/terminate`, { method: 'POST' })).status).toBe(404);
  });

  test('failed instances: 200 by default, 500 on request; rewind only for Failed; restart gives a new id', async () => {
    await start('Fails', undefined, 'fail-1');
    await waitForStatus(hub.client, 'fail-1');
    expect((await fetch(`${api()}/instances/fail-1`)).status).toBe(200);
    expect((await fetch(`${api()}/instances/fail-1?returnInternalServerErrorOnFailure=true`)).status).toBe(500);
    expect((await fetch(`${api()}/instances/http-1/rewind?reason=x`, { method: 'POST' })).status).toBe(410);
    expect((await fetch(`${api()}/instances/fail-1/rewind?reason=x`, { method: 'POST' })).status).toBe(202);
    const restarted = await fetch(`${api()}/instances/http-1/restart`, { method: 'POST' });
    expect(restarted.status).toBe(202);
    const payload = (await restarted.json()) as Record<string, string>;
    expect(payload.id).not.toBe('http-1');
    expect((await waitForStatus(hub.client, payload.id)).output).toEqual({ a: 1 });
  });

  test('list with filters and continuation token; purge one and by filter', async () => {
    for (let i = 0; i < 5; i++) await start('Echoes', i, `list-${i}`);
    await Promise.all([0, 1, 2, 3, 4].map((i) => waitForStatus(hub.client, `list-${i}`)));
    const first = await fetch(`${api()}/instances?instanceIdPrefix=list-&top=2`);
    expect(first.status).toBe(200);
    const token = first.headers.get('x-ms-continuation-token');
    expect(token).toBeTruthy();
    const ids = ((await first.json()) as { instanceId: string }[]).map((s) => s.instanceId);
    expect(ids).toHaveLength(2);
    const rest: string[] = [...ids];
    let next = token;
    while (next) {
      const page = await fetch(`${api()}/instances?instanceIdPrefix=list-&top=2`, { headers: { 'x-ms-continuation-token': next } });
      rest.push(...((await page.json()) as { instanceId: string }[]).map((s) => s.instanceId));
      next = page.headers.get('x-ms-continuation-token');
    }
    expect(rest.sort()).toEqual(['list-0', 'list-1', 'list-2', 'list-3', 'list-4']);
    const completed = (await (await fetch(`${api()}/instances?runtimeStatus=Completed&instanceIdPrefix=list-`)).json()) as unknown[];
    expect(completed).toHaveLength(5);
    expect((await fetch(`${api()}/instances?runtimeStatus=Bogus`)).status).toBe(400);
    expect((await fetch(`${api()}/instances?createdTimeFrom=yesterday`)).status).toBe(400);
    // Quotes in filter values are data, not OData syntax.
    const injected = await fetch(`${api()}/instances?instanceIdPrefix=${encodeURIComponent("x' or PartitionKey ne '")}`);
    expect(injected.status).toBe(200);
    expect(await injected.json()).toEqual([]);

    const purged = await fetch(`${api()}/instances/list-0`, { method: 'DELETE' });
    expect(await purged.json()).toEqual({ instancesDeleted: 1 });
    expect((await fetch(`${api()}/instances/list-0`)).status).toBe(404);
    expect((await fetch(`${api()}/instances/list-0`, { method: 'DELETE' })).status).toBe(404);
    const from = new Date(Date.now() - 3600_000).toISOString();
    const byFilter = await fetch(`${api()}/instances?createdTimeFrom=${from}&runtimeStatus=Completed`, { method: 'DELETE' });
    expect(byFilter.status).toBe(200);
    expect(((await byFilter.json()) as { instancesDeleted: number }).instancesDeleted).toBeGreaterThanOrEqual(4);
    expect((await fetch(`${api()}/instances/list-4`)).status).toBe(404);
    // Running instances are never purged.
    expect((await fetch(`${api()}/instances/dup-http`)).status).toBe(202);
  });

  test('entities: signal with POST ?op=, read with GET, list by name', async () => {
    const signal = await fetch(`${api()}/entities/Tally/t1?op=add`, { method: 'POST', body: '7' });
    expect(signal.status).toBe(202);
    await fetch(`${api()}/entities/tally/t1?op=add`, { method: 'POST', body: '5' });
    let state: unknown;
    for (let i = 0; i < 100 && state !== 12; i++) {
      const res = await fetch(`${api()}/entities/tally/t1`);
      if (res.status === 200) state = await res.json();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toBe(12);
    expect((await fetch(`${api()}/entities/tally/unknown`)).status).toBe(404);
    expect((await fetch(`${api()}/entities/tally/t1?op=add`, { method: 'POST', body: 'not json' })).status).toBe(400);
    const list = (await (await fetch(`${api()}/entities/tally?fetchState=true`)).json()) as { entityId: { name: string; key: string }; state: unknown }[];
    expect(list).toEqual([expect.objectContaining({ entityId: { name: 'tally', key: 't1' }, state: 12 })]);
  });

  test('a huge body is refused with 400 and a clear message, nothing started', async () => {
    const before = (await hub.client.getStatusAll()).length;
    const res = await fetch(`${api()}/orchestrators/Echoes/too-big`, { method: 'POST', body: JSON.stringify('x'.repeat(9 * 1024 * 1024)) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { Message: string }).Message).toContain('exceeds the limit');
    expect(await hub.client.tryGetStatus('too-big')).toBeUndefined();
    expect((await hub.client.getStatusAll()).length).toBe(before);
  });
});
