import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';

/** DurableTask.AzureStorage, our engine, and optionally our engine as of an earlier commit. */
export type SideName = 'dtfx' | 'ours' | 'before';

export interface SideOptions {
  hub: string;
  workerId: string;
  maxPollingMs: number;
  maxOrchestrations: number;
  maxActivities: number;
  partitions: number;
}

const REPO = path.resolve(__dirname, '..', '..', '..');
const DOTNET_DLL = path.join(REPO, 'test', 'interop', 'dotnet', 'bin', 'Release', 'net10.0', 'Interop.dll');
export const NODE_WORKER = path.join(REPO, 'dist', 'bench', 'sideBySide', 'nodeWorker.js');

/**
 * One worker (or client) process of either engine, driven over JSON lines: our engine
 * (bench/sideBySide/nodeWorker.ts) or DurableTask.AzureStorage (the interop harness).
 */
export class SideProcess {
  /** Live child processes, ended if the benchmark itself is interrupted. */
  static readonly live = new Set<ChildProcessWithoutNullStreams>();

  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  /** Runs an engine on the hub (not just a client). */
  worker = false;
  private nextId = 1;
  private exited = false;
  private readonly ready: Promise<void>;

  private constructor(
    readonly side: SideName,
    private readonly child: ChildProcessWithoutNullStreams,
    logFile: string,
  ) {
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    child.stderr.pipe(log);
    let onReady!: () => void;
    this.ready = new Promise((r) => (onReady = r));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let reply: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string };
      try {
        reply = JSON.parse(line);
      } catch {
        log.write(`[stdout] ${line}\n`);
        return;
      }
      if (reply.event === 'ready') onReady();
      if (reply.id === undefined) return;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(`${side} process: ${reply.error?.split('\n')[0]}`));
    });
    SideProcess.live.add(child);
    child.on('exit', (code) => {
      SideProcess.live.delete(child);
      this.exited = true;
      for (const w of this.pending.values()) w.reject(new Error(`${side} process exited with code ${code}`));
      this.pending.clear();
    });
  }

  static async start(side: SideName, connectionString: string, options: SideOptions, logFile: string, nodeWorker = NODE_WORKER): Promise<SideProcess> {
    const args = [
      '--hub', options.hub, '--partitions', String(options.partitions), '--worker-id', options.workerId,
      '--max-polling-ms', String(options.maxPollingMs), '--max-orchestrations', String(options.maxOrchestrations),
      '--max-activities', String(options.maxActivities),
    ];
    const env = { ...process.env, INTEROP_STORAGE: connectionString, DOTNET_NOLOGO: '1' };
    const child =
      side === 'dtfx'
        ? spawn('dotnet', [DOTNET_DLL, ...args, '--partition-manager', 'table', '--app-lease', 'true', '--entities', 'true'], { env })
        : spawn(process.execPath, [nodeWorker, ...args], { env });
    const proc = new SideProcess(side, child, logFile);
    await Promise.race([proc.ready, new Promise((_, reject) => setTimeout(() => reject(new Error(`${side} process did not start in 60 s`)), 60_000))]);
    return proc;
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.side} process is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end(); // both harnesses stop their worker gracefully at end of input
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
}
