import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { TestHub, startTestHub, storageConnection, waitForStatus } from '../support/testHub';

const cli = path.join(__dirname, '../../dist/src/cli/durable.js');

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Double', (x: number) => x * 2);
  r.registerOrchestration('Doubler', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('Double', context.df.getInput<number>());
  });
  r.registerOrchestration('Waiter', function* (context: OrchestrationContext) {
    return yield context.df.waitForExternalEvent('Go');
  });
  r.registerActivity('FailOnce', (key: string) => {
    if (!failed.has(key)) {
      failed.add(key);
      throw new Error('first attempt fails');
    }
    return 'second attempt works';
  });
  r.registerOrchestration('Flaky', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('FailOnce', context.df.instanceId);
  });
  return r;
}
const failed = new Set<string>();

describe('durable CLI', () => {
  let hub: TestHub;
  let cwd: string;

  function run(...args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [cli, ...args, '--connection-string-setting', 'MY_CONN', '--task-hub-name', hub.hub.name], {
      cwd,
      env: { ...process.env, MY_CONN: storageConnection() },
      encoding: 'utf8',
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
  const json = (...args: string[]) => {
    const r = run(...args, '--json');
    if (r.code !== 0) throw new Error(`durable ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    hub = await startTestHub(registry());
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-cli-'));
  });
  afterAll(() => hub.stop());

  test('start-new with inline JSON and @file input, get-runtime-status and get-history', async () => {
    const started = json('start-new', '--function-name', 'Doubler', '--input', '21', '--id', 'cli-1');
    expect(started).toEqual({ id: 'cli-1' });
    await waitForStatus(hub.client, 'cli-1');
    const status = json('get-runtime-status', '--id', 'cli-1', '--show-input', '--show-output', 'true');
    expect(status).toMatchObject({ instanceId: 'cli-1', runtimeStatus: 'Completed', input: 21, output: 42 });
    const hidden = json('get-runtime-status', '--id', 'cli-1');
    expect(hidden).not.toHaveProperty('input');
    expect(hidden).not.toHaveProperty('output');
    const human = run('get-runtime-status', '--id', 'cli-1', '--show-output');
    expect(human.stdout).toContain('Status:        Completed');
    expect(human.stdout).toContain('Output:        42');

    fs.writeFileSync(path.join(cwd, 'input.json'), '5');
    const fromFile = json('start-new', '--function-name', 'Doubler', '--input', '@input.json');
    expect((await waitForStatus(hub.client, fromFile.id)).output).toBe(10);

    const history = json('get-history', '--id', 'cli-1') as { EventType: string }[];
    expect(history.map((e) => e.EventType)).toEqual(expect.arrayContaining(['ExecutionStarted', 'TaskScheduled', 'TaskCompleted', 'ExecutionCompleted']));
    expect(run('get-history', '--id', 'cli-1').stdout).toMatch(/TaskCompleted\s+task 0\s+42/);
  });

  test('raise-event with inline and @file data, terminate, rewind', async () => {
    await hub.client.startNew('Waiter', { instanceId: 'cli-ev' });
    await waitForStatus(hub.client, 'cli-ev', 20_000, new Set(['Running']));
    fs.writeFileSync(path.join(cwd, 'event.json'), '{"ok": true}');
    expect(run('raise-event', '--id', 'cli-ev', '--event-name', 'Go', '--event-data', '@event.json').code).toBe(0);
    expect((await waitForStatus(hub.client, 'cli-ev')).output).toEqual({ ok: true });

    await hub.client.startNew('Waiter', { instanceId: 'cli-term' });
    await waitForStatus(hub.client, 'cli-term', 20_000, new Set(['Running']));
    const terminated = run('terminate', '--id', 'cli-term', '--reason', 'done here');
    expect(terminated.stdout).toContain("Termination of 'cli-term' requested.");
    expect((await waitForStatus(hub.client, 'cli-term')).output).toBe('done here');

    await hub.client.startNew('Flaky', { instanceId: 'cli-rewind' });
    expect((await waitForStatus(hub.client, 'cli-rewind')).runtimeStatus).toBe('Failed');
    expect(run('rewind', '--id', 'cli-rewind', '--reason', 'retry').code).toBe(0);
    expect((await waitForStatus(hub.client, 'cli-rewind', 30_000, new Set(['Completed']))).output).toBe('second attempt works');
  });

  test('get-instances pages with --top and --continuation-token and filters by status and time', async () => {
    for (let i = 0; i < 3; i++) await hub.client.startNew('Doubler', { instanceId: `page-${i}`, input: i });
    await Promise.all([0, 1, 2].map((i) => waitForStatus(hub.client, `page-${i}`)));
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: { instances: { instanceId: string }[]; continuationToken: string | null } = token
        ? json('get-instances', '--top', '2', '--continuation-token', token)
        : json('get-instances', '--top', '2');
      seen.push(...page.instances.map((s) => s.instanceId));
      token = page.continuationToken;
      pages++;
    } while (token);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(expect.arrayContaining(['page-0', 'page-1', 'page-2', 'cli-1']));
    const running = json('get-instances', '--runtime-status', 'running', '--top', '100') as { instances: unknown[] };
    expect(running.instances).toEqual([]);
    const future = json('get-instances', '--created-after', new Date(Date.now() + 3600_000).toISOString()) as { instances: unknown[] };
    expect(future.instances).toEqual([]);
  });

  test('bad input: clear one-line errors and exit code 1', () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /Unknown command 'frobnicate'/],
      [['start-new'], /Missing required flag --function-name/],
      [['start-new', '--function-name', 'Doubler', '--input', '{nope'], /--input is not valid JSON/],
      [['start-new', '--function-name', 'Doubler', '--input', '@missing.json'], /Cannot read .*missing\.json for --input: ENOENT/],
      [['get-instances', '--created-after', 'yesterday-ish'], /--created-after is not a valid date\/time/],
      [['get-instances', '--runtime-status', 'Sleeping'], /Unknown runtime status 'Sleeping'/],
      [['get-instances', '--top', 'many'], /--top must be an integer/],
      [['get-runtime-status', '--id', 'bad#id'], /invalid character '#'/],
      [['get-runtime-status', '--id', 'no-such-instance'], /No instance with ID 'no-such-instance'/],
      [['terminate', '--id', 'x', '--bogus', '1'], /Unknown flag --bogus/],
    ];
    for (const [args, pattern] of cases) {
      const r = run(...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  test('purge-history removes only finished instances; delete-task-hub removes every artifact', async () => {
    await hub.client.startNew('Waiter', { instanceId: 'still-running' });
    await waitForStatus(hub.client, 'still-running', 20_000, new Set(['Running']));
    await hub.client.startNew('Flaky', { instanceId: 'failed-kept' });
    expect((await waitForStatus(hub.client, 'failed-kept')).runtimeStatus).toBe('Failed');
    const purged = run('purge-history', '--runtime-status', 'Completed,Terminated', '--json');
    expect(purged.code).toBe(0);
    expect(JSON.parse(purged.stdout).instancesDeleted).toBeGreaterThanOrEqual(5);
    expect(purged.stderr).toMatch(/Purged \d+ instance\(s\)\.\.\./);
    expect(await hub.client.tryGetStatus('cli-1')).toBeUndefined();
    expect((await hub.client.tryGetStatus('still-running'))?.runtimeStatus).toBe('Running');
    expect((await hub.client.tryGetStatus('failed-kept'))?.runtimeStatus).toBe('Failed');

    await hub.stop();
    const deleted = run('delete-task-hub');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Deleted task hub '${hub.hub.name}'.`);
    expect(deleted.stderr).toContain(`Deleted ${hub.hub.name.toLowerCase()}-workitems`);
    const queues: string[] = [];
    for await (const q of hub.hub.storage.account.queues.listQueues({ prefix: hub.hub.name.toLowerCase() })) queues.push(q.name);
    expect(queues).toEqual([]);
    expect(await hub.hub.storage.leases.exists()).toBe(false);
    expect(await hub.hub.storage.largeMessages.exists()).toBe(false);
    await expect(hub.hub.storage.history.getEntity('x', 'y')).rejects.toMatchObject({ statusCode: 404 });
  });

  test('--help lists every func durable command', () => {
    const r = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const c of ['start-new', 'get-runtime-status', 'get-history', 'get-instances', 'terminate', 'raise-event', 'rewind', 'purge-history', 'delete-task-hub']) {
      expect(r.stdout).toContain(c);
    }
  });
});
