import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { startTestHub, waitForStatus } from '../support/testHub';

describe('eternal orchestrations', () => {
  test('1,000 generations of continueAsNew keep the history at one generation', async () => {
    const r = new FunctionRegistry();
    r.registerOrchestration('Eternal', function* (context: OrchestrationContext) {
      const n = context.df.getInput<number>();
      if (n >= 1000) return n;
      context.df.continueAsNew(n + 1);
    });
    const hub = await startTestHub(r);
    try {
      const started = Date.now();
      const id = await hub.client.startNew('Eternal', { input: 0 });
      const status = await waitForStatus(hub.client, id, 240_000);
      const elapsed = Date.now() - started;
      expect(status.output).toBe(1000);
      const history = await hub.hub.history.load(id);
      // One generation: OrchestratorStarted, ExecutionStarted, ExecutionCompleted, OrchestratorCompleted.
      expect(history.events.length).toBeLessThanOrEqual(5);
      let rows = 0;
      for await (const _ of hub.hub.storage.history.listEntities({ queryOptions: { filter: `PartitionKey eq '${id}'` } })) rows++;
      expect(rows).toBeLessThanOrEqual(6);
      console.log(`1000 generations in ${elapsed} ms (${(elapsed / 1000).toFixed(1)} ms per generation)`);
    } finally {
      await hub.stop();
    }
  }, 300_000);
});
