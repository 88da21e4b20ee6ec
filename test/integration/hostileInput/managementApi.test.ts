/**
 * Hostile input against the management API served by the local host, each class of issue 9 with a
 * storage snapshot before and after where a request must be refused without changing anything.
 */
import { FunctionRegistry } from '../../../src/runtime/registry';
import { InvalidInstanceIdError } from '../../../src/client/instanceId';
import { InvalidQueryError } from '../../../src/backend/errors';
import { EntityId } from '../../../src/entities/entityId';
import { LocalCoreApi } from '../../../src/localhost/coreApi';
import { LocalFunctionHost } from '../../../src/localhost/functionHost';
import { OrchestrationContext } from '../../../src/orchestration/context';
import { escapePartitionKey } from '../../../src/backend/azureStorage/keys';
import { rawHttp } from '../../support/rawHttp';
import { expectUnchanged } from '../../support/storageSnapshot';
import { TestHub, startTestHub, waitForStatus } from '../../support/testHub';

const KEY = 'hostile-suite-key-0815';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Echo', (x: unknown) => x);
  r.registerOrchestration('Echoes', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('Echo', context.df.getInput());
  });
  r.registerOrchestration('Waits', function* (context: OrchestrationContext) {
    return yield context.df.waitForExternalEvent('Go');
  });
  r.registerEntity('Tally', (context) => {
    const n = (context.df.getState(() => 0) as number) ?? 0;
    if (context.df.operationName === 'add') context.df.setState(n + (context.df.getInput<number>() ?? 0));
  });
  return r;
}

