import * as fs from 'fs';
import * as path from 'path';
import { Browser, Page } from 'playwright-core';
import { SCREENSHOTS, SampleApp, launchChromium, startSampleApp } from './sampleApp';

const KEY = 'browser-test-key-8231';
const API = '/runtime/webhooks/durabletask';

let app: SampleApp;
let browser: Browser;
let page: Page;

async function startOrchestration(name: string, input?: unknown): Promise<string> {
  const res = await fetch(`${app.baseUrl}/api/orchestrators/${name}`, { method: 'POST', body: input === undefined ? undefined : JSON.stringify(input) });
  if (res.status !== 202) throw new Error(`Starting ${name} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function instanceStatus(id: string): Promise<{ http: number; runtimeStatus?: string; output?: unknown; customStatus?: unknown }> {
  const res = await fetch(`${app.baseUrl}${API}/instances/${encodeURIComponent(id)}?code=${KEY}`);
  const body = (await res.json()) as { runtimeStatus?: string; output?: unknown; customStatus?: unknown };
  return { http: res.status, ...body };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const waitForStatus = (id: string, statuses: string[]) =>
  waitFor(`${id} to be ${statuses.join('/')}`, async () => {
    const s = await instanceStatus(id);
    return s.runtimeStatus && statuses.includes(s.runtimeStatus) ? s : undefined;
  });

/** Opens a dashboard view; the key is passed the way a user would, in the page address. */
async function open(hash = ''): Promise<void> {
  await page.goto(`${app.baseUrl}${API}/dashboard/?code=${KEY}${hash}`);
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Waits until `selector` shows `text` (exactly, or a substring with `partial`); pages render asynchronously. */
async function see(selector: string, text?: string, partial = false, timeout = 30_000): Promise<void> {
  const hasText = text === undefined ? undefined : partial ? text : new RegExp(`^${escapeRegex(text)}$`);
  await page.locator(selector, hasText === undefined ? undefined : { hasText }).first().waitFor({ timeout });
}

async function screenshot(name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const pageErrors: string[] = [];

/** The page's location.hash (a function, not a string: the page's CSP forbids eval). */
const hashOf = () => page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);
const waitForHash = (prefix: string) =>
  page.waitForFunction((p) => (globalThis as unknown as { location: { hash: string } }).location.hash.startsWith(p), prefix);

beforeAll(async () => {
  app = await startSampleApp(KEY);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

afterEach(() => {
  // A script error anywhere is a broken page, whatever the assertions saw.
  expect(pageErrors.splice(0)).toEqual([]);
});

describe('the dashboard in headless Chromium against the sample app', () => {
  let chains: string[] = [];
  let greetings: string[] = [];

  test('is refused without the management key, and served with it', async () => {
    const denied = await fetch(`${app.baseUrl}${API}/dashboard/`);
    expect(denied.status).toBe(401);
    expect(await denied.text()).not.toContain('<script');
    const served = await fetch(`${app.baseUrl}${API}/dashboard/?code=${KEY}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-security-policy')).toContain("script-src 'nonce-");
    // Under the Functions-host route as well (the management function at /api/durabletask).
    const viaFunction = await fetch(`${app.baseUrl}/api/durabletask/dashboard/`, { headers: { 'x-functions-key': KEY } });
    expect(viaFunction.status).toBe(200);
    expect(app.output()).toContain(`${API}/dashboard/`);
    expect(app.output()).not.toContain(KEY);
  });

  test('the list shows the instances the test started, with counts per status', async () => {
    greetings = [await startOrchestration('HelloCities'), await startOrchestration('HelloCities')];
    chains = [await startOrchestration('FunctionChaining', 5), await startOrchestration('FunctionChaining', 7)];
    for (const id of [...greetings, ...chains]) await waitForStatus(id, ['Completed']);
    await open('#/instances');
    for (const id of [...greetings, ...chains]) {
      await page.locator(`#instance-table tr[data-instance-id="${id}"]`).waitFor();
    }
    await expect(page.locator(`#instance-table tr[data-instance-id="${chains[0]}"] [data-status]`).textContent()).resolves.toBe('Completed');
    const completed = await page.locator('#counts [data-status="Completed"] b').textContent();
    expect(Number(completed)).toBeGreaterThanOrEqual(4);
    await expect(page.locator('#hub-name').textContent()).resolves.toBe('SamplesHub');
    await screenshot('instances');
  });

  test('a name filter and an id prefix filter narrow the list', async () => {
    await open('#/instances');
    await page.locator('#filters input[name="name"]').fill('FunctionChaining');
    await page.locator('#filters button[type="submit"]').click();
    await waitForHash('#/instances?name=FunctionChaining');
    await page.locator(`#instance-table tr[data-instance-id="${greetings[0]}"]`).waitFor({ state: 'detached' });
    await see(`#instance-table tr[data-instance-id="${chains[0]}"]`);
    const ids = await page.locator('#instance-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { instanceId: string } }).dataset.instanceId));
    expect(ids.sort()).toEqual([...chains].sort());

    await open(`#/instances?prefix=${greetings[0].slice(0, 12)}`);
    await page.locator(`#instance-table tr[data-instance-id="${chains[0]}"]`).waitFor({ state: 'detached' });
    await see(`#instance-table tr[data-instance-id="${greetings[0]}"]`);
    await expect(page.locator('#instance-table tbody tr').count()).resolves.toBe(1);

    await open('#/instances?name=NoSuchOrchestrator');
    await see('#instances .empty', 'No instances match these filters.');
  });

  test('paging walks the list with continuation tokens, one page at a time', async () => {
    // A page size of 1 over the two FunctionChaining instances: Next follows the token each time.
    await open('#/instances?name=FunctionChaining&top=1');
    await page.locator('#page-info', { hasText: /^Page 1 · 1 instance/ }).waitFor();
    const firstRow = page.locator('#instance-table tbody tr');
    await expect(firstRow.count()).resolves.toBe(1);
    const first = await firstRow.getAttribute('data-instance-id');
    await expect(page.locator('#next-page').isDisabled()).resolves.toBe(false);
    await page.locator('#next-page').click();
    await page.locator('#page-info').filter({ hasText: 'Page 2' }).waitFor();
    const second = await page.locator('#instance-table tbody tr').getAttribute('data-instance-id');
    expect([first, second].sort()).toEqual([...chains].sort());
    await page.locator('#prev-page').click();
    await page.locator('#page-info').filter({ hasText: 'Page 1' }).waitFor();
    await expect(page.locator('#instance-table tbody tr').getAttribute('data-instance-id')).resolves.toBe(first);
  });

  test('the timeline shows the activities of a chain, with durations', async () => {
    await open(`#/instance/${chains[0]}`);
    await see('#instance-id', chains[0]);
    const activities = page.locator('#timeline .tl-row[data-kind="activity"]');
    await expect(activities.count()).resolves.toBe(4);
    const labels = await activities.locator('.tl-label').allTextContents();
    expect(labels.map((l) => l.replace(/^activity/, ''))).toEqual(['F1', 'F2', 'F3', 'F4']);
    for (const d of await activities.locator('.tl-dur').allTextContents()) expect(d).toMatch(/\d+(\.\d+)? (ms|s)$/);
    await expect(page.locator('#instance-output').textContent()).resolves.toBe('"result: 57"');
    await expect(page.locator('#history-table tbody tr[data-event-type="TaskScheduled"]').count()).resolves.toBe(4);
    await screenshot('instance-timeline');
  });

  test('sub-orchestrations are linked both ways', async () => {
    const batch = await startOrchestration('ProcessBatch', ['x', 'y']);
    await waitForStatus(batch, ['Completed']);
    await open(`#/instance/${batch}`);
    await see('#instance-id', batch);
    const children = page.locator('#child-links a');
    await children.first().waitFor();
    await expect(children.count()).resolves.toBe(2);
    await expect(page.locator('#timeline .tl-row[data-kind="suborchestration"]').count()).resolves.toBe(2);
    const childId = (await children.first().textContent())!;
    await children.first().click();
    await see('#instance-id', childId);
    await see('#parent-link a', batch);
    await page.locator('#parent-link a').click();
    await see('#instance-id', batch);
  });

  test('raise event validates the JSON, then completes the human-interaction sample', async () => {
    const id = await startOrchestration('ApprovalWorkflow', { requestId: 'r-browser' });
    await waitFor('the approval to wait', async () => ((await instanceStatus(id)).customStatus === 'Waiting for approval' ? true : undefined));
    await open(`#/instance/${id}`);
    await see('#instance-id', id);
    await page.locator('button[data-action="raise-event"]').click();
    await page.locator('#dialog input[name="eventName"]').fill('ApprovalEvent');
    await page.locator('#dialog textarea[name="json"]').fill('{"approved": tru');
    await see('#dialog [data-role="json-status"]', 'Invalid JSON: ', true);
    await expect(page.locator('#dialog-confirm').isDisabled()).resolves.toBe(true);
    await screenshot('raise-event-invalid-json');
    // Nothing was sent: the instance is still waiting.
    expect((await instanceStatus(id)).runtimeStatus).toBe('Running');

    await page.locator('#dialog textarea[name="json"]').fill('true');
    await see('#dialog [data-role="json-status"]', 'Valid JSON.');
    await page.locator('#dialog-confirm').click();
    await page.locator('#banner').filter({ hasText: "Event 'ApprovalEvent' sent" }).waitFor();
    // The page refreshes itself until the instance completes.
    await page.locator('#instance-status [data-status="Completed"]').waitFor({ timeout: 60_000 });
    const done = await instanceStatus(id);
    expect(done.output).toEqual({ requestId: 'r-browser', approved: true });
    await expect(page.locator('#timeline .tl-row[data-kind="wait"] .tl-label').textContent()).resolves.toContain('ApprovalEvent');
  });

  test('terminate and purge work, each after a confirmation', async () => {
    const id = await startOrchestration('ApprovalWorkflow', { requestId: 'r-terminate' });
    await waitForStatus(id, ['Running']);
    await open(`#/instance/${id}`);
    await see('#instance-id', id);
    await page.locator('button[data-action="terminate"]').click();
    await expect(page.locator('#dialog-title').textContent()).resolves.toContain(`Terminate instance ${id}?`);
    // Cancel first: nothing happens.
    await page.locator('#dialog-cancel').click();
    expect((await instanceStatus(id)).runtimeStatus).toBe('Running');
    await page.locator('button[data-action="terminate"]').click();
    await page.locator('#dialog input[name="reason"]').fill('not needed any more');
    await page.locator('#dialog-confirm').click();
    await page.locator('#instance-status [data-status="Terminated"]').waitFor({ timeout: 60_000 });

    await page.locator('button[data-action="purge"]').click();
    await page.locator('#dialog-confirm').click();
    await page.locator('#banner').filter({ hasText: `Purged ${id}` }).waitFor();
    expect((await instanceStatus(id)).http).toBe(404);
  });

  test('purge by filter previews the count, then purges exactly those', async () => {
    await open(`#/instances?name=HelloCities`);
    await see(`#instance-table tr[data-instance-id="${greetings[0]}"]`);
    await page.locator('#purge-filter').click();
    await see('#purge-preview[data-count]');
    await expect(page.locator('#purge-preview').getAttribute('data-count').then(Number)).resolves.toBe(greetings.length);
    await see('#purge-preview', `${greetings.length} finished instances match the current filters (Completed ${greetings.length}) and will be purged.`);
    await screenshot('purge-by-filter');
    await page.locator('#dialog-confirm').click();
    await page.locator('#banner').filter({ hasText: `Purged ${greetings.length} instance(s).` }).waitFor();
    for (const id of greetings) expect((await instanceStatus(id)).http).toBe(404);
    // Other orchestrations are untouched.
    expect((await instanceStatus(chains[0])).runtimeStatus).toBe('Completed');
  });

  test('start a new orchestration by name with input', async () => {
    await open('#/instances');
    await page.locator('#start-new').click();
    await page.locator('#dialog input[name="orchestrator"]').fill('FunctionChaining');
    await page.locator('#dialog textarea[name="json"]').fill('2');
    await page.locator('#dialog-confirm').click();
    await waitForHash('#/instance/');
    const id = decodeURIComponent((await hashOf()).slice('#/instance/'.length));
    const done = await waitForStatus(id, ['Completed']);
    expect(done.output).toBe('result: 27');

    await see('#instance-id', id);
    await open('#/instances');
    await page.locator('#start-new').click();
    await page.locator('#dialog input[name="orchestrator"]').fill('NoSuchOrchestrator');
    await page.locator('#dialog-confirm').click();
    await see('#dialog-error', "'NoSuchOrchestrator' doesn't exist", true);
    await page.locator('#dialog-cancel').click();
  });

  test("an entity's state is shown after signals, and can be signalled from the page", async () => {
    for (const amount of [5, 3]) {
      const res = await fetch(`${app.baseUrl}/api/counter/dash/add`, { method: 'POST', body: String(amount) });
      expect(res.status).toBe(202);
    }
    await waitFor('the counter to reach 8', async () => {
      const res = await fetch(`${app.baseUrl}/api/counter/dash`);
      return res.status === 200 && ((await res.json()) as { entityState: number }).entityState === 8 ? true : undefined;
    });
    await open('#/entities?name=Counter');
    await see('#entity-table tr[data-entity="counter/dash"] td:nth-child(4)', '8');
    await screenshot('entities');
    await page.locator('#entity-table tr[data-entity="counter/dash"] a').click();
    await see('#entity-state', '8');
    await page.locator('#signal-entity').click();
    await page.locator('#dialog input[name="operation"]').fill('add');
    await page.locator('#dialog textarea[name="json"]').fill('2');
    await page.locator('#dialog-confirm').click();
    await see('#entity-state', '10', false, 60_000);
    await screenshot('entity');
  });

  test('an unknown instance id gets a clear message, not a broken page', async () => {
    await open('#/instances');
    await page.locator('#goto-id').fill('no-such-instance');
    await page.locator('#goto button[type="submit"]').click();
    await see('#instance-error', "No instance with ID 'no-such-instance' was found in this task hub.");
    await screenshot('unknown-instance');
    // The navigation still works afterwards.
    await page.locator('[data-nav="instances"]').click();
    await page.locator('#instance-table').waitFor();
  });

  test('the task hub overview shows partitions, their owner, queue depths and throughput', async () => {
    await open('#/overview');
    await see('#partition-table tbody tr td:nth-child(5)', undefined);
    await see('#worker-table');
    const rows = page.locator('#partition-table tbody tr');
    await expect(rows.count()).resolves.toBe(4);
    const owners = await page.locator('#worker-table tbody tr td:first-child').allTextContents();
    expect(owners).toHaveLength(1);
    const partitionOwners = await rows.locator('td:nth-child(5)').allTextContents();
    expect(partitionOwners).toEqual([owners[0], owners[0], owners[0], owners[0]]);
    for (const depth of await rows.locator('td:nth-child(3)').allTextContents()) expect(depth).toMatch(/^\d+$/);
    await expect(page.locator('#workitem-depth').textContent()).resolves.toMatch(/^\d+ messages$/);
    await expect(page.locator('#throughput .col').count()).resolves.toBe(10);
    await screenshot('overview');
  });
});
