import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { freePort } from '../../src/localhost/azurite';
import { storageConnection } from './testHub';

const root = path.join(__dirname, '../..');

export interface RunningApp {
  child: ChildProcess;
  base: string;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Runs a fixture app through the local host (npm start's code path) in its own process, on the
 * test Azurite. `hubName` and `queue` reach the fixture as WAKE_TEST_HUB / WAKE_TEST_QUEUE.
 */
export function startAppProcess(appRoot: string, hubName: string, queue: string, env: Record<string, string>): Promise<RunningApp> {
  return spawnLocalHost(appRoot, { AzureWebJobsStorage: storageConnection(), WAKE_TEST_HUB: hubName, WAKE_TEST_QUEUE: queue, DF_LOG_LEVEL: 'warn', ...env });
}

/** Starts `dist/src/localhost/cli.js` on `appRoot` on a free port; resolves once it serves. */
export async function spawnLocalHost(appRoot: string, env: Record<string, string>): Promise<RunningApp> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [path.join(root, 'dist/src/localhost/cli.js'), appRoot], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Function app running at')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`app exited with ${code}:\n${output}`)));
  });
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `probe` every 100 ms until it returns a value. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
