/**
 * Side-by-side benchmark: the same workloads on our engine and on DurableTask.AzureStorage 2.11.2 (the
 * interop harness), one after the other on one in-memory Azurite, each on its own task hub, both behind
 * a counting proxy. Prints a table of ratios (>1: ours is better).
 * Usage: npm run bench [-- --quick] [--only ours|dtfx] [--baseline <git ref>] [--workloads seq,chains,fanout,entities,long,pickup,idle,scale]
 *   [--fanouts 1000,5000,10000] [--fanout-timeout <seconds>]
 * --baseline adds a third column: our engine as of that commit, on the same emulator in the same run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { freePorts, startAzurite } from '../../src/localhost/azurite';
import { buildHarness } from '../../test/interop/dotnetHarness';
import { CountingProxy } from './countingProxy';
import { NODE_WORKER, SideName, SideOptions, SideProcess } from './sideProcess';
import { buildBaseline } from './baseline';
import { StorageProbe } from './storageProbe';
import { StallWatch } from './stallWatch';
import { measureCpuBusy } from './cpuBusy';
import { QueueClient } from '@azure/storage-queue';

/** The value after `--name` on the command line, if given. */
const option = (name: string) => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const quick = process.argv.includes('--quick');
const only = option('--only') as SideName | undefined;
const baselineRef = option('--baseline');
/** --workloads seq,chains,fanout,entities,long,pickup,idle,scale: run only these (default: all). */
const workloads = option('--workloads') ? new Set(option('--workloads')!.split(',')) : undefined;
const want = (name: string) => !workloads || workloads.has(name);

/** Workload sizes; --quick shrinks them for development. */
const SIZE = quick
  ? { seqSteps: 10, chains: 100, fanOuts: [200, 1000], fanOutTimeoutMs: 120_000, signals: 1000, longSteps: 200, longTimeoutMs: 180_000, pickups: 4, idleMs: 6_000 }
  : { seqSteps: 20, chains: 500, fanOuts: [1000, 5000, 10000], fanOutTimeoutMs: 420_000, signals: 5000, longSteps: 2000, longTimeoutMs: 900_000, pickups: 12, idleMs: 15_000 };
/** --fanouts 10000 --fanout-timeout 2400: other fan-out sizes, and seconds each may take (large ones are emulator-bound). */
if (option('--fanouts')) SIZE.fanOuts = option('--fanouts')!.split(',').map(Number);
if (option('--fanout-timeout')) SIZE.fanOutTimeoutMs = Number(option('--fanout-timeout')) * 1000;
/** The same polling ceiling and concurrency limits for both engines (Functions' default limits on this 2-core machine). */
const MAX_POLLING_MS = 5_000;
const CONCURRENCY = 10 * os.cpus().length;

type Metric = { value?: number; note?: string };
type Results = Map<string, Metric>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** One engine's hub, processes and results; each workload is a method, run for both engines in turn. */
class SideRun {
  readonly results: Results = new Map();
  hub: string;
  probe: StorageProbe;
  private processes: SideProcess[] = [];
  private w1!: SideProcess;
  private uid = 0;
  private oneWorkerSeconds: number | undefined;

  constructor(
    readonly side: SideName,
    private readonly connectionString: string,
    private readonly proxy: CountingProxy,
    private readonly logDir: string,
    private readonly nodeWorker: string = NODE_WORKER,
  ) {
    this.hub = `Bench${side}${randomBytes(3).toString('hex')}`;
    this.probe = new StorageProbe(connectionString, this.hub);
  }

  /**
   * After a workload that did not finish: the worker would go on with it and slow down every later
   * workload, so the engine starts again on a fresh hub, and the old hub's backlog is deleted.
   */
  async reset(): Promise<void> {
    await this.stop();
    await this.probe.dropHub();
    this.processes = [];
    this.hub = `Bench${this.side}${randomBytes(3).toString('hex')}`;
    this.probe = new StorageProbe(this.connectionString, this.hub);
    await this.setup();
  }

  private id(what: string): string {
    return `${what}${this.uid++}x${randomBytes(2).toString('hex')}`;
  }

