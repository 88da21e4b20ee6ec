/**
 * One chaos worker process: the engine on hub argv[2] with the chaos workload, until killed.
 * Prints "ready" once started and, as telemetry for the verdict, one line per committed checkpoint:
 * "commit <partition> <epoch ms>". DF_TEST_STORAGE is the connection string.
 */
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { DurableEngine } from '../../src/engine/engine';
import { chaosSettings } from './settings';
import { chaosRegistry } from './workload';

async function main(): Promise<void> {
  const hubName = process.argv[2];
  const settings = chaosSettings(hubName, `chaos-${process.pid}`);
  const backend = AzureStorageBackend.fromSettings(settings, process.env.DF_TEST_STORAGE!, (point, { partition }) => {
    if (point === 'checkpoint.committed') process.stdout.write(`commit ${partition} ${Date.now()}\n`);
  });
  const engine = DurableEngine.fromSettings(backend, chaosRegistry(), settings);
  await engine.start();
  process.stdout.write(`ready ${backend.ownedPartitions.join(',')}\n`);
}

process.on('unhandledRejection', (e) => {
  console.error('unhandled rejection in chaos worker:', e);
  process.exit(70);
});

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