describe('hostile input: management API', () => {
  let hub: TestHub;
  let host: LocalFunctionHost;
  let base: string;
  const api = (path: string, query = '') => `${base}/runtime/webhooks/durabletask/${path}?code=${KEY}${query}`;
  const post = (path: string, body?: string, query = '') => fetch(api(path, query), { method: 'POST', body });

  beforeAll(async () => {
    hub = await startTestHub(registry());
    host = new LocalFunctionHost(new LocalCoreApi(), {
      port: 0,
      routePrefix: 'api',
      managementClient: () => hub.client,
      managementKey: KEY,
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 1_500,
    });
    await host.listen();
    base = `http://localhost:${host.port}`;
  });
  afterAll(async () => {
    await host.close();
    await hub.stop();
  });

  async function startAndFinish(id: string, input: unknown): Promise<void> {
    const res = await post(`orchestrators/Echoes/${encodeURIComponent(id)}`, JSON.stringify(input));
    expect(res.status).toBe(202);
    await waitForStatus(hub.client, id, 30_000);
  }

  test('1. characters XML cannot carry never reach a queue: nothing is wedged and values round-trip', async () => {
    const odd = 'a\uFFFF\uFFFEb\uD83D\uDE00';
    const ids = Array.from({ length: 12 }, (_, i) => `xml-bystander-${i}`);
    const starts = ids.map((id) => post(`orchestrators/Echoes/${id}`, JSON.stringify(id)));
    starts.push(post('orchestrators/Echoes/xml-odd', JSON.stringify(odd)));
    expect((await Promise.all(starts)).map((r) => r.status)).toEqual(Array(13).fill(202));
    for (const id of ids) expect((await waitForStatus(hub.client, id, 30_000)).output).toBe(id);
    expect((await waitForStatus(hub.client, 'xml-odd', 30_000)).output).toBe(odd);

    // Event names and data too.
    expect((await post('orchestrators/Waits/xml-events')).status).toBe(202);
    await waitForStatus(hub.client, 'xml-events', 20_000, new Set(['Running']));
    expect((await post('instances/xml-events/raiseEvent/Go%EF%BF%BF', '1')).status).toBe(202);
    expect((await post('instances/xml-events/raiseEvent/Go', JSON.stringify(odd))).status).toBe(202);
    expect((await waitForStatus(hub.client, 'xml-events', 30_000)).output).toBe(odd);

    // Where such a character would become a key or a blob name, it is refused and nothing is written.
    await expectUnchanged(hub.hub, async () => {
      const badId = await post('orchestrators/Echoes/id%EF%BF%BFx', '1');
      expect(badId.status).toBe(400);
      expect(((await badId.json()) as { Message: string }).Message).toContain('\\uffff');
      expect((await post('entities/tally/k%EF%BF%BE', '1', '&op=add')).status).toBe(400);
      await expect(hub.client.startNew('Echoes', { instanceId: 'lone\uD800' })).rejects.toThrow(InvalidInstanceIdError);
    });
  });

  test('2. a stored string that looks like a blob URL is data: no instance bricked, no blob copied', async () => {
    await startAndFinish('owner-of-blob', 'x'.repeat(70_000));
    const row = await hub.hub.storage.instances.getEntity<Record<string, unknown>>('owner-of-blob', '');
    const foreignUrl = String(row.Input);
    expect(foreignUrl.startsWith(hub.hub.storage.largeMessages.url)).toBe(true);
    const missingUrl = `${hub.hub.storage.largeMessages.url}/victim/history-none.json.gz`;

    expect((await post('orchestrators/Waits/victim')).status).toBe(202);
    await waitForStatus(hub.client, 'victim', 20_000, new Set(['Running']));
    expect((await post(`instances/victim/raiseEvent/${encodeURIComponent(foreignUrl)}`, '1')).status).toBe(202);
    expect((await post('instances/victim/suspend', undefined, `&reason=${encodeURIComponent(missingUrl)}`)).status).toBe(202);
    await waitForStatus(hub.client, 'victim', 20_000, new Set(['Suspended']));
    expect((await post('instances/victim/resume', undefined, `&reason=${encodeURIComponent(foreignUrl)}`)).status).toBe(202);
    await waitForStatus(hub.client, 'victim', 20_000, new Set(['Running']));

    const status = await fetch(api('instances/victim', '&showHistory=true'));
    expect(status.status).toBe(202);
    const body = (await status.json()) as { historyEvents: { EventType: string; Name?: string; Reason?: string }[] };
    const raised = body.historyEvents.find((e) => e.EventType === 'EventRaised');
    expect(raised?.Name).toBe(foreignUrl);
    expect(JSON.stringify(body)).not.toContain('x'.repeat(100));

    expect((await post('instances/victim/raiseEvent/Go', '2')).status).toBe(202);
    expect((await waitForStatus(hub.client, 'victim', 30_000)).output).toBe(2);
    const purged = await fetch(api('instances/victim'), { method: 'DELETE' });
    expect(purged.status).toBe(200);
    expect((await hub.client.getStatus('owner-of-blob')).input).toBe('x'.repeat(70_000));
  });

  test("4. purging 'col^^' leaves the blobs of 'col^' alone", async () => {
    await startAndFinish('col^', 'a'.repeat(70_000));
    await startAndFinish('col^^', 'b'.repeat(70_000));
    expect(escapePartitionKey('col^')).toBe('col^^');
    expect((await fetch(api(`instances/${encodeURIComponent('col^^')}`), { method: 'DELETE' })).status).toBe(200);
    const survivor = await fetch(api(`instances/${encodeURIComponent('col^')}`));
    expect(survivor.status).toBe(200);
    expect(((await survivor.json()) as { input: string }).input).toBe('a'.repeat(70_000));
    expect((await fetch(api(`instances/${encodeURIComponent('col^')}`), { method: 'DELETE' })).status).toBe(200);
  });

  test('5. the key: refused without it, compared in full, handed out only to callers that presented it, never from a hostile Host', async () => {
    await expectUnchanged(hub.hub, async () => {
      expect((await fetch(`${base}/runtime/webhooks/durabletask/instances`)).status).toBe(401);
      expect((await fetch(`${base}/runtime/webhooks/durabletask/instances?code=${KEY.slice(0, -1)}`)).status).toBe(401);
      expect((await fetch(`${base}/runtime/webhooks/durabletask/instances?code=${KEY}x`)).status).toBe(401);
      expect((await fetch(`${base}/runtime/webhooks/durabletask/orchestrators/Echoes/nokey`, { method: 'POST' })).status).toBe(401);
    });
    const start = await rawHttp(host.port, [
      `POST /runtime/webhooks/durabletask/orchestrators/Echoes/hostile-host?code=${KEY} HTTP/1.1`,
      'Host: attacker.example',
      'Content-Length: 0',
      'Connection: close',
    ]);
    expect(start.status).toBe(202);
    expect(start.text).not.toContain('attacker.example');
    const byHeader = await fetch(`${base}/runtime/webhooks/durabletask/orchestrators/Echoes/by-header`, { method: 'POST', headers: { 'x-functions-key': KEY } });
    expect(byHeader.status).toBe(202);
    // Quiet storage for the snapshots of the next tests.
    await waitForStatus(hub.client, 'hostile-host', 30_000);
    await waitForStatus(hub.client, 'by-header', 30_000);
  });

  test('6. key and size are enforced from the headers, before the body is read; unfinished bodies time out', async () => {
    await expectUnchanged(hub.hub, async () => {
      // 100 MB declared, 64 KB sent: the answer must come without the rest.
      const unauthenticated = await rawHttp(
        host.port,
        ['POST /runtime/webhooks/durabletask/orchestrators/Echoes/huge HTTP/1.1', 'Host: localhost', `Content-Length: ${100 * 1024 * 1024}`],
        Buffer.alloc(64 * 1024, 0x41),
        5_000,
      );
      expect(unauthenticated.status).toBe(401);
      const tooBig = await rawHttp(
        host.port,
        [`POST /runtime/webhooks/durabletask/orchestrators/Echoes/huge?code=${KEY} HTTP/1.1`, 'Host: localhost', `Content-Length: ${20 * 1024 * 1024}`],
        Buffer.alloc(64 * 1024, 0x41),
        5_000,
      );
      expect(tooBig.status).toBe(400);
      expect(tooBig.text).toContain('exceeds the limit');
      const stalled = await rawHttp(
        host.port,
        [`POST /runtime/webhooks/durabletask/orchestrators/Echoes/stalled?code=${KEY} HTTP/1.1`, 'Host: localhost', 'Content-Length: 1000'],
        '"only the beginning',
        8_000,
      );
      expect(stalled.status).toBe(408);
    });
  });

  test('7. garbage tokens, prefixes, encodings and Host headers answer 400; concurrent purges have one winner', async () => {
    await expectUnchanged(hub.hub, async () => {
      const garbage = ['garbage!!', Buffer.from('not json').toString('base64'), Buffer.from('{"nextPartitionKey":{}}').toString('base64'), 'A'.repeat(5000)];
      for (const token of garbage) {
        expect((await fetch(api('instances'), { headers: { 'x-ms-continuation-token': token } })).status).toBe(400);
        expect((await fetch(api('entities'), { headers: { 'x-ms-continuation-token': token } })).status).toBe(400);
      }
      expect((await fetch(api('instances', `&instanceIdPrefix=${'p'.repeat(10 * 1024)}`))).status).toBe(400);
      expect((await fetch(api('instances', '&instanceIdPrefix=x%EF%BF%BF'))).status).toBe(400);
      expect((await fetch(api('instances/bad%ZZ'))).status).toBe(400);
      for (const hostHeader of ['exa mple', '[::1', 'a/b', 'x:99999999']) {
        const res = await rawHttp(host.port, [`GET /runtime/webhooks/durabletask/instances?code=${KEY} HTTP/1.1`, `Host: ${hostHeader}`, 'Connection: close']);
        expect(res.status).toBe(400);
      }
      await expect(hub.client.listInstances({ instanceIdPrefix: 'x\uD83D' })).rejects.toThrow(InvalidQueryError);
    });

    // A prefix whose last character is outside the BMP selects exactly its instances.
    for (const id of ['emoji\uD83D\uDE00a', 'emoji\uD83D\uDE00b', 'emoji\uD83D\uDE01']) await startAndFinish(id, 1);
    const listed = await fetch(api('instances', `&instanceIdPrefix=${encodeURIComponent('emoji\uD83D\uDE00')}`));
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { instanceId: string }[]).map((s) => s.instanceId).sort()).toEqual(['emoji\uD83D\uDE00a', 'emoji\uD83D\uDE00b']);

    await startAndFinish('purge-race', 'x'.repeat(70_000));
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(api('instances/purge-race'), { method: 'DELETE' })));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 404, 404, 404, 404, 404, 404, 404]);
    expect(await hub.client.tryGetStatus('purge-race')).toBeUndefined();
  });

  test('8. ids . and .. are refused by the library; lifecycle calls on an entity are refused clearly', async () => {
    await hub.client.signalEntity(new EntityId('Tally', 't1'), 'add', 5);
    for (let i = 0; i < 100 && !(await hub.client.readEntityState(new EntityId('Tally', 't1'))).entityExists; i++) await new Promise((r) => setTimeout(r, 100));
    await expectUnchanged(hub.hub, async () => {
      // Over HTTP '.' cannot even be expressed (URL parsers drop dot segments, '%2E' included): that
      // is why no instance may have such an id.
      await expect(hub.client.startNew('Echoes', { instanceId: '.' })).rejects.toThrow('cannot be addressed');
      await expect(hub.client.startNew('Echoes', { instanceId: '.' })).rejects.toThrow(InvalidInstanceIdError);
      await expect(hub.client.startNew('Echoes', { instanceId: '..' })).rejects.toThrow(InvalidInstanceIdError);
      await expect(hub.client.signalEntity(new EntityId('Tally', '..'), 'add', 1)).rejects.toThrow(InvalidInstanceIdError);

      const entity = encodeURIComponent('@tally@t1');
      for (const [action, query] of [['terminate', '&reason=x'], ['suspend', '&reason=x'], ['resume', '&reason=x'], ['rewind', '&reason=x'], ['restart', ''], ['raiseEvent/Go', '']]) {
        const res = await post(`instances/${entity}/${action}`, '1', query);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { Message: string }).Message).toContain('is an entity id');
      }
      const id = '@tally@t1';
      await expect(hub.client.terminate(id, 'x')).rejects.toThrow('is an entity id');
      await expect(hub.client.suspend(id, 'x')).rejects.toThrow('is an entity id');
      await expect(hub.client.resume(id, 'x')).rejects.toThrow('is an entity id');
      await expect(hub.client.restart(id)).rejects.toThrow('is an entity id');
      await expect(hub.client.raiseEvent(id, 'Go', 1)).rejects.toThrow('is an entity id');
      await expect(hub.client.rewind(id, 'x')).rejects.toThrow('is an entity id');
    });
    expect((await hub.client.readEntityState(new EntityId('Tally', 't1'))).entityState).toBe(5);
  });
});
