import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { freePort } from '../../src/localhost/azurite';

const root = path.join(__dirname, '../..');
const KEY = 'test-management-key-4711';

/** Runs the sample app exactly as the README's command does, with development storage. */
function startApp(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(process.execPath, [path.join(root, 'dist/src/localhost/cli.js'), root], {
      cwd: root,
      env: { ...process.env, PORT: String(port), AzureWebJobsStorage: 'UseDevelopmentStorage=true', DF_LOG_LEVEL: 'info', DurableTaskManagementKey: KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Function app running at')) resolve({ child, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`app exited with ${code}:\n${output}`)));
  });
}

/** Management calls carry the key: the anonymous starters no longer hand it out in their URLs. */
const withKey = { 'x-functions-key': KEY };

async function pollUntilDone(url: string, timeoutMs: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(url, { headers: withKey });
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status !== 202 || Date.now() > deadline) return { status: res.status, body };
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the sample app through the local host', () => {
  let app: { child: ChildProcess; output: () => string };
  let base: string;
  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    app = await startApp(port);
  }, 60_000);
  afterAll(async () => {
    const exited = new Promise((r) => app.child.once('exit', r));
    app.child.kill('SIGTERM');
    await exited;
  });

  test('lists the HTTP functions registered through @azure/functions', () => {
    expect(app.output()).toContain('HttpStart: [POST]');
    expect(app.output()).toContain('/api/orchestrators/{orchestratorName}/{instanceId?}');
  });

  test('POST starts HelloCities with 202 + Location, and polling reaches Completed', async () => {
    const start = await fetch(`${base}/api/orchestrators/HelloCities`, { method: 'POST' });
    expect(start.status).toBe(202);
    const location = start.headers.get('location');
    const payload = (await start.json()) as Record<string, string>;
    expect(location).toBe(payload.statusQueryGetUri);
    expect(location).toContain(`/runtime/webhooks/durabletask/instances/${payload.id}`);
    const done = await pollUntilDone(location!, 30_000);
    expect(done.status).toBe(200);
    expect(done.body.runtimeStatus).toBe('Completed');
    expect(done.body.output).toEqual(['Hello Tokyo!', 'Hello Seattle!', 'Hello Cairo!']);
  });

  test('the df.getClient style starter waits and returns the output', async () => {
    const res = await fetch(`${base}/api/orchestrators-wait/FunctionChaining`, { method: 'POST', body: '5' });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe('result: 57');
  });

  test('bad requests get clear 400s and unknown instances 404', async () => {
    const unknown = await fetch(`${base}/api/orchestrators/NoSuchOrchestrator`, { method: 'POST' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toContain("'NoSuchOrchestrator' doesn't exist");
    const badJson = await fetch(`${base}/api/orchestrators/HelloCities`, { method: 'POST', body: '{not json' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: string }).error).toContain('not valid JSON');
    const missing = await fetch(`${base}/runtime/webhooks/durabletask/instances/does-not-exist?code=${KEY}`);
    expect(missing.status).toBe(404);
  });

  test('fan-out/fan-in sample aggregates its activities', async () => {
    const start = await fetch(`${base}/api/orchestrators/FanOutFanIn`, { method: 'POST', body: '20' });
    const done = await pollUntilDone(start.headers.get('location')!, 30_000);
    expect(done.body.output).toEqual({ items: 20, totalSize: 9 * 6 + 11 * 7 });
  });

  test('monitor sample polls with timers until the job completes', async () => {
    const start = await fetch(`${base}/api/orchestrators/MonitorJob`, { method: 'POST', body: JSON.stringify({ jobId: 'job-1', pollingIntervalSeconds: 1 }) });
    const done = await pollUntilDone(start.headers.get('location')!, 30_000);
    expect(done.body.output).toEqual({ jobId: 'job-1', polls: 3, result: 'Completed' });
    expect(done.body.customStatus).toEqual({ polls: 3, lastStatus: 'Completed' });
  });

  test('human interaction sample: approval raised through sendEventPostUri', async () => {
    const start = await fetch(`${base}/api/orchestrators/ApprovalWorkflow`, { method: 'POST', body: JSON.stringify({ requestId: 'r-1' }) });
    const urls = (await start.json()) as Record<string, string>;
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 100 && status.customStatus !== 'Waiting for approval'; i++) {
      status = (await (await fetch(urls.statusQueryGetUri, { headers: withKey })).json()) as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 100));
    }
    const raise = await fetch(urls.sendEventPostUri.replace('{eventName}', 'ApprovalEvent'), { method: 'POST', body: 'true', headers: { 'Content-Type': 'application/json', ...withKey } });
    expect(raise.status).toBe(202);
    const done = await pollUntilDone(urls.statusQueryGetUri, 30_000);
    expect(done.body.output).toEqual({ requestId: 'r-1', approved: true });
    expect(done.body.customStatus).toBe('Approved');
    const late = await fetch(urls.sendEventPostUri.replace('{eventName}', 'ApprovalEvent'), { method: 'POST', body: 'true', headers: withKey });
    expect(late.status).toBe(410);
  });

  test('human interaction sample escalates when the durable timeout fires first', async () => {
    const start = await fetch(`${base}/api/orchestrators/ApprovalWorkflow`, { method: 'POST', body: JSON.stringify({ requestId: 'r-2', timeoutHours: 0.0003 }) });
    const done = await pollUntilDone(start.headers.get('location')!, 30_000);
    expect(done.body.output).toEqual({ requestId: 'r-2', approved: false, escalation: 'escalated r-2 to the manager' });
  });

  test('counter entity sample: signals over HTTP aggregate into the state', async () => {
    for (let i = 1; i <= 10; i++) {
      const res = await fetch(`${base}/api/counter/c1/add`, { method: 'POST', body: String(i) });
      expect(res.status).toBe(202);
    }
    let body: { entityExists: boolean; entityState?: number } = { entityExists: false };
    for (let i = 0; i < 100 && body.entityState !== 55; i++) {
      body = (await (await fetch(`${base}/api/counter/c1`)).json()) as typeof body;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toEqual({ entityExists: true, entityState: 55 });
    expect((await fetch(`${base}/api/counter/unknown-key`)).status).toBe(404);
    expect((await fetch(`${base}/api/counter/c1/add`, { method: 'POST', body: '{oops' })).status).toBe(400);
  });

  test('bank transfer sample moves money under a lock on both accounts', async () => {
    const deposit = await fetch(`${base}/api/orchestrators-wait/Deposit`, { method: 'POST', body: JSON.stringify({ account: 'alice', amount: 100 }) });
    expect(await deposit.json()).toBe(100);
    const transfer = await fetch(`${base}/api/orchestrators-wait/TransferFunds`, { method: 'POST', body: JSON.stringify({ from: 'alice', to: 'bob', amount: 30 }) });
    expect(await transfer.json()).toEqual({ transferred: true, from: 70, to: 30 });
    const refused = await fetch(`${base}/api/orchestrators-wait/TransferFunds`, { method: 'POST', body: JSON.stringify({ from: 'bob', to: 'alice', amount: 500 }) });
    expect(await refused.json()).toEqual({ transferred: false, reason: 'balance 30 is below 500' });
  });

  test('registered-function sample: callables with withRetry, and versions through startNew and callSubOrchestrator', async () => {
    const plain = await fetch(`${base}/api/orchestrators-wait/GreetAll`, { method: 'POST', body: JSON.stringify(['Tokyo']) });
    expect(await plain.json()).toEqual({
      ownVersion: '(none)',
      latest: { version: '(none)', greetings: ['Hello Tokyo!'] },
      formal: { version: '2.0', greetings: ['Good day, Tokyo.'] },
    });
    const start = await fetch(`${base}/api/orchestrators-versioned/GreetAll/1.5`, { method: 'POST', body: JSON.stringify(['Cairo']) });
    expect(start.status).toBe(202);
    const { statusQueryGetUri } = (await start.json()) as Record<string, string>;
    const done = await pollUntilDone(statusQueryGetUri, 30_000);
    expect(done.body.output).toMatchObject({ ownVersion: '1.5', formal: { version: '2.0' } });
  });

  test('token-source sample fails with a clear message when no Azure identity is available', async () => {
    const start = await fetch(`${base}/api/orchestrators/ListAzureSubscriptions`, { method: 'POST' });
    const { statusQueryGetUri } = (await start.json()) as Record<string, string>;
    const done = await pollUntilDone(statusQueryGetUri, 60_000);
    // Either no identity here (the usual case in CI) or a developer login that lists subscriptions.
    if (done.body.runtimeStatus === 'Failed') expect(String(done.body.output)).toMatch(/could not get a managed identity token for 'https:\/\/management\.core\.windows\.net'/);
    else expect(done.body.runtimeStatus).toBe('Completed');
  });

  test('the management API requires the configured key, which only callers that presented it get in URLs, and logs never show', async () => {
    // Before, the anonymous starter put the key into the URLs it handed to anyone (issue 9, item 5).
    const anonymous = (await (await fetch(`${base}/api/orchestrators/HelloCities`, { method: 'POST' })).json()) as Record<string, string>;
    expect(anonymous.statusQueryGetUri).not.toContain(KEY);
    const start = await fetch(`${base}/api/orchestrators/HelloCities?code=${KEY}`, { method: 'POST' });
    const payload = (await start.json()) as Record<string, string>;
    expect(payload.statusQueryGetUri).toContain(`code=${KEY}`);
    const withoutKey = payload.statusQueryGetUri.replace(`&code=${KEY}`, '');
    expect((await fetch(withoutKey)).status).toBe(401);
    expect((await fetch(withoutKey.replace(/\?/, `?code=wrong&`))).status).toBe(401);
    expect((await fetch(withoutKey, { headers: { 'x-functions-key': KEY } })).status).not.toBe(401);
    expect(app.output()).not.toContain(KEY);
  });

  test('the management API is also an ordinary HTTP function at /api/durabletask (the func start URL)', async () => {
    expect(app.output()).toContain('DurableTaskManagement: [GET,POST,DELETE]');
    const start = await fetch(`${base}/api/durabletask/orchestrators/HelloCities?code=${KEY}`, { method: 'POST' });
    expect(start.status).toBe(202);
    const payload = (await start.json()) as Record<string, string>;
    const done = await pollUntilDone(`${base}/api/durabletask/instances/${payload.id}?code=${KEY}`, 30_000);
    expect(done.body.runtimeStatus).toBe('Completed');
    expect((await fetch(`${base}/api/durabletask/instances/${payload.id}`)).status).toBe(401);
  });
});
