import { ChildProcessWithoutNullStreams, spawnSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';

/** Root of the C# harness project (test/interop/dotnet), found from the compiled or the source location. */
export const DOTNET_PROJECT = path.resolve(__dirname, '..', '..', '..', 'test', 'interop', 'dotnet');
const DLL = path.join(DOTNET_PROJECT, 'bin', 'Release', 'net10.0', 'Interop.dll');

/** Builds the harness once per run; incremental builds are quick when nothing changed. */
export function buildHarness(): void {
  const started = Date.now();
  // Restore only once: later runs build offline from the packages already in the NuGet cache.
  const restored = fs.existsSync(path.join(DOTNET_PROJECT, 'obj', 'project.assets.json'));
  const args = ['build', '-c', 'Release', '--nologo', '-v', 'q', ...(restored ? ['--no-restore'] : [])];
  const result = spawnSync('dotnet', args, { cwd: DOTNET_PROJECT, encoding: 'utf8' });
  if (result.error) throw new Error(`The interop suite needs the .NET SDK ('dotnet' on PATH): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`dotnet build of the interop harness failed:\n${result.stdout}\n${result.stderr}`);
  console.log(`  .NET harness built in ${Date.now() - started} ms`);
}

export interface HarnessOptions {
  hub: string;
  partitions?: number;
  partitionManager?: 'table' | 'safe' | 'legacy';
  workerId?: string;
  appLease?: boolean;
  appName?: string;
  /** Hosts the C# 'counter' entity (DT.Core 3.x needs UseSeparateQueueForEntityWorkItems for that). */
  entities?: boolean;
  /** Long-timer limits of the harness's CreateTimer (the extension's 6 days / 3 days by default). */
  timerLimits?: { maximumDelayMs: number; intervalMs: number };
}

export interface DotnetState {
  instanceId: string;
  executionId: string;
  name: string;
  status: string;
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: string;
  lastUpdatedTime: string;
  completedTime: string;
  tags: Record<string, string> | null;
  failureDetails: { ErrorType: string; ErrorMessage: string } | null;
}

export interface ActivityRun {
  name: string;
  input: string | null;
  worker: string;
}

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
  event?: string;
}

/** One process of the real DurableTask.AzureStorage backend, driven over JSON lines. */
export class DotnetHarness {
  readonly activityRuns: ActivityRun[] = [];
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private ready!: Promise<void>;
  private exited = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly options: HarnessOptions,
    logFile: string,
  ) {
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    child.stderr.pipe(log);
    let onReady: () => void;
    this.ready = new Promise((r) => (onReady = r));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(`[stdout] ${line}\n`);
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        return; // DT.Core's own console output, if any
      }
      if (reply.event === 'ready') onReady();
      else if (reply.event === 'activity') this.activityRuns.push(reply as unknown as ActivityRun);
      else if (reply.id !== undefined) {
        const waiter = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.ok) waiter?.resolve(reply.result);
        else waiter?.reject(new Error(`.NET harness: ${reply.error?.split('\n')[0]}`));
      }
    });
    child.on('exit', (code) => {
      this.exited = true;
      for (const w of this.pending.values()) w.reject(new Error(`.NET harness exited with code ${code}`));
      this.pending.clear();
    });
  }

  static async start(connectionString: string, options: HarnessOptions, logFile: string): Promise<DotnetHarness> {
    const args = [DLL, '--hub', options.hub, '--partitions', String(options.partitions ?? 4), '--partition-manager', options.partitionManager ?? 'table'];
    args.push('--worker-id', options.workerId ?? `dotnet-${process.pid}`, '--app-lease', String(options.appLease ?? true), '--app-name', options.appName ?? '');
    if (options.entities) args.push('--entities', 'true');
    if (options.timerLimits) args.push('--timer-max-ms', String(options.timerLimits.maximumDelayMs), '--timer-interval-ms', String(options.timerLimits.intervalMs));
    const child = spawn('dotnet', args, { env: { ...process.env, INTEROP_STORAGE: connectionString, DOTNET_NOLOGO: '1' } });
    const harness = new DotnetHarness(child, options, logFile);
    await Promise.race([
      harness.ready,
      new Promise((_, reject) => setTimeout(() => reject(new Error('.NET harness did not start in 60 s')), 60_000)),
    ]);
    return harness;
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error('.NET harness is not running'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  createHub(): Promise<void> {
    return this.call('createHub');
  }
  startWorker(): Promise<void> {
    return this.call('startWorker');
  }
  stopWorker(): Promise<void> {
    return this.call('stopWorker');
  }
  /** Starts an orchestration with the .NET TaskHubClient; input is a JS value sent as JSON. */
  create(name: string, instanceId: string, input?: unknown, tags?: Record<string, string>): Promise<{ InstanceId: string; ExecutionId: string }> {
    return this.call('create', { name, instanceId, input: input === undefined ? undefined : JSON.stringify(input), tags });
  }
  raise(instanceId: string, eventName: string, input: unknown): Promise<void> {
    return this.call('raise', { instanceId, eventName, input: JSON.stringify(input) });
  }
  terminate(instanceId: string, reason: string): Promise<void> {
    return this.call('terminate', { instanceId, reason });
  }
  suspend(instanceId: string, reason: string): Promise<void> {
    return this.call('suspend', { instanceId, reason });
  }
  resume(instanceId: string, reason: string): Promise<void> {
    return this.call('resume', { instanceId, reason });
  }
  /** DT.AzureStorage's RewindTaskOrchestrationAsync (what the Functions extension's rewind calls). */
  rewind(instanceId: string, reason: string): Promise<void> {
    return this.call('rewind', { instanceId, reason });
  }
  /** Whether the C# Flaky activity fails. */
  setFlaky(fails: boolean): Promise<void> {
    return this.call('setFlaky', { fails });
  }
  /** Signals an entity as DT.Core's ClientEntityHelpers does (`scheduledTime`: ISO UTC, for `op@<time>`). */
  signalEntity(name: string, key: string, operation: string, input?: unknown, scheduledTime?: Date): Promise<void> {
    return this.call('signalEntity', { name, key, operation, input: input === undefined ? undefined : JSON.stringify(input), scheduledTime: scheduledTime?.toISOString() });
  }
  /** An entity's state as DT.AzureStorage's entity queries read it (null when it has none). */
  entityState(name: string, key: string): Promise<{ state: string | null; lockedBy: string | null; backlog: number } | null> {
    return this.call('entityState', { name, key });
  }
  state(instanceId: string): Promise<DotnetState | null> {
    return this.call('state', { instanceId });
  }
  history(instanceId: string): Promise<Record<string, unknown>[] | null> {
    return this.call('history', { instanceId });
  }
  purge(instanceId: string): Promise<{ instancesDeleted: number; rowsDeleted: number }> {
    return this.call('purge', { instanceId });
  }

  /** Polls the .NET view of an instance until it reaches one of `statuses`. */
  async waitFor(instanceId: string, statuses: string[] = ['Completed', 'Failed', 'Terminated'], timeoutMs = 60_000): Promise<DotnetState> {
    const deadline = Date.now() + timeoutMs;
    let last: DotnetState | null = null;
    while (Date.now() < deadline) {
      last = await this.state(instanceId);
      if (last && statuses.includes(last.status)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`.NET sees ${instanceId} as ${last?.status ?? 'absent'}, not ${statuses.join('/')}, after ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end(); // the harness stops its worker gracefully at end of input
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
}
