import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

/**
 * A long activity's work item is kept invisible by renewals, each of which changes its pop receipt.
 * An activity that finishes while a renewal is in flight must delete its work item with the receipt
 * that renewal returns; with the old one the delete fails and the activity runs a second time.
 */
describe('activity work item renewal', () => {
  let hub: TestHub;
  let runs = 0;

  beforeAll(async () => {
    const r = new FunctionRegistry();
    r.registerActivity('Slow', async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      return 'done';
    });
    r.registerOrchestration('CallSlow', function* (context: OrchestrationContext) {
      return yield context.df.callActivity('Slow');
    });
    // Renewals every second (half the visibility timeout).
    hub = await startTestHub(r, { workItemQueueVisibilityTimeoutMs: 2_000 });
    // A slow storage answer: the renewal started at 1 s has changed the pop receipt in storage, but its
    // answer (the new receipt) arrives only after the activity ends at 1.2 s.
    jest.spyOn(hub.hub.queues, 'renew').mockImplementation(async (message, visibilityTimeoutMs) => {
      const renewed = await message.queue.updateMessage(message.messageId, message.popReceipt, undefined, Math.ceil(visibilityTimeoutMs / 1000));
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (renewed.popReceipt) message.popReceipt = renewed.popReceipt;
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await hub.stop();
  });

  test('an activity finishing during a renewal runs once and leaves no work item behind', async () => {
    const id = await hub.client.startNew('CallSlow');
    const status = await waitForStatus(hub.client, id, 30_000);
    expect(status.output).toBe('done');
    // Long enough for a work item left behind to become visible again and run a second time.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(runs).toBe(1);
    expect((await hub.hub.storage.workItems.getProperties()).approximateMessagesCount).toBe(0);
  }, 60_000);
});
