import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { MemoryTestHub, startMemoryHub, waitForStatus } from '../support/testHub';

function chainingRegistry(): FunctionRegistry {
  const registry = new FunctionRegistry();
  registry.registerActivity('SayHello', (name: string) => `Hello ${name}`);
  registry.registerActivity('Fail', (input: string) => {
    throw new Error(`activity refused ${input}`);
  });
  registry.registerOrchestration('HelloCities', function* (context: OrchestrationContext) {
    const out: string[] = [];
    for (const city of context.df.getInput<string[]>()) out.push(yield context.df.callActivity('SayHello', city));
    return out;
  });
  registry.registerOrchestration('CallsFailing', function* (context: OrchestrationContext) {
    yield context.df.callActivity('Fail', 'x');
    return 'unreachable';
  });
  return registry;
}

describe('function chaining on Azurite', () => {
  let hub: MemoryTestHub;
  beforeAll(async () => {
    hub = await startMemoryHub(chainingRegistry());
  });
  afterAll(async () => {
    await hub.stop();
  });

  test('a 5-step chain completes with outputs in order', async () => {
    const cities = ['Tokyo', 'Seattle', 'London', 'Cairo', 'Lima'];
    const id = await hub.client.startNew('HelloCities', { input: cities });
    const status = await waitForStatus(hub.client, id);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(cities.map((c) => `Hello ${c}`));
    expect(status.input).toEqual(cities);
    expect(status.name).toBe('HelloCities');
    expect(status.createdTime.getTime()).toBeLessThanOrEqual(status.lastUpdatedTime.getTime());
  });

  test('an activity that throws fails the orchestration with its message and a stack', async () => {
    const id = await hub.client.startNew('CallsFailing');
    const status = await waitForStatus(hub.client, id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain('activity refused x');
    expect(String(status.output)).toMatch(/\n\s+at /);
  });

  test('two instances run concurrently and both complete', async () => {
    const [a, b] = await Promise.all([
      hub.client.startNew('HelloCities', { input: ['A1', 'A2', 'A3'] }),
      hub.client.startNew('HelloCities', { input: ['B1', 'B2', 'B3'] }),
    ]);
    const [sa, sb] = await Promise.all([waitForStatus(hub.client, a), waitForStatus(hub.client, b)]);
    expect(sa.output).toEqual(['Hello A1', 'Hello A2', 'Hello A3']);
    expect(sb.output).toEqual(['Hello B1', 'Hello B2', 'Hello B3']);
  });
});
