import { SuiteContext, check, hubName, nodeClient, startDotnet, startNode, waitNode } from './support';

export interface Scenario {
  name: string;
  run(ctx: SuiteContext): Promise<void>;
}

/** (1) A .NET TaskHubClient drives orchestrations that our engine runs with our activities. */
const dotnetClientNodeWorker: Scenario = {
  name: '1 .NET client -> our engine: start, state, output, history, raise, terminate',
  async run(ctx) {
    const hub = hubName('ItA');
    const node = await startNode(ctx, hub);
    const dotnet = await startDotnet(ctx, { hub });
    try {
      await dotnet.create('HelloCities', 'chain-1', ['Tokyo', 'Seattle']);
      const done = await dotnet.waitFor('chain-1');
      check.equal(done.status, 'Completed');
      check.deepEqual(JSON.parse(done.output!), ['Hello Tokyo', 'Hello Seattle']);
      check.deepEqual(JSON.parse(done.input!), ['Tokyo', 'Seattle']);
      check.equal(done.name, 'HelloCities');
      const history = (await dotnet.history('chain-1'))!;
      const types = history.map((e) => e.EventType);
      check.deepEqual(types.filter((t) => t === 4 || t === 5).length, 4, `2 TaskScheduled + 2 TaskCompleted in ${JSON.stringify(types)}`);
      check.equal(types[types.length - 1], 13, 'history ends with OrchestratorCompleted');
      check.ok(types.includes(1), 'ExecutionCompleted present');

      await dotnet.create('WaitForApproval', 'approve-1');
      await waitNode(node.client, 'approve-1', ['Running']);
      await dotnet.raise('approve-1', 'Approval', { by: 'dotnet' });
      const approved = await dotnet.waitFor('approve-1');
      check.equal(approved.status, 'Completed');
      check.deepEqual(JSON.parse(approved.output!), { approval: { by: 'dotnet' } });

      await dotnet.create('WaitForApproval', 'approve-2');
      await waitNode(node.client, 'approve-2', ['Running']);
      await dotnet.terminate('approve-2', 'stop it');
      const terminated = await dotnet.waitFor('approve-2');
      check.equal(terminated.status, 'Terminated');
      check.equal(terminated.output, 'stop it');
    } finally {
      await dotnet.stop();
      await node.stop();
    }
  },
};

/** (2) Our client drives orchestrations that a .NET TaskHubWorker runs with C# activities. */
const nodeClientDotnetWorker: Scenario = {
  name: '2 our client -> .NET worker: start, status, history, raise, sub-orchestration, terminate',
  async run(ctx) {
    const hub = hubName('ItB');
    const dotnet = await startDotnet(ctx, { hub, workerId: 'dotnet-b' });
    await dotnet.startWorker();
    const client = nodeClient(ctx, hub);
    try {
      await client.startNew('HelloCities', { instanceId: 'chain-2', input: ['Lima', 'Cairo'] });
      const done = await waitNode(client, 'chain-2');
      check.equal(done.runtimeStatus, 'Completed');
      check.deepEqual(done.output, ['Hello Lima', 'Hello Cairo']);
      check.deepEqual(done.input, ['Lima', 'Cairo']);
      check.deepEqual(
        dotnet.activityRuns.filter((r) => r.name === 'SayHello').map((r) => r.input),
        ['["Lima"]', '["Cairo"]'],
        'C# activities received our argument arrays',
      );
      const withHistory = await client.getStatus('chain-2', { showHistory: true, showHistoryOutput: true });
      const history = (withHistory.history ?? []) as { EventType: string }[];
      check.ok(history.some((e) => e.EventType === 'ExecutionCompleted'), `history read by us: ${JSON.stringify(history.map((e) => e.EventType))}`);

      await client.startNew('WaitForApproval', { instanceId: 'approve-b1' });
      await waitNode(client, 'approve-b1', ['Running']);
      await client.raiseEvent('approve-b1', 'Approval', { by: 'node' });
      const approved = await waitNode(client, 'approve-b1');
      check.equal(approved.runtimeStatus, 'Completed');
      check.deepEqual(approved.output, { approval: { by: 'node' } });

      await client.startNew('ParentOfCities', { instanceId: 'parent-b', input: ['X'] });
      const parent = await waitNode(client, 'parent-b');
      check.equal(parent.runtimeStatus, 'Completed');
      check.deepEqual(parent.output, ['Hello X']);

      await client.startNew('WaitForApproval', { instanceId: 'approve-b2' });
      await waitNode(client, 'approve-b2', ['Running']);
      await client.terminate('approve-b2', 'enough');
      const terminated = await waitNode(client, 'approve-b2');
      check.equal(terminated.runtimeStatus, 'Terminated');
      check.equal(terminated.output, 'enough');
    } finally {
      await dotnet.stop();
    }
  },
};

export const scenarios: Scenario[] = [dotnetClientNodeWorker, nodeClientDotnetWorker];

/**
 * Scenarios that show a known mismatch living in the orchestration processor (being restructured on
 * main). They run every time; a failure is expected and printed, a pass means the list must shrink.
 */
export const expectedFailures = new Map<string, string>([]);
