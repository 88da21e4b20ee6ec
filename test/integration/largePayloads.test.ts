/** Payloads beyond the queue-message and table-cell limits travel through the large-message blobs. */
import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Big', (n: number) => 'y'.repeat(n));
  r.registerOrchestration('BigPayload', function* (context: OrchestrationContext) {
    const length = context.df.getInput<string>().length;
    const big: string = yield context.df.callActivity('Big', length);
    return big;
  });
  return r;
}

describe('large payloads on Azure Storage', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub(registry());
  });
  afterAll(() => hub.stop());

  test('2 MB input and output travel through blobs transparently', async () => {
    const input = 'x'.repeat(2 * 1024 * 1024);
    const id = await hub.client.startNew('BigPayload', { input });
    const status = await waitForStatus(hub.client, id, 60_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.input).toBe(input);
    expect(status.output).toBe('y'.repeat(input.length));
    const blobs: string[] = [];
    for await (const b of hub.hub.storage.largeMessages.listBlobsFlat({ prefix: `${id}/` })) blobs.push(b.name);
    expect(blobs.length).toBeGreaterThan(0);
  });
});
