/**
 * Benchmark: the dashboard's instance list on a task hub with 10,000 instances (default; argv[2]
 * overrides). Writes the instance rows straight into the Instances table of a fresh hub on an
 * in-memory Azurite (no engine: the list only reads rows), serves the management API and the
 * dashboard from a plain HTTP server, and times in headless Chromium: the first page (navigation
 * to 50 rendered rows), the per-status counts, the next page, and a filtered page.
 * Usage: npm run bench:dashboard -- [instances]
 */
import * as http from 'http';
import { AzureStorageBackend } from '../src/backend/azureStorage/azureStorageBackend';
import { DurableClient } from '../src/client/durableClient';
import { defaultSettings } from '../src/config/settings';
import { handleManagementRequest, managementResponseText } from '../src/client/managementApi';
import { freePort, freePorts, startAzurite } from '../src/localhost/azurite';
import { RuntimeStatusName } from '../src/history/events';
import { launchChromium } from '../test/browser/sampleApp';

const NAMES = ['HelloCities', 'FunctionChaining', 'ApprovalWorkflow', 'FanOutFanIn'];
const STATUS_MIX: [RuntimeStatusName, number][] = [['Completed', 0.7], ['Failed', 0.1], ['Running', 0.12], ['Terminated', 0.05], ['Pending', 0.03]];

function statusFor(i: number): RuntimeStatusName {
  let x = ((i * 7919) % 1000) / 1000;
  for (const [status, share] of STATUS_MIX) {
    if (x < share) return status;
    x -= share;
  }
  return 'Completed';
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 10_000);
  process.env.DF_LOG_LEVEL ??= 'warn';
  const azurite = await startAzurite(await freePorts());
  const backend = new AzureStorageBackend({ ...defaultSettings, connectionString: azurite.connectionString, hubName: 'DashboardBench' });
  const client = new DurableClient(backend);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const answer = await handleManagementRequest(client, { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://localhost'), body: Buffer.concat(chunks).toString('utf8'), headers });
        if (!answer) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(answer.status, answer.headers).end(managementResponseText(answer) ?? '');
      } catch (e) {
        res.writeHead(500).end((e as Error).message);
      }
    });
  });
  const browser = await launchChromium();
  try {
    await backend.hub.ensureCreated();
    const t0 = performance.now();
    const now = Date.now();
    await mapLimit(Array.from({ length: count }, (_, i) => i), 64, async (i) => {
      const created = new Date(now - ((i * 8_640_000) % 86_400_000));
      const status = statusFor(i);
      await backend.hub.instances.upsert({
        instanceId: `bench-${String(i).padStart(6, '0')}-${(i * 2654435761 % 4294967296).toString(16)}`,
        name: NAMES[i % NAMES.length],
        version: '',
        executionId: `e${i}`,
        input: JSON.stringify({ item: i }),
        output: status === 'Completed' ? JSON.stringify(`done ${i}`) : undefined,
        runtimeStatus: status,
        createdTime: created,
        lastUpdatedTime: new Date(created.getTime() + 1000),
        completedTime: status === 'Completed' || status === 'Failed' || status === 'Terminated' ? new Date(created.getTime() + 1000) : undefined,
        generation: 0,
      });
    });
    console.log(`created ${count} instance rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, r));
    const url = `http://localhost:${port}/runtime/webhooks/durabletask/dashboard/`;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const firstPage: number[] = [];
    const counts: number[] = [];
    for (let run = 0; run < 5; run++) {
      await page.goto('about:blank');
      const start = performance.now();
      await page.goto(`${url}#/instances`);
      await page.locator('#instance-table tbody tr:nth-child(50)').waitFor();
      firstPage.push(performance.now() - start);
      await page.locator('#counts .count[data-status="Completed"]').waitFor({ timeout: 120_000 });
      counts.push(performance.now() - start);
    }
    const total = await page.locator('#counts [data-status="all"] b').textContent();
    const tNext = performance.now();
    await page.locator('#next-page').click();
    await page.locator('#page-info', { hasText: 'Page 2' }).waitFor();
    const nextMs = performance.now() - tNext;
    const tFilter = performance.now();
    await page.goto(`${url}#/instances?status=Failed&name=FunctionChaining`);
    await page.locator('#instance-table tbody tr').first().waitFor();
    const filterMs = performance.now() - tFilter;

    console.log(`dashboard on ${count} instances (counts shown: All ${total}):`);
    console.log(`  first page (50 rows rendered, from navigation): median ${median(firstPage).toFixed(0)} ms of ${firstPage.map((x) => x.toFixed(0)).join(', ')}`);
    console.log(`  counts per status shown (full scan, from navigation): median ${median(counts).toFixed(0)} ms`);
    console.log(`  next page: ${nextMs.toFixed(0)} ms; filtered page (status=Failed, name=FunctionChaining): ${filterMs.toFixed(0)} ms`);
  } finally {
    await browser.close();
    server.close();
    await azurite.stop();
  }
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
