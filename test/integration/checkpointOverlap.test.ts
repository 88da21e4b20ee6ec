import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { FaultPoint } from '../../src/backend/azureStorage/faultPoints';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

/**
 * The Instances row write and the deletes of consumed messages overlap only when the row changes
 * nothing but LastUpdatedTime; a checkpoint that changes the status (here: Completed) writes the row
 * first, so a crash can never leave a finished history behind a Running row.
 */
describe('checkpoint: Instances row and message deletes', () => {
  let hub: TestHub;
  const trace: string[] = [];
  const faults = async (point: FaultPoint, context: { instanceId: string }) => {
    if (context.instanceId !== 'overlap-chain') return;
    if (point === 'checkpoint.afterInstanceRow') {
      trace.push('row written');
      // Held here: a delete that runs beside the row write is seen before this step ends.
      await new Promise((r) => setTimeout(r, 300));
      trace.push('row step ends');
    } else if (point === 'checkpoint.afterDelete') {
      trace.push('delete');
    } else if (point === 'checkpoint.committed') {
      trace.push('committed');
    }
  };

  beforeAll(async () => {
    const r = new FunctionRegistry();
    r.registerActivity('Inc', (x: number) => x + 1);
    r.registerOrchestration('Chain', function* (context: OrchestrationContext) {
      let x = 0;
      for (let i = 0; i < 4; i++) x = yield context.df.callActivity('Inc', x);
      return x;
    });
    hub = await startTestHub(r, {}, faults);
  });
  afterAll(async () => {
    await hub.stop();
  });

  test('steps of a running instance overlap them; the completing checkpoint does not', async () => {
    await hub.client.startNew('Chain', { instanceId: 'overlap-chain' });
    expect((await waitForStatus(hub.client, 'overlap-chain', 60_000)).output).toBe(4);
    // The Completed row is visible before that checkpoint's deletes: wait for its end.
    for (let i = 0; i < 100 && trace.filter((e) => e === 'committed').length < 5; i++) await new Promise((r) => setTimeout(r, 50));
    const checkpoints: string[][] = [];
    let current: string[] = [];
    for (const entry of trace) {
      if (entry === 'committed') {
        checkpoints.push(current);
        current = [];
      } else {
        current.push(entry);
      }
    }
    const overlapped = (c: string[]) => c.indexOf('delete') >= 0 && c.indexOf('delete') < c.indexOf('row step ends');
    // Start (Pending → Running) and the last (Running → Completed) change the row; the middle steps do not.
    expect(checkpoints.length).toBe(5);
    expect(overlapped(checkpoints[0])).toBe(false);
    expect(checkpoints.slice(1, 4).some(overlapped)).toBe(true);
    expect(overlapped(checkpoints[4])).toBe(false);
  }, 90_000);
});
