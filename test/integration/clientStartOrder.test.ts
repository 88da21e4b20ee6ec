import { FunctionRegistry } from '../../src/runtime/registry';
import { DurableClient } from '../../src/client/durableClient';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { OrchestrationContext } from '../../src/orchestration/context';
import { startTestHub, storageConnection, testSettings, uniqueHubName, waitForStatus } from '../support/testHub';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Twice', (n: number) => n * 2);
  r.registerOrchestration('DoubleIt', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('Twice', context.df.getInput<number>());
  });
  return r;
}

test('a client that dies right after sending the start message still gets its instance run (message before row)', async () => {
  const hubName = uniqueHubName('Order');
  const backend = AzureStorageBackend.fromSettings(testSettings(hubName), storageConnection());
  const client = new DurableClient(backend, registry());
  // The crash: the Instances row write never happens.
  backend.hub.instances.create = async () => {
    throw new Error('process died');
  };
  await expect(client.startNew('DoubleIt', { instanceId: 'crashed-start', input: 21 })).rejects.toThrow('process died');
  const worker = await startTestHub(registry(), { hubName });
  try {
    const status = await waitForStatus(worker.client, 'crashed-start', 60_000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(42);
  } finally {
    await worker.stop();
  }
});