  private async startProcess(workerId: string): Promise<SideProcess> {
    const options: SideOptions = { hub: this.hub, workerId, maxPollingMs: MAX_POLLING_MS, maxOrchestrations: CONCURRENCY, maxActivities: CONCURRENCY, partitions: 4 };
    const p = await SideProcess.start(this.side, this.proxy.connectionString, options, path.join(this.logDir, `${this.hub}-${workerId}.log`), this.nodeWorker);
    this.processes.push(p);
    return p;
  }

  async setup(): Promise<void> {
    this.w1 = await this.startProcess(`${this.side}-w1`);
    await this.w1.call('createHub');
    await this.w1.call('startWorker');
    this.w1.worker = true;
    log(`${this.side}: worker started on ${this.hub}`);
    const warm = this.id('warm');
    await this.w1.call('createMany', { name: 'BenchChain', prefix: warm, count: 4, input: '2' });
    await this.probe.waitAll(warm, 4, 120_000);
  }

  private readonly perStep: number[] = [];
  private readonly opsPerStep: number[] = [];

  /**
   * One round of sequential step latency and storage operations per step: one chain alone on the hub.
   * Rounds alternate between the engines and the median is kept, against the machine's drifting load.
   */
  async sequential(): Promise<void> {
    const name = this.id('seq');
    const before = this.proxy.total();
    const kindsBefore = new Map(this.proxy.kinds);
    await this.w1.call('create', { name: 'BenchChain', instanceId: name, input: String(SIZE.seqSteps) });
    await this.probe.waitAll(name, 1, 120_000);
    this.opsPerStep.push((this.proxy.total() - before) / SIZE.seqSteps);
    const perStep = [...this.proxy.kinds].map(([kind, n]): [string, number] => [kind, (n - (kindsBefore.get(kind) ?? 0)) / SIZE.seqSteps]).filter(([, n]) => n > 0);
    log(`${this.side}: operations per step by kind: ${perStep.sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n.toFixed(2)}`).join(', ')}`);
    const { episodes } = await this.probe.episodes(name);
    this.perStep.push((episodes[episodes.length - 1] - episodes[0]) / (episodes.length - 1));
    this.results.set('sequential step latency (ms)', { value: median(this.perStep) });
    this.results.set('storage operations per step', { value: median(this.opsPerStep) });
    log(`${this.side}: sequential ${this.perStep[this.perStep.length - 1].toFixed(1)} ms/step, ${this.opsPerStep[this.opsPerStep.length - 1].toFixed(1)} ops/step`);
  }

  /** Concurrent 5-step chains: throughput in steps per second. */
  async chains(workers: 1 | 2 | 3): Promise<void> {
    const label = workers === 1 ? `${SIZE.chains} concurrent 5-step chains (steps/s)` : `${SIZE.chains} concurrent chains, ${workers} workers (steps/s)`;
    const prefix = this.id('chain');
    const t0 = Date.now();
    await this.w1.call('createMany', { name: 'BenchChain', prefix, count: SIZE.chains, input: '5' });
    const done = await this.probe.waitAll(prefix, SIZE.chains, 600_000);
    if (!done) {
      this.results.set(label, { note: 'DNF 600 s' });
      await this.reset();
      return;
    }
    const seconds = ((done.lastCompleted ?? Date.now()) - (done.firstCreated ?? t0)) / 1000;
    this.results.set(label, { value: (SIZE.chains * 5) / seconds });
    log(`${this.side}: ${label}: ${seconds.toFixed(1)} s`);
    if (workers === 1) this.oneWorkerSeconds = seconds;
    else if (this.oneWorkerSeconds) this.results.set(`scale-out: ${workers} workers vs 1 (throughput ratio)`, { value: this.oneWorkerSeconds / seconds });
  }

  /** Fan-out/fan-in: activities per second from the first episode to completion; false when it did not finish. */
  private readonly fanOutSeconds = new Map<number, number[]>();

  async fanOut(n: number): Promise<boolean> {
    const label = `fan-out/fan-in ${n} (activities/s)`;
    const name = this.id('fan');
    await this.w1.call('create', { name: 'BenchFanOut', instanceId: name, input: String(n) });
    const done = await this.probe.waitAll(name, 1, SIZE.fanOutTimeoutMs);
    if (!done) {
      const completed = await this.probe.countRows(name, 'TaskCompleted');
      this.results.set(label, { note: `DNF ${SIZE.fanOutTimeoutMs / 1000} s (${completed} applied)` });
      log(`${this.side}: ${label}: did not finish (${completed} completions applied)`);
      await this.reset();
      return false;
    }
    const { episodes } = await this.probe.episodes(name);
    const seconds = ((done.lastCompleted ?? 0) - episodes[0]) / 1000;
    const samples = this.fanOutSeconds.get(n) ?? [];
    samples.push(seconds);
    this.fanOutSeconds.set(n, samples);
    this.results.set(label, { value: n / median(samples) });
    log(`${this.side}: ${label}: ${seconds.toFixed(1)} s, ${episodes.length} episodes`);
    return true;
  }

  async memory(): Promise<void> {
    const memory = await this.w1.call<{ peakRssMb: number }>('memory');
    this.results.set('peak RSS of the worker (MB)', { value: memory.peakRssMb });
  }

  /** Entity operations per second, signals sent and applied. */
  async entities(count: number): Promise<void> {
    const label = `${SIZE.signals} entity operations over ${count} (ops/s)`;
    try {
      const timeoutMs = quick ? 120_000 : 300_000;
      const ms = await this.w1.call<number>('entityBench', { prefix: this.id('e'), entities: count, signals: SIZE.signals, timeoutMs });
      this.results.set(label, ms < 0 ? { note: `DNF ${timeoutMs / 1000} s` } : { value: SIZE.signals / (ms / 1000) });
      if (ms < 0) await this.reset();
      log(`${this.side}: ${label}: ${ms.toFixed(0)} ms`);
    } catch (e) {
      this.results.set(label, { note: `failed: ${(e as Error).message.slice(0, 60)}` });
    }
  }

  /** A long sequential orchestration: cost of the last steps vs step 10. */
  async longOrchestration(): Promise<void> {
    const name = this.id('long');
    await this.w1.call('create', { name: 'BenchChain', instanceId: name, input: String(SIZE.longSteps) });
    const done = await this.probe.waitAll(name, 1, SIZE.longTimeoutMs);
    const { episodes } = await this.probe.episodes(name);
    if (!done) await this.reset();
    const deltas = episodes.slice(1).map((t, i) => t - episodes[i]);
    const at10 = median(deltas.slice(5, 15));
    const atEnd = median(deltas.slice(-10));
    this.results.set(`step 10 of a ${SIZE.longSteps}-step orchestration (ms)`, { value: at10 });
    this.results.set(`last step of a ${SIZE.longSteps}-step orchestration (ms)`, { value: atEnd, note: done ? undefined : `DNF, step ${deltas.length}` });
    this.results.set(`${SIZE.longSteps}-step orchestration, total (s)`, done ? { value: (episodes[episodes.length - 1] - episodes[0]) / 1000 } : { note: `DNF ${SIZE.longTimeoutMs / 1000} s` });
    log(`${this.side}: long orchestration: step 10 ${at10.toFixed(1)} ms, last ${atEnd.toFixed(1)} ms`);
  }

  /** Start-to-pickup latency when another process starts the instance on a quiet hub. */
  async pickup(): Promise<void> {
    const client = await this.startProcess(`${this.side}-client`);
    const latencies: number[] = [];
    for (let i = 0; i < SIZE.pickups; i++) {
      await sleep(2 * MAX_POLLING_MS + 500 + Math.random() * 1000);
      const name = this.id('pick');
      await client.call('create', { name: 'Noop', instanceId: name, input: '1' });
      await this.probe.waitAll(name, 1, 120_000);
      const { started, episodes } = await this.probe.episodes(name);
      latencies.push(episodes[0] - (started ?? episodes[0]));
    }
    await client.stop();
    // The mean: a start lands at a random point of the poll interval, and a median of a few samples
    // mostly says where they happened to land.
    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    this.results.set(`start-to-pickup from another process (ms, mean of ${SIZE.pickups}, max polling ${MAX_POLLING_MS / 1000} s)`, { value: mean });
    log(`${this.side}: pickup latencies ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
  }

  /** Storage operations per second over `ms` with nothing to do (call after a quiet period). */
  async idle(ms: number): Promise<void> {
    const before = this.proxy.total();
    await sleep(ms);
    this.results.set('idle storage operations per second', { value: (this.proxy.total() - before) / (ms / 1000) });
  }

  /** Starts one more worker process and waits until the 4 partitions are spread over all (2/2, then 2/1/1). */
  async addWorker(): Promise<void> {
    const count = this.processes.filter((p) => p.worker).length + 1;
    const w = await this.startProcess(`${this.side}-w${count}`);
    await w.call('startWorker');
    w.worker = true;
    const deadline = Date.now() + 90_000;
    let owners = await this.probe.owners();
    // Balanced: every worker owns partitions and no two differ by more than one (2/2, then 2/1/1).
    const balanced = (o: Map<string, number>) => o.size === count && Math.max(...o.values()) - Math.min(...o.values()) <= 1;
    while (Date.now() < deadline && !balanced(owners)) {
      await sleep(500);
      owners = await this.probe.owners();
    }
    log(`${this.side}: partitions ${JSON.stringify([...owners])}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop().catch(() => undefined)));
  }
}

/** Whether a larger value is better for the metric (throughput) or smaller (latency, cost). */
function higherIsBetter(label: string): boolean {
  // Rates end in "/s)"; scale-out rows say "(throughput ratio)". (Not a bare "ratio": "operations" and
  // "orchestration" contain it, which once inverted those rows.)
  return /\/s\)|\(throughput ratio\)/.test(label);
}

/**
 * The emulator's own pace right now: queue messages sent and deleted per second with 20 calls in
 * flight, straight to Azurite. Every workload here is storage-bound, so this is the floor to read the
 * other figures against (the machine is shared; it moves with the load).
 */
async function emulatorFloor(connectionString: string): Promise<number> {
  const queue = new QueueClient(connectionString, `floor${randomBytes(4).toString('hex')}`);
  await queue.create();
  const n = 400;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next++ < n) {
        const sent = await queue.sendMessage('floor');
        await queue.deleteMessage(sent.messageId, sent.popReceipt);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await queue.delete();
  return (2 * n) / seconds;
}

function printTable(all: Map<SideName, Results>, floors: number[]): void {
  const labels = [...new Set([...all.values()].flatMap((r) => [...r.keys()]))];
  const cell = (m?: Metric) => (m?.value === undefined ? (m?.note ?? '—') : `${m.value < 10 ? m.value.toFixed(2) : m.value.toFixed(m.value < 100 ? 1 : 0)}${m.note ? ` (${m.note})` : ''}`);
  const withBefore = all.has('before');
  const ratio = (label: string, theirs?: Metric, o?: Metric) => {
    if (theirs?.value === undefined || o?.value === undefined || theirs.value <= 0 || o.value <= 0 || label.startsWith('scale-out')) return '—';
    return `${(higherIsBetter(label) ? o.value / theirs.value : theirs.value / o.value).toFixed(2)}×`;
  };
  const lines = withBefore
    ? [`| workload | DTFx 2.11.2 | ours before (${baselineRef}) | ours | ours vs DTFx | ours vs before |`, '| --- | ---: | ---: | ---: | ---: | ---: |']
    : ['| workload | DTFx 2.11.2 | ours | ours vs DTFx |', '| --- | ---: | ---: | ---: |'];
  for (const label of labels) {
    const d = all.get('dtfx')?.get(label);
    const o = all.get('ours')?.get(label);
    const b = all.get('before')?.get(label);
    lines.push(
      withBefore
        ? `| ${label} | ${cell(d)} | ${cell(b)} | ${cell(o)} | ${ratio(label, d, o)} | ${ratio(label, b, o)} |`
        : `| ${label} | ${cell(d)} | ${cell(o)} | ${ratio(label, d, o)} |`,
    );
  }
  console.log(lines.join('\n'));
  console.log(`\nEmulator floor (queue operations/s, 20 in flight, straight to Azurite) at start and end: ${floors.map((f) => f.toFixed(0)).join(' / ')}.`);
  console.log(`ratio > 1: ours is better. ${quick ? 'Quick mode. ' : ''}Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; one in-memory Azurite behind a counting proxy; max polling ${MAX_POLLING_MS / 1000} s, ${CONCURRENCY} orchestrations / ${CONCURRENCY} activities at once, 4 partitions.`);
}

async function main(): Promise<void> {
  const sides: SideName[] = only ? [only] : ['dtfx', 'ours'];
  if (baselineRef) sides.push('before');
  if (sides.includes('dtfx')) buildHarness();
  const baselineWorker = baselineRef ? buildBaseline(baselineRef) : undefined;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const azurite = await startAzurite(await freePorts());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // Interrupted: end the engines and the emulator this run started, then leave.
      for (const child of SideProcess.live) child.kill('SIGKILL');
      void azurite.stop().finally(() => process.exit(130));
    });
  }
  log(`Azurite on ${JSON.stringify(azurite.ports)}, logs in ${logDir}`);
  const proxies: CountingProxy[] = [];
  const runs: SideRun[] = [];
  const floors: number[] = [await emulatorFloor(azurite.connectionString)];
  // Straight to the emulator, not counted: says which workloads ran through one of its stalls.
  const stalls = new StallWatch(azurite.connectionString);
  try {
    for (const side of sides) {
      // One counting proxy per engine, so both can stay up and each one's operations are counted apart.
      const proxy = await CountingProxy.start(azurite.ports);
      proxies.push(proxy);
      runs.push(new SideRun(side, azurite.connectionString, proxy, logDir, side === 'before' ? baselineWorker : undefined));
    }
    // Workloads interleave (each one on DTFx, then on ours) so that drifting load on the machine hits both alike.
    await stalls.start();
    const each = async (work: (run: SideRun) => Promise<unknown>, rotate = 0) => {
      for (const run of [...runs.slice(rotate % runs.length), ...runs.slice(0, rotate % runs.length)]) {
        const stalledBefore = stalls.stalled();
        const cpuBusy = measureCpuBusy();
        try {
          await work(run);
          const stalled = stalls.stalled() - stalledBefore;
          if (stalled > 0) log(`${run.side}: the emulator stalled for ${(stalled / 1000).toFixed(1)} s during that (probes slower than 1 s)`);
          const busy = cpuBusy();
          if (busy !== undefined) log(`${run.side}: the machine's ${os.cpus().length} cores were ${(busy * 100).toFixed(0)}% busy during that`);
        } catch (e) {
          log(`${run.side}: ${(e as Error).stack}`);
        }
      }
    };
    await each((r) => r.setup());
    // Each workload starts on fresh hubs, the last ones deleted: on the emulator every table query scans
    // the whole table and every queue call costs more with each stored message (emulatorQueueCost.ts),
    // so one workload's leftovers would slow the next, most of all for an engine that reloads history.
    const fresh = () => each((r) => r.reset());
    if (want('seq')) for (let round = 0; round < 3; round++) await each((r) => r.sequential());
    if (want('chains') || want('scale')) {
      await fresh();
      await each((r) => r.chains(1));
    }
    const finished = new Set<SideRun>(runs);
    for (const n of want('fanout') ? SIZE.fanOuts : []) {
      // Small fan-outs run three rounds, each in another order, and keep the median: the emulator's
      // extent clean-up (every 60 s, it blocks it for seconds after many deletes) lands in one of them.
      for (let round = 0; round < (n <= 1000 ? 3 : 1); round++) {
        await fresh();
        await each(async (r) => {
          if (finished.has(r) && !(await r.fanOut(n))) finished.delete(r);
        }, round);
      }
    }
    await each((r) => r.memory());
    if (want('entities')) {
      await fresh();
      await each((r) => r.entities(1));
      await each((r) => r.entities(50));
    }
    if (want('long')) {
      await fresh();
      await each((r) => r.longOrchestration());
    }
    if (want('pickup') || want('idle') || want('scale')) await fresh();
    if (want('pickup')) await each((r) => r.pickup());
    if (want('idle')) {
      await sleep(2 * MAX_POLLING_MS);
      await Promise.all(runs.map((r) => r.idle(SIZE.idleMs)));
    }
    if (want('scale')) {
      await each((r) => r.addWorker());
      await each((r) => r.chains(2));
      await each((r) => r.addWorker());
      await each((r) => r.chains(3));
    }
    floors.push(await emulatorFloor(azurite.connectionString));
  } finally {
    stalls.stop();
    await Promise.all(runs.map((r) => r.stop()));
    await Promise.all(proxies.map((p) => p.stop()));
    await azurite.stop();
  }
  printTable(new Map(runs.map((r) => [r.side, r.results])), floors);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
