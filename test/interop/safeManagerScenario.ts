import type { Scenario } from './scenarios';
import { SuiteContext, check, hubName, sleep, startDotnet, startNode, waitNode } from './support';
import { normalizedHistory } from './storageDump';
import { BlobServiceClient } from '@azure/storage-blob';

interface LeaseView {
  owner: string | null;
  leased: boolean;
}

/** The ownership blobs of the safe manager: who holds each control queue's lease. */
async function ownership(ctx: SuiteContext, hub: string): Promise<Map<string, LeaseView>> {
  const container = BlobServiceClient.fromConnectionString(ctx.connectionString).getContainerClient(`${hub.toLowerCase()}-leases`);
  const out = new Map<string, LeaseView>();
  for await (const blob of container.listBlobsFlat({ prefix: 'ownership/' })) {
    const client = container.getBlockBlobClient(blob.name);
    const [props, body] = await Promise.all([client.getProperties(), client.downloadToBuffer()]);
    const doc = JSON.parse(body.toString('utf8')) as { Owner: string | null };
    out.set(blob.name.slice('ownership/'.length), { owner: doc.Owner, leased: props.leaseState === 'leased' });
  }
  return out;
}

/**
 * (5s) Both workers on one hub with DT.AzureStorage's "safe" blob manager (both partition-management
 * flags off): they share the intent/ownership leases, each instance completes once, and we never poll
 * a queue whose ownership blob names the .NET worker.
 */
export const safeManagerShared: Scenario = {
  name: '5s both workers on one hub with the safe blob partition manager (intent/ + ownership/)',
  async run(ctx) {
    const hub = hubName('ItS');
    const dotnet = await startDotnet(ctx, { hub, workerId: 'dotnet-s', partitionManager: 'safe' });
    await dotnet.startWorker();
    const node = await startNode(ctx, hub, { partitionManagement: 'safe' });
    const me = node.workerId;
    const overlaps: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const leases = await ownership(ctx, hub).catch(() => new Map<string, LeaseView>());
        for (const p of node.ownedPartitions()) {
          const queue = `${hub.toLowerCase()}-control-${String(p).padStart(2, '0')}`;
          const view = leases.get(queue);
          if (view?.leased && view.owner && view.owner !== me) overlaps.push(`${queue}: we poll it, ownership blob names ${view.owner}`);
        }
        await sleep(250);
      }
    })();
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const owners = [...(await ownership(ctx, hub)).values()].filter((v) => v.leased).map((v) => v.owner);
        if (owners.filter((o) => o === me).length >= 1 && owners.filter((o) => o === 'dotnet-s').length >= 1 && owners.length === 4) break;
        if (Date.now() > deadline) throw new Error(`ownership leases were not shared: ${JSON.stringify(owners)}`);
        await sleep(1_000);
      }
      const ids = Array.from({ length: 12 }, (_, i) => `safe-${i}`);
      await Promise.all(ids.map((id, i) => (i % 2 ? dotnet.create('HelloCities', id, [`s${i}a`, `s${i}b`]) : node.client.startNew('HelloCities', { instanceId: id, input: [`s${i}a`, `s${i}b`] }))));
      for (const [i, id] of ids.entries()) {
        const status = await waitNode(node.client, id, ['Completed', 'Failed', 'Terminated'], 120_000);
        check.deepEqual(status.output, [`Hello s${i}a`, `Hello s${i}b`], id);
        const completed = (await normalizedHistory(ctx.connectionString, hub, id)).filter((r) => r.EventType === 'ExecutionCompleted');
        check.equal(completed.length, 1, `${id} completed exactly once`);
      }
      check.deepEqual(overlaps, [], 'no queue polled by us while its ownership blob names .NET');
    } finally {
      sampling = false;
      await sampler;
      await node.stop();
      await dotnet.stop();
    }
  },
};
