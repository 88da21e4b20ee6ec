import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { freePort } from '../../src/localhost/azurite';

const root = path.join(__dirname, '../..');

/** Runs the sample app exactly as the README's command does, with development storage. */
function startApp(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(process.execPath, [path.join(root, 'dist/src/localhost/cli.js'), root], {
      cwd: root,
      env: { ...process.env, PORT: String(port), AzureWebJobsStorage: 'UseDevelopmentStorage=true', DF_LOG_LEVEL: 'warn' },
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

async function pollUntilDone(url: string, timeoutMs: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(url);
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
    const missing = await fetch(`${base}/runtime/webhooks/durabletask/instances/does-not-exist`);
    expect(missing.status).toBe(404);
  });
});
