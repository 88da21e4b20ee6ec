/**
 * Hostile input against the sample app's own routes (anonymous starters, the counter entity) run by
 * the local host exactly as `npm start` runs it, and the management API's access rules in "Azure"
 * mode. Storage: the test Azurite, task hub SamplesHub (host.json), snapshotted around refusals.
 */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { freePort } from '../../../src/localhost/azurite';
import { TaskHub } from '../../../src/backend/azureStorage/taskHub';
import { rawHttp } from '../../support/rawHttp';
import { expectUnchanged } from '../../support/storageSnapshot';
import { storageConnection } from '../../support/testHub';

const root = path.join(__dirname, '../../..');
const KEY = 'sample-hostile-key-2718';

interface RunningApp {
  child: ChildProcess;
  base: string;
  port: number;
  output: () => string;
  stop(): Promise<void>;
}

async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(process.execPath, [path.join(root, 'dist/src/localhost/cli.js'), root], {
      cwd: root,
      env: { ...process.env, PORT: String(port), AzureWebJobsStorage: storageConnection(), DF_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Function app running at')) {
        resolve({
          child,
          port,
          base: `http://localhost:${port}`,
          output: () => output,
          stop: async () => {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`app exited with ${code}:\n${output}`)));
  });
}

async function waitForOutput(statusUrl: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(statusUrl);
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status === 200 || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hostile input: the sample routes (key configured)', () => {
  let app: RunningApp;
  let hub: TaskHub;
  const status = (id: string) => `${app.base}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}?code=${KEY}`;

  beforeAll(async () => {
    app = await startApp({ DurableTaskManagementKey: KEY });
    hub = new TaskHub(storageConnection(), 'SamplesHub', 4);
  }, 90_000);
  afterAll(() => app.stop());

  test('5. the anonymous starter hands out no key; a caller that presented it gets it back; the Host header is not trusted', async () => {
    const anonymous = await fetch(`${app.base}/api/orchestrators/HelloCities`, { method: 'POST' });
    expect(anonymous.status).toBe(202);
    const urls = (await anonymous.json()) as Record<string, string>;
    for (const value of Object.values(urls)) expect(value).not.toContain(KEY);
    expect(urls.statusQueryGetUri.startsWith(`${app.base}/runtime/webhooks/durabletask/instances/`)).toBe(true);
    expect((await fetch(urls.statusQueryGetUri)).status).toBe(401);

    const authenticated = await fetch(`${app.base}/api/orchestrators/HelloCities`, { method: 'POST', headers: { 'x-functions-key': KEY } });
    expect(((await authenticated.json()) as Record<string, string>).statusQueryGetUri).toContain(`code=${KEY}`);

    const hostile = await rawHttp(app.port, ['POST /api/orchestrators/HelloCities HTTP/1.1', 'Host: attacker.example', 'Content-Length: 0', 'Connection: close']);
    expect(hostile.status).toBe(202);
    expect(hostile.text).not.toContain('attacker.example');
    expect(hostile.text).toContain(`http://localhost:${app.port}/`);
    expect(app.output()).not.toContain(KEY);
  });

  test('1. a U+FFFF input through the anonymous starter wedges nothing', async () => {
    const starts = await Promise.all([
      fetch(`${app.base}/api/orchestrators/HelloCities`, { method: 'POST', body: '"\uFFFF"' }),
      ...Array.from({ length: 10 }, () => fetch(`${app.base}/api/orchestrators/HelloCities`, { method: 'POST' })),
    ]);
    const ids = await Promise.all(starts.map(async (r) => ((await r.json()) as { id: string }).id));
    for (const id of ids) expect((await waitForOutput(status(id))).runtimeStatus).toBe('Completed');
    expect((await waitForOutput(status(ids[0]))).input).toBe('\uFFFF');
  });

  test('7/8. bad route encoding, malformed Host, unusable entity keys and ids: 400, nothing written', async () => {
    await expectUnchanged(hub, async () => {
      const badEncoding = await fetch(`${app.base}/api/orchestrators/HelloCities/%ZZ`, { method: 'POST' });
      expect(badEncoding.status).toBe(400);
      const badHost = await rawHttp(app.port, ['POST /api/orchestrators/HelloCities HTTP/1.1', 'Host: bad host', 'Content-Length: 0', 'Connection: close']);
      expect(badHost.status).toBe(400);
      for (const key of ['k%EF%BF%BF', 'a%23b', 'x'.repeat(300)]) {
        const signal = await fetch(`${app.base}/api/counter/${key}/add`, { method: 'POST', body: '1' });
        expect(signal.status).toBe(400);
        expect(((await signal.json()) as { error: string }).error).toMatch(/Instance ID|Entity/);
      }
      const badId = await fetch(`${app.base}/api/orchestrators/HelloCities/id%EF%BF%BE`, { method: 'POST' });
      expect(badId.status).toBe(400);
    });
  });
});

describe('management API access in Azure', () => {
  test('10. requires a host key by default, the local host enforces the function level, and the opt-out is explicit', async () => {
    const azure = await startApp({ WEBSITE_INSTANCE_ID: 'hostile-suite', LOCALHOST_HOST_KEY: 'host-key-1', DurableTaskManagementKey: '' });
    try {
      expect(azure.output()).toContain('DurableTaskManagement: [GET,POST,DELETE]');
      expect(azure.output()).toContain('(function)');
      for (const url of [`${azure.base}/api/durabletask/instances`, `${azure.base}/runtime/webhooks/durabletask/instances`]) {
        expect((await fetch(url)).status).toBe(401);
        expect((await fetch(`${url}?code=wrong`)).status).toBe(401);
        expect((await fetch(`${url}?code=host-key-1`)).status).toBe(200);
        expect((await fetch(url, { headers: { 'x-functions-key': 'host-key-1' } })).status).toBe(200);
      }
      // The anonymous starter still works, and hands out no key it does not have.
      const start = await fetch(`${azure.base}/api/orchestrators/HelloCities`, { method: 'POST' });
      expect(start.status).toBe(202);
      expect(((await start.json()) as Record<string, string>).statusQueryGetUri).not.toContain('code=');
    } finally {
      await azure.stop();
    }
    const optedOut = await startApp({ WEBSITE_INSTANCE_ID: 'hostile-suite', DurableTaskManagementAuthLevel: 'anonymous', DurableTaskManagementKey: '' });
    try {
      expect((await fetch(`${optedOut.base}/api/durabletask/instances`)).status).toBe(200);
    } finally {
      await optedOut.stop();
    }
  });
});
