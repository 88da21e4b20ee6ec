/**
 * The durable-functions 3.x npm client, unmodified, pointed at our HTTP management API the way the
 * extension's binding data points it at the extension: ours must serve it as a drop-in.
 */
import { InvocationContext } from '@azure/functions';
import * as sdk from 'durable-functions';
import { FunctionRegistry } from '../../src/runtime/registry';
import { EntityContext } from '../../src/entities/context';
import { LocalCoreApi } from '../../src/localhost/coreApi';
import { LocalFunctionHost } from '../../src/localhost/functionHost';
import { OrchestrationContext } from '../../src/orchestration/context';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Upper', (s: string) => s.toUpperCase());
  r.registerOrchestration('Shout', function* (context: OrchestrationContext) {
    const first = yield context.df.callActivity('Upper', context.df.getInput<string>());
    const second = yield context.df.waitForExternalEvent('More');
    return `${first} ${second}`;
  });
  r.registerEntity('Box', (context: EntityContext) => {
    if (context.df.operationName === 'put') context.df.setState(context.df.getInput());
  });
  return r;
}

function sdkClient(base: string, hubName: string): sdk.DurableClient {
  const webhook = `${base}/runtime/webhooks/durabletask`;
  const common = `taskHub=${hubName}&connection=Storage`;
  const clientData = {
    taskHubName: hubName,
    creationUrls: {
      createNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?${common}`,
      createAndWaitOnNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${common}`,
    },
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${webhook}/instances/INSTANCEID?${common}`,
      sendEventPostUri: `${webhook}/instances/INSTANCEID/raiseEvent/{eventName}?${common}`,
      terminatePostUri: `${webhook}/instances/INSTANCEID/terminate?reason={text}&${common}`,
      rewindPostUri: `${webhook}/instances/INSTANCEID/rewind?reason={text}&${common}`,
      purgeHistoryDeleteUri: `${webhook}/instances/INSTANCEID?${common}`,
      restartPostUri: `${webhook}/instances/INSTANCEID/restart?${common}`,
      suspendPostUri: `${webhook}/instances/INSTANCEID/suspend?reason={text}&${common}`,
      resumePostUri: `${webhook}/instances/INSTANCEID/resume?reason={text}&${common}`,
    },
    baseUrl: webhook,
    requiredQueryStringParameters: common,
    rpcBaseUrl: `${webhook}/`,
  };
  const input = { type: 'durableClient', name: 'starter' };
  const context = new InvocationContext({ functionName: 'compat', options: { trigger: { type: 'httpTrigger', name: 'req' }, extraInputs: [input], extraOutputs: [] } });
  context.extraInputs.set(input.name, clientData);
  return sdk.getClient(context);
}

describe('durable-functions 3.x client against our management API', () => {
  let hub: TestHub;
  let host: LocalFunctionHost;
  let client: sdk.DurableClient;

  beforeAll(async () => {
    hub = await startTestHub(registry());
    host = new LocalFunctionHost(new LocalCoreApi(), { port: 0, routePrefix: 'api', managementClient: () => hub.client });
    await host.listen();
    client = sdkClient(`http://localhost:${host.port}`, hub.hub.name);
  });
  afterAll(async () => {
    await host.close();
    await hub.stop();
  });

  test('startNew, getStatus, raiseEvent and getStatusBy work unchanged', async () => {
    const id = await client.startNew('Shout', { input: 'hello', instanceId: 'sdk-1' });
    expect(id).toBe('sdk-1');
    await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
    const running = await client.getStatus(id);
    expect(running.runtimeStatus).toBe('Running');
    expect(running.name).toBe('Shout');
    await client.raiseEvent(id, 'More', 'world');
    await waitForStatus(hub.client, id);
    const done = await client.getStatus(id, { showHistory: true, showHistoryOutput: true });
    expect(done.runtimeStatus).toBe(sdk.OrchestrationRuntimeStatus.Completed);
    expect(done.output).toBe('HELLO world');
    expect(done.input).toBe('hello');
    const listed = await client.getStatusBy({ runtimeStatus: [sdk.OrchestrationRuntimeStatus.Completed] });
    expect(listed.map((s) => s.instanceId)).toContain('sdk-1');
  });

  test('terminate, suspend/resume and purge work unchanged', async () => {
    const id = await client.startNew('Shout', { input: 'x' });
    await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
    await client.suspend(id, 'pause');
    await waitForStatus(hub.client, id, 20_000, new Set(['Suspended']));
    await client.resume(id, 'go');
    await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
    await client.terminate(id, 'enough');
    expect((await waitForStatus(hub.client, id)).runtimeStatus).toBe('Terminated');
    const purged = await client.purgeInstanceHistory(id);
    expect(purged.instancesDeleted).toBe(1);
    expect(await hub.client.tryGetStatus(id)).toBeUndefined();
  });

  test('signalEntity and readEntityState work unchanged', async () => {
    const entity = new sdk.EntityId('Box', 'b1');
    await client.signalEntity(entity, 'put', { v: 42 });
    let state: sdk.EntityStateResponse<unknown> = await client.readEntityState(entity);
    for (let i = 0; i < 100 && !state.entityExists; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = await client.readEntityState(entity);
    }
    expect(state.entityExists).toBe(true);
    expect(state.entityState).toEqual({ v: 42 });
  });
});
