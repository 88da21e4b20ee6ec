/**
 * Benchmark of the emulator alone: what one queue operation costs on Azurite while other messages
 * sit in the account's queues. Large fan-outs keep tens of thousands of messages stored at once, so
 * this cost sets the floor of every engine on the same emulator (the side-by-side suite's limit).
 * Usage: node dist/bench/emulatorQueueCost.js [backlogs, default 0,2500,5000,10000,20000]
 */
import { QueueServiceClient } from '@azure/storage-queue';
import { freePorts, startAzurite } from '../src/localhost/azurite';
import { forEachLimited } from '../src/util/concurrency';

const ROUNDS = 200;

async function main(): Promise<void> {
  const backlogs = (process.argv[2] ?? '0,2500,5000,10000,20000').split(',').map(Number);
  const azurite = await startAzurite(await freePorts());
  try {
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const filler = service.getQueueClient('filler');
    const probe = service.getQueueClient('probe');
    await Promise.all([filler.create(), probe.create()]);
    let stored = 0;
    console.log('| messages stored elsewhere | send (ms) | receive 1 (ms) | delete (ms) | empty receive (ms) |');
    console.log('| ---: | ---: | ---: | ---: | ---: |');
    for (const backlog of backlogs) {
      const more = Array.from({ length: Math.max(0, backlog - stored) }, (_, i) => i);
      await forEachLimited(more, 32, () => filler.sendMessage('x'.repeat(200)));
      stored = Math.max(stored, backlog);
      const times = { send: 0, receive: 0, remove: 0, empty: 0 };
      for (let i = 0; i < ROUNDS; i++) {
        let t = performance.now();
        await probe.sendMessage('y'.repeat(200));
        times.send += performance.now() - t;
        t = performance.now();
        const [message] = (await probe.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 })).receivedMessageItems;
        times.receive += performance.now() - t;
        t = performance.now();
        await probe.deleteMessage(message.messageId, message.popReceipt);
        times.remove += performance.now() - t;
        t = performance.now();
        await probe.receiveMessages({ numberOfMessages: 1 });
        times.empty += performance.now() - t;
      }
      const per = (ms: number) => (ms / ROUNDS).toFixed(2);
      console.log(`| ${stored.toLocaleString('en-US')} | ${per(times.send)} | ${per(times.receive)} | ${per(times.remove)} | ${per(times.empty)} |`);
    }
  } finally {
    await azurite.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
