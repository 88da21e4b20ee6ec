import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import { RunningAzurite, freePort, freePorts, startAzurite } from '../../src/localhost/azurite';

/** The repository root (this file runs from test/browser under jest, or from dist/test/browser). */
function findRoot(dir: string): string {
  return fs.existsSync(path.join(dir, 'host.json')) && fs.existsSync(path.join(dir, 'package.json')) ? dir : findRoot(path.dirname(dir));
}
export const ROOT = findRoot(__dirname);
export const SCREENSHOTS = path.join(ROOT, 'test/browser/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a sandboxed CI machine: no GPU, no network side traffic, no first-run UI. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium was not found at ${CHROMIUM}: run 'bash scripts/install-chromium.sh' (or set CHROMIUM_PATH).`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface SampleApp {
  baseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The sample function app under the local host (the `npm start` entry point, built), on its own
 * in-memory Azurite on free ports, requiring `key` for the management API and the dashboard.
 */
export async function startSampleApp(key: string): Promise<SampleApp> {
  const azurite: RunningAzurite = await startAzurite(await freePorts());
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist/src/localhost/cli.js'), ROOT], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), AzureWebJobsStorage: azurite.connectionString, DurableTaskManagementKey: key, DF_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Function app running at')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`The sample app exited with ${code}:\n${output}`)));
    });
  } catch (e) {
    await azurite.stop();
    throw e;
  }
  return {
    baseUrl: `http://localhost:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await azurite.stop();
    },
  };
}
