import { FunctionRegistry } from '../../src/runtime/registry';
import { InvalidInstanceIdError } from '../../src/client/instanceId';
import { InstanceAlreadyExistsError } from '../../src/backend/errors';
import { OrchestrationContext } from '../../src/orchestration/context';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerOrchestration('WaitsForEvent', function* (context: OrchestrationContext) {
    return yield context.df.waitForExternalEvent('Go');
  });
  return r;
}

async function rowCount(hub: TestHub): Promise<number> {
  let n = 0;
  for await (const _ of hub.hub.storage.instances.listEntities()) n++;
  return n;
}

describe('bad input to the client', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub(registry());
  });
  afterAll(() => hub.stop());

  test('unknown orchestrator name is rejected before anything is written', async () => {
    const before = await rowCount(hub);
    await expect(hub.client.startNew('DoesNotExist', { instanceId: 'never-written' })).rejects.toThrow(
      "The function 'DoesNotExist' doesn't exist, is disabled, or is not an orchestrator function.",
    );
    expect(await hub.client.tryGetStatus('never-written')).toBeUndefined();
    expect(await rowCount(hub)).toBe(before);
  });

  test.each([
    ['a/b', "'/'"],
    ['a\\b', "'\\'"],
    ['a#b', "'#'"],
    ['a?b', "'?'"],
    ['tab\there', '\\u0009'],
    ['', 'non-empty'],
    ['x'.repeat(257), 'must not exceed 256'],
    ['@counter@key', "must not start with '@'"],
  ])('invalid instance id %j is rejected naming the problem', async (instanceId, fragment) => {
    const before = await rowCount(hub);
    const attempt = hub.client.startNew('WaitsForEvent', { instanceId });
    await expect(attempt).rejects.toThrow(InvalidInstanceIdError);
    await expect(attempt).rejects.toThrow(fragment);
    expect(await rowCount(hub)).toBe(before);
  });

  test('starting a running instance id again fails and leaves the running instance untouched', async () => {
    const id = await hub.client.startNew('WaitsForEvent', { instanceId: 'dup-1', input: 'first' });
    await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
    await expect(hub.client.startNew('WaitsForEvent', { instanceId: 'dup-1', input: 'second' })).rejects.toThrow(InstanceAlreadyExistsError);
    await expect(hub.client.startNew('WaitsForEvent', { instanceId: 'dup-1' })).rejects.toThrow("'dup-1' already exists and is Running");
    const status = await hub.client.tryGetStatus('dup-1');
    expect(status?.input).toBe('first');
    await hub.client.raiseEvent('dup-1', 'Go', 42);
    const done = await waitForStatus(hub.client, 'dup-1');
    expect(done.output).toBe(42);
  });

  test('a finished instance id can be started again as a new execution', async () => {
    await hub.client.startNew('WaitsForEvent', { instanceId: 'again-1', input: 1 });
    await hub.client.raiseEvent('again-1', 'go', 'one');
    expect((await waitForStatus(hub.client, 'again-1')).output).toBe('one');
    await hub.client.startNew('WaitsForEvent', { instanceId: 'again-1', input: 2 });
    await waitForStatus(hub.client, 'again-1', 20_000, new Set(['Running']));
    await hub.client.raiseEvent('again-1', 'Go', 'two');
    const second = await waitForStatus(hub.client, 'again-1');
    expect(second.output).toBe('two');
    expect(second.input).toBe(2);
  });

  test('getStatus of an unknown instance is an error naming the id, as in durable-functions; tryGetStatus gives undefined', async () => {
    await expect(hub.client.getStatus('never-started')).rejects.toThrow("no instance with ID 'never-started'");
    expect(await hub.client.tryGetStatus('never-started')).toBeUndefined();
  });

  test('raising an event on an unknown instance is a clear error', async () => {
    await expect(hub.client.raiseEvent('nobody-here', 'Go', 1)).rejects.toThrow("No instance with ID 'nobody-here'");
  });
});
