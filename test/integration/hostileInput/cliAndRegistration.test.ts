/**
 * Hostile input through the `durable` CLI, and the registrations the Functions host would see
 * (durable bindings stripped on import, durable triggers refused).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FunctionRegistry } from '../../../src/runtime/registry';
import { OrchestrationContext } from '../../../src/orchestration/context';
import { expectUnchanged } from '../../support/storageSnapshot';
import { TestHub, startTestHub, storageConnection } from '../../support/testHub';

const dist = path.join(__dirname, '../../../dist');
const cli = path.join(dist, 'src/cli/durable.js');

describe('hostile input: the durable CLI', () => {
  let hub: TestHub;
  let cwd: string;
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args, '--connection-string-setting', 'MY_CONN', '--task-hub-name', hub.hub.name], {
      cwd,
      env: { ...process.env, MY_CONN: storageConnection() },
      encoding: 'utf8',
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    const registry = new FunctionRegistry();
    registry.registerOrchestration('Noop', function* (_context: OrchestrationContext) {
      return 1;
    });
    hub = await startTestHub(registry);
    await hub.hub.ensureCreated();
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-hostile-'));
  });
  afterAll(() => hub.stop());

  test('9. --json takes true/false in any case and nothing else', async () => {
    const upper = run('get-instances', '--json', 'TRUE');
    expect(upper.code).toBe(0);
    expect(() => JSON.parse(upper.stdout)).not.toThrow();
    expect(run('get-instances', '--json=True').code).toBe(0);
    const off = run('get-instances', '--json', 'false');
    expect(off.code).toBe(0);
    expect(() => JSON.parse(off.stdout)).toThrow();
    for (const args of [['--json=yes'], ['--json=1'], ['--json=']]) {
      const r = run('get-instances', ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('--json takes true or false');
    }
  });

  test('8. ids the task hub cannot address are refused with a clear message, nothing written', async () => {
    await expectUnchanged(hub.hub, async () => {
      for (const [id, fragment] of [['.', 'cannot be addressed'], ['..', 'cannot be addressed'], ['a\uFFFFb', '\\uffff'], ['@e@k', "must not start with '@'"]]) {
        const r = run('start-new', '--function-name', 'Noop', '--id', id);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(fragment);
      }
      for (const command of [['terminate', '--reason', 'x'], ['raise-event', '--event-name', 'Go'], ['rewind', '--reason', 'x']]) {
        const r = run(command[0], '--id', '@counter@c1', ...command.slice(1));
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('is an entity id');
      }
    });
  });
});

describe('what the Functions host is shown', () => {
  const print = (entry: string) => {
    const r = spawnSync(process.execPath, [path.join(dist, 'test/fixtures/printRegistrations.js'), entry], { encoding: 'utf8', cwd: os.tmpdir() });
    return JSON.parse(r.stdout) as { functions?: { name: string; bindingTypes: string[] }[]; error?: string };
  };

  test('10. a starter file loaded before any df.app.* call reaches the host without the durable client binding', () => {
    const result = print(path.join(dist, 'test/fixtures/starterFirstApp/index.js'));
    expect(result.error).toBeUndefined();
    const starter = result.functions!.find((f) => f.name === 'StarterFirst');
    expect(starter?.bindingTypes).toEqual(['httpTrigger', 'http']);
    for (const f of result.functions!) expect(f.bindingTypes.map((t) => t.toLowerCase())).not.toContain('durableclient');
    expect(result.functions!.map((f) => f.name)).toContain('DurableTaskManagement');
    // The platform's wake-up path: a queue trigger on <hub>-wake and the timer fallback (what Consumption plans scale on).
    expect(result.functions).toContainEqual({ name: 'DurableTaskWakeUp', bindingTypes: ['queueTrigger'] });
    expect(result.functions).toContainEqual({ name: 'DurableTaskWakeUpTimer', bindingTypes: ['timerTrigger'] });
  });

  test('10. a durable trigger declared through @azure/functions is refused with a clear error', () => {
    const result = print(path.join(dist, 'test/fixtures/durableTriggerApp.js'));
    expect(result.error).toContain("Function 'RawActivity' declares a binding of type 'activityTrigger'");
    expect(result.error).toContain('df.app.activity');
  });
});
