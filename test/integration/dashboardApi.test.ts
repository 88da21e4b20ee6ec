import { FunctionRegistry } from '../../src/runtime/registry';
import { EntityId } from '../../src/entities/entityId';
import { LocalCoreApi } from '../../src/localhost/coreApi';
import { LocalFunctionHost } from '../../src/localhost/functionHost';
import { OrchestrationContext } from '../../src/orchestration/context';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

const KEY = 'dashboard-api-key-5521';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Echo', (x: unknown) => x);
  r.registerOrchestration('Alpha', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('Echo', context.df.getInput());
  });
  r.registerOrchestration('Beta', function* (context: OrchestrationContext) {
    return yield context.df.waitForExternalEvent('Go');
  });
  r.registerEntity('Tally', (context) => {
    const n = (context.df.getState(() => 0) as number) ?? 0;
    if (context.df.operationName === 'add') context.df.setState(n + (context.df.getInput<number>() ?? 0));
  });
  return r;
}

/** The dashboard's own routes (hub/counts, hub/overview, list filters, the page) over real HTTP and Azurite. */
describe('dashboard routes of the management API', () => {
  let hub: TestHub;
  let host: LocalFunctionHost;
  let api: string;
  const get = (path: string, headers: Record<string, string> = { 'x-functions-key': KEY }) => fetch(`${api}/${path}`, { headers });

  beforeAll(async () => {
    hub = await startTestHub(registry());
    host = new LocalFunctionHost(new LocalCoreApi(), { port: 0, routePrefix: 'api', managementClient: () => hub.client, managementKey: KEY });
    await host.listen();
    api = `http://localhost:${host.port}/runtime/webhooks/durabletask`;
    for (const id of ['a-1', 'a-2', 'a-3']) await hub.client.startNew('Alpha', { instanceId: id, input: id });
    await hub.client.startNew('Beta', { instanceId: 'b-1' });
    await hub.client.signalEntity(new EntityId('Tally', 't1'), 'add', 2);
    for (const id of ['a-1', 'a-2', 'a-3']) await waitForStatus(hub.client, id);
    await waitForStatus(hub.client, 'b-1', 30_000, new Set(['Running']));
    for (let i = 0; i < 100 && !(await hub.client.readEntityState(new EntityId('Tally', 't1'))).entityExists; i++) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    await host.close();
    await hub.stop();
  });

  test('every dashboard route requires the key', async () => {
    for (const path of ['dashboard/', 'hub/counts', 'hub/overview']) {
      const res = await get(path, {});
      expect(res.status).toBe(401);
    }
  });

  test('the page is one HTML document with its script and style inlined under a nonce CSP', async () => {
    const res = await fetch(`${api}/dashboard/?code=${KEY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const nonce = /script-src 'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce).toBeTruthy();
    const html = await res.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).not.toContain('__SCRIPT__');
    expect(html).toContain('function buildTimeline');
    expect((await fetch(`${api}/dashboard/`, { method: 'POST', headers: { 'x-functions-key': KEY } })).status).toBe(405);
  });

  test('hub/counts counts per status, with the list filters, entities excluded on request', async () => {
    const all = (await (await get('hub/counts')).json()) as { counts: Record<string, number>; total: number; complete: boolean; taskHub: string };
    expect(all).toEqual({ taskHub: hub.hub.name, counts: { Completed: 3, Running: 2 }, total: 5, complete: true });
    const orchestrations = (await (await get('hub/counts?excludeEntities=true')).json()) as { counts: Record<string, number> };
    expect(orchestrations.counts).toEqual({ Completed: 3, Running: 1 });
    const alpha = (await (await get('hub/counts?name=Alpha&instanceIdPrefix=a-')).json()) as { total: number };
    expect(alpha.total).toBe(3);
    const bad = await get('hub/counts?runtimeStatus=Sleeping');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { Message: string }).Message).toContain("Unknown runtimeStatus 'Sleeping'");
    expect((await get('hub/nothing')).status).toBe(404);
  });

  test('the list filters by orchestrator name and leaves entities out on request', async () => {
    const beta = (await (await get('instances?name=Beta')).json()) as { instanceId: string }[];
    expect(beta.map((s) => s.instanceId)).toEqual(['b-1']);
    const withEntities = (await (await get('instances')).json()) as { instanceId: string }[];
    expect(withEntities.map((s) => s.instanceId)).toContain('@tally@t1');
    const without = (await (await get('instances?excludeEntities=true')).json()) as { instanceId: string }[];
    expect(without.map((s) => s.instanceId).sort()).toEqual(['a-1', 'a-2', 'a-3', 'b-1']);
  });

  test('hub/overview reports partitions with the lease owner, queue depths, workers and throughput', async () => {
    const res = await get('hub/overview');
    expect(res.status).toBe(200);
    const o = (await res.json()) as {
      taskHub: string;
      partitionCount: number;
      partitions: { partition: number; owner: string | null; leaseState: string; queueDepth: number | null }[];
      workItemQueueDepth: number | null;
      workers: { workerId: string; partitions: number[] }[];
      throughput: { minutes: { started: number; completed: number }[]; complete: boolean };
    };
    expect(o.taskHub).toBe(hub.hub.name);
    expect(o.partitionCount).toBe(4);
    expect(o.partitions.map((p) => p.leaseState)).toEqual(['leased', 'leased', 'leased', 'leased']);
    const workerId = hub.engine.options.workerId;
    expect(o.partitions.every((p) => p.owner === workerId && typeof p.queueDepth === 'number')).toBe(true);
    expect(o.workers).toEqual([{ workerId, partitions: [0, 1, 2, 3] }]);
    expect(typeof o.workItemQueueDepth).toBe('number');
    expect(o.throughput.minutes).toHaveLength(10);
    const started = o.throughput.minutes.reduce((n, m) => n + m.started, 0);
    const completed = o.throughput.minutes.reduce((n, m) => n + m.completed, 0);
    expect(started).toBe(4);
    expect(completed).toBe(3);
  });
});
