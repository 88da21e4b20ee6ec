/**
 * The chaos suite: several worker processes on one task hub, SIGKILLed at random moments, storage
 * outages (Azurite stopped and restarted on its persisted data), a mixed workload, and a verdict over
 * every invariant. Prints the figures; exits non-zero when an invariant fails.
 *
 *   node dist/test/chaos/run.js [--seed N] [--minutes M] [--workers W] [--instances I] [--signals S] [--kills K] [--outages O]
 *
 * `npm run chaos` runs it long; `npm run chaos:short` runs the short, seeded version CI uses.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { DurableClient } from '../../src/client/durableClient';
import { EntityId } from '../../src/entities/entityId';
import { RunningAzurite, freePorts, startAzurite } from '../../src/localhost/azurite';
import { AzuritePorts } from '../../src/backend/azureStorage/devStorage';
import { historyProblems, recordedOutput } from '../support/historyChecks';
import { chaosSettings } from './settings';
import { Kind, ORCHESTRATION_COUNTER, PlannedInstance, chaosRegistry, plan, seededRandom } from './workload';

interface Options {
  seed: number;
  minutes: number;
  workers: number;
  instances: number;
  signals: number;
  kills: number;
  outages: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { seed: 1, minutes: 1, workers: 3, instances: 60, signals: 300, kills: 4, outages: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '') as keyof Options;
    const value = Number(argv[i + 1]);
    if (!(key in options) || !Number.isFinite(value) || value < 0) throw new Error(`Unknown or bad option ${argv[i]} ${argv[i + 1] ?? ''}`);
    options[key] = value;
  }
  return options;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const workerScript = path.join(__dirname, 'worker.js');

interface WorkerProcess {
  id: number;
  child: ChildProcess;
  workerId: string;
  killedByUs: boolean;
  exited: Promise<number | null>;
}

class Chaos {
  private readonly random: () => number;
  private azurite!: RunningAzurite;
  private ports!: AzuritePorts;
  private readonly location = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-azurite-'));
  private readonly hubName: string;
  private connection = '';
  private workers: WorkerProcess[] = [];
  private workerCount = 0;
  /** Resolved while storage is up; the driver's own client calls wait for it (it causes the outages). */
  private storageUp: Promise<void> = Promise.resolve();
  private readonly commits: { partition: number; at: number; workerId: string }[] = [];
  readonly crashes: string[] = [];
  readonly kills: { at: number; workerId: string; partitions: number[] }[] = [];
  readonly outages: { down: number; up: number }[] = [];
  private stopping = false;
  /** The driver's client calls under way; an outage starts only once they are done. */
  private inFlight = 0;

  constructor(private readonly options: Options) {
    this.random = seededRandom(options.seed);
    this.hubName = `Chaos${options.seed}x${Date.now().toString(36)}`;
  }

  async run(): Promise<boolean> {
    const started = Date.now();
    this.ports = await freePorts();
    this.azurite = await startAzurite(this.ports, { location: this.location });
    this.connection = this.azurite.connectionString;
    const backend = AzureStorageBackend.fromSettings(chaosSettings(this.hubName, 'chaos-driver'), this.connection);
    const client = new DurableClient(backend, chaosRegistry());
    await backend.createIfNotExists();
    for (let i = 0; i < this.options.workers; i++) await this.startWorker();

    const planned = this.planWorkload();
    const ownership = this.watchOwnership(backend);
    const durationMs = this.options.minutes * 60_000;
    const workload = this.drive(client, planned, durationMs);
    const chaos = this.unleash(durationMs);
    await Promise.all([workload, chaos]);
    this.log(`chaos over after ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for every instance to finish`);

    const verdict = await this.verdict(client, backend, planned.instances, planned.sums);
    this.stopping = true;
    clearInterval(ownership.timer);
    const recoveries = this.recoveries(ownership.changes);
    await Promise.all(this.workers.map((w) => this.kill(w, false)));
    await this.azurite.stop();
    fs.rmSync(this.location, { recursive: true, force: true });

    const figures = {
      seed: this.options.seed,
      workers: this.options.workers,
      minutes: this.options.minutes,
      kills: this.kills.length,
      outages: this.outages.length,
      orchestrations: verdict.orchestrations,
      entitySignals: planned.signalCount,
      lost: verdict.lost,
      duplicated: verdict.duplicated,
      stuck: verdict.stuck,
      wrongOutput: verdict.wrong,
      rowDisagreesWithHistory: verdict.rowMismatch,
      entitySumsExact: verdict.sumsExact,
      workerCrashes: this.crashes.length,
      liveHandOvers: recoveries.liveHandOvers,
      killTakeoverMs: summary(recoveries.takeovers),
      killRecoveryMs: summary(recoveries.kills),
      outageRecoveryMs: summary(recoveries.outages),
      orchestrationLatencyMs: summary(verdict.latencies),
    };
    console.log('\nCHAOS FIGURES');
    console.log(JSON.stringify(figures, null, 2));
    for (const problem of verdict.problems.slice(0, 50)) console.log(`  problem: ${problem}`);
    for (const crash of this.crashes) console.log(`  worker crash: ${crash}`);
    const ok = verdict.problems.length === 0 && this.crashes.length === 0;
    console.log(ok ? 'VERDICT: every invariant held' : `VERDICT: FAILED (${verdict.problems.length} problems, ${this.crashes.length} worker crashes)`);
    return ok;
  }

  private log(message: string): void {
    console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}`);
  }

  // ---- workers -----------------------------------------------------------------------------

  private startWorker(): Promise<WorkerProcess> {
    const id = ++this.workerCount;
    const child = spawn(process.execPath, [workerScript, this.hubName], {
      env: { ...process.env, DF_TEST_STORAGE: this.connection, DF_LOG_LEVEL: process.env.DF_LOG_LEVEL ?? 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const workerId = `chaos-${child.pid}`;
    const worker: WorkerProcess = {
      id,
      child,
      workerId,
      killedByUs: false,
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    };
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
      if (process.env.CHAOS_VERBOSE) process.stderr.write(`[w${id}] ${chunk}`);
    });
    let buffered = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('ready')) resolve();
          const m = /^commit (\d+) (\d+)$/.exec(line);
          if (m) this.commits.push({ partition: Number(m[1]), at: Number(m[2]), workerId });
        }
      });
      // Killed by us before it was ready (the chaos picks any worker): not a crash.
      child.once('exit', (code) => (worker.killedByUs ? resolve() : reject(new Error(`worker ${id} exited with ${code} before it was ready: ${stderr}`))));
    });
    void worker.exited.then((code) => {
      if (!worker.killedByUs && !this.stopping) this.crashes.push(`worker ${id} (${workerId}) exited with ${code}: ${stderr.slice(-1500)}`);
    });
    this.workers.push(worker);
    return ready.then(() => worker);
  }

  private async kill(worker: WorkerProcess, record: boolean): Promise<void> {
    worker.killedByUs = true;
    this.workers = this.workers.filter((w) => w !== worker);
    if (record) this.kills.push({ at: Date.now(), workerId: worker.workerId, partitions: [] });
    worker.child.kill('SIGKILL');
    await worker.exited;
  }

  // ---- faults ------------------------------------------------------------------------------

  /** Kills and outages at seeded random moments over the run. */
  private async unleash(durationMs: number): Promise<void> {
    const start = Date.now();
    const events: { at: number; kind: 'kill' | 'outage' }[] = [];
    for (let i = 0; i < this.options.kills; i++) events.push({ at: 3_000 + this.random() * (durationMs - 3_000), kind: 'kill' });
    for (let i = 0; i < this.options.outages; i++) events.push({ at: 5_000 + ((i + 0.5) / this.options.outages) * (durationMs - 10_000), kind: 'outage' });
    events.sort((a, b) => a.at - b.at);
    for (const event of events) {
      const wait = start + event.at - Date.now();
      if (wait > 0) await sleep(wait);
      if (event.kind === 'kill') await this.killOne();
      else await this.outage();
    }
  }

  private async killOne(): Promise<void> {
    const victim = this.workers[Math.floor(this.random() * this.workers.length)];
    if (!victim) return;
    this.log(`SIGKILL worker ${victim.id} (${victim.workerId})`);
    await this.kill(victim, true);
    // A replacement comes up a little later, as the platform would start one.
    const delay = 500 + this.random() * 2_500;
    void sleep(delay)
      .then(() => this.storageUp)
      .then(() => (this.stopping ? undefined : this.startWorker()))
      .catch((e) => this.crashes.push(`replacement worker did not start: ${(e as Error).message}`));
  }

  private async outage(): Promise<void> {
    let up!: () => void;
    this.storageUp = new Promise((resolve) => (up = resolve));
    // The driver's own calls wait (it knows about the outage); only the workers live through it.
    const drained = Date.now() + 30_000;
    while (this.inFlight > 0 && Date.now() < drained) await sleep(50);
    const lengthMs = 3_000 + this.random() * 2_000;
    this.log(`storage outage for ${(lengthMs / 1000).toFixed(1)} s`);
    const down = Date.now();
    await this.azurite.stop();
    await sleep(lengthMs);
    this.azurite = await startAzurite(this.ports, { location: this.location });
    this.outages.push({ down, up: Date.now() });
    this.log('storage back');
    up();
  }

  // ---- workload ----------------------------------------------------------------------------

  private planWorkload() {
    const kinds: Kind[] = ['Chain', 'FanOut', 'Parent', 'Timer', 'Approval', 'Signaller'];
    const instances: PlannedInstance[] = [];
    for (let n = 0; n < this.options.instances; n++) instances.push(plan(kinds[n % kinds.length], n, this.random));
    const counters = Array.from({ length: 4 }, (_, i) => new EntityId('ChaosCounter', `client${i}`));
    const signals = Array.from({ length: this.options.signals }, (_, i) => ({ entity: counters[i % counters.length], amount: 1 + Math.floor(this.random() * 9) }));
    const sums = new Map<string, { entity: EntityId; sum: number }>(counters.map((c) => [c.key, { entity: c, sum: 0 }]));
    for (const s of signals) sums.get(s.entity.key)!.sum += s.amount;
    let orchestrationSum = 0;
    for (const p of instances) {
      if (p.kind === 'Signaller') {
        const { count, amount } = p.input as { count: number; amount: number };
        orchestrationSum += count * amount;
      }
    }
    sums.set(ORCHESTRATION_COUNTER.key, { entity: ORCHESTRATION_COUNTER, sum: orchestrationSum });
    return { instances, signals, sums, signalCount: signals.length + instances.filter((p) => p.kind === 'Signaller').reduce((a, p) => a + (p.input as { count: number }).count, 0) };
  }

  /** A client call made only while storage is up, retried if it meets a kill-induced hiccup. */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tracked(run);
      } catch (e) {
        if (attempt >= 5) throw new Error(`${what}: ${(e as Error).message}`);
        await sleep(500);
      }
    }
  }

  /** Runs a client call while storage is up, counted so an outage waits for it. */
  private async tracked<T>(run: () => Promise<T>): Promise<T> {
    for (;;) {
      const gate = this.storageUp;
      await gate;
      if (gate === this.storageUp) break;
    }
    this.inFlight++;
    try {
      return await run();
    } finally {
      this.inFlight--;
    }
  }

  private async drive(client: DurableClient, planned: ReturnType<Chaos['planWorkload']>, durationMs: number): Promise<void> {
    const start = Date.now();
    const spread = durationMs * 0.8;
    const jobs: Promise<void>[] = [];
    const items = [
      ...planned.instances.map((p, i) => ({ at: (i / planned.instances.length) * spread, run: () => this.startInstance(client, p) })),
      ...planned.signals.map((s, i) => ({
        at: (i / planned.signals.length) * spread,
        // Sent once each (never retried after an ambiguous failure), so the sums are exact.
        run: () => this.tracked(() => client.signalEntity(s.entity, 'add', s.amount)),
      })),
    ].sort((a, b) => a.at - b.at);
    for (const item of items) {
      const wait = start + item.at - Date.now();
      if (wait > 0) await sleep(wait);
      jobs.push(item.run().catch((e) => this.log(`workload call failed: ${(e as Error).message}`)));
    }
    await Promise.all(jobs);
  }

  private async startInstance(client: DurableClient, p: PlannedInstance): Promise<void> {
    await this.call(`start ${p.id}`, async () => {
      const existing = await client.tryGetStatus(p.id);
      if (!existing) await client.startNew(p.kind, { instanceId: p.id, input: p.input });
    });
    if (p.kind !== 'Approval') return;
    // The event is raised once the instance runs, a moment later.
    await sleep(500 + this.random() * 2_000);
    await this.call(`raise ${p.id}`, async () => {
      for (let i = 0; i < 100; i++) {
        const status = await client.tryGetStatus(p.id);
        if (status && status.runtimeStatus !== 'Pending') break;
        await sleep(200);
      }
      await client.raiseEvent(p.id, 'go', 7);
    });
  }

  // ---- measurements ------------------------------------------------------------------------

  /** Polls the partition table: who owns what, when. */
  private watchOwnership(backend: AzureStorageBackend) {
    const table = backend.hub.storage.account.table(backend.hub.storage.names.partitionsTable);
    const owners = new Map<string, string>();
    const changes: { at: number; partition: number; owner: string }[] = [];
    const timer = setInterval(() => {
      void (async () => {
        try {
          for await (const row of table.listEntities<{ CurrentOwner?: string }>()) {
            const partition = Number(String(row.rowKey).split('-').pop());
            const owner = row.CurrentOwner ?? '';
            if (owners.get(row.rowKey!) !== owner) {
              owners.set(row.rowKey!, owner);
              changes.push({ at: Date.now(), partition, owner });
              // Remember what a killed worker owned, for its recovery time.
              const kill = this.kills.find((k) => k.workerId === owner);
              if (kill && !kill.partitions.includes(partition)) kill.partitions.push(partition);
            }
          }
        } catch {
          // storage is down; the next poll catches up
        }
      })();
    }, 200);
    return { timer, changes };
  }

  /**
   * Kill takeover: from the SIGKILL until another worker owns every partition the killed one owned (the
   * lease protocol's part). Kill recovery: until every one of them has committed a checkpoint under
   * another worker (also waits for work to arrive there and for in-flight messages to become visible). Outage recovery: from storage being back until the first commit after it.
   */
  private recoveries(changes: { at: number; partition: number; owner: string }[]) {
    const kills: number[] = [];
    const takeovers: number[] = [];
    for (const kill of this.kills) {
      const owned = new Set<number>();
      for (const c of changes) {
        if (c.at > kill.at) continue;
        if (c.owner === kill.workerId) owned.add(c.partition);
        else owned.delete(c.partition);
      }
      if (owned.size === 0) continue;
      let takeover = 0;
      for (const partition of owned) {
        const next = changes.find((c) => c.partition === partition && c.at > kill.at && c.owner && c.owner !== kill.workerId);
        if (next) takeover = Math.max(takeover, next.at - kill.at);
      }
      if (takeover > 0) takeovers.push(takeover);
      let worst = 0;
      for (const partition of owned) {
        const next = this.commits.find((c) => c.partition === partition && c.at > kill.at && c.workerId !== kill.workerId);
        if (next) worst = Math.max(worst, next.at - kill.at);
      }
      if (worst > 0) kills.push(worst);
    }
    // A partition moving between two workers that are both alive (not one that was killed): startup
    // balancing and replacements that start after the dead worker's partitions were taken cause them.
    let liveHandOvers = 0;
    const lastOwner = new Map<number, string>();
    for (const c of changes) {
      if (!c.owner) continue;
      const previous = lastOwner.get(c.partition);
      lastOwner.set(c.partition, c.owner);
      if (!previous || previous === c.owner) continue;
      if (!this.kills.some((k) => k.workerId === previous && k.at <= c.at)) liveHandOvers++;
    }
    const outages: number[] = [];
    for (const o of this.outages) {
      const next = this.commits.find((c) => c.at > o.up);
      if (next) outages.push(next.at - o.up);
    }
    return { kills, takeovers, outages, liveHandOvers };
  }

  // ---- verdict -----------------------------------------------------------------------------

  private async verdict(client: DurableClient, backend: AzureStorageBackend, planned: PlannedInstance[], sums: Map<string, { entity: EntityId; sum: number }>) {
    const problems: string[] = [];
    const expected = new Map<string, unknown>();
    for (const p of planned) {
      expected.set(p.id, p.expected);
      for (const c of p.children) expected.set(c.id, c.expected);
    }
    let lost = 0;
    let duplicated = 0;
    let stuck = 0;
    let wrong = 0;
    let rowMismatch = 0;
    const latencies: number[] = [];
    const deadline = Date.now() + 240_000;
    const pending = new Set(expected.keys());
    while (pending.size > 0 && Date.now() < deadline) {
      for (const id of [...pending]) {
        const status = await client.tryGetStatus(id).catch(() => undefined);
        if (status && ['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus)) pending.delete(id);
      }
      if (pending.size > 0) await sleep(1_000);
    }
    for (const [id, output] of expected) {
      const status = await client.tryGetStatus(id);
      if (!status) {
        lost++;
        problems.push(`${id}: no instance`);
        continue;
      }
      if (status.runtimeStatus !== 'Completed') {
        stuck++;
        problems.push(`${id}: ${status.runtimeStatus} (${JSON.stringify(status.output)?.slice(0, 200)})`);
        continue;
      }
      if (!isDeepStrictEqual(status.output, output)) {
        wrong++;
        problems.push(`${id}: output ${JSON.stringify(status.output)}, expected ${JSON.stringify(output)}`);
      }
      latencies.push(new Date(status.lastUpdatedTime).getTime() - new Date(status.createdTime).getTime());
      const all = await backend.hub.history.loadAllExecutions(id);
      const found = historyProblems(all);
      if (found.length) {
        duplicated++;
        problems.push(...found.map((f) => `${id}: ${f}`));
      }
      const recorded = recordedOutput(all);
      if (!recorded || !isDeepStrictEqual(recorded.output, status.output)) {
        rowMismatch++;
        problems.push(`${id}: Instances row says ${status.runtimeStatus} ${JSON.stringify(status.output)}, history disagrees`);
      }
    }
    // Entity sums: once the queues are quiet, each counter holds exactly what was sent to it.
    let sumsExact = true;
    for (const { entity, sum } of sums.values()) {
      let value: number | undefined;
      const until = Date.now() + 60_000;
      for (;;) {
        value = (await client.readEntityState<number>(entity).catch(() => undefined))?.entityState;
        if (value === sum || Date.now() > until) break;
        await sleep(500);
      }
      await sleep(1_000);
      value = (await client.readEntityState<number>(entity)).entityState;
      if (value !== sum) {
        sumsExact = false;
        problems.push(`entity ${entity.key}: ${value}, expected ${sum}`);
      }
    }
    return { orchestrations: expected.size, lost, duplicated, stuck, wrong, rowMismatch, sumsExact, latencies, problems };
  }
}

function summary(values: number[]) {
  if (values.length === 0) return { count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

new Chaos(parseOptions(process.argv.slice(2)))
  .run()
  .then((ok) => process.exit(ok ? 0 : 1))
  .catch((e) => {
    console.error(e);
    process.exit(2);
  });
