import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';

import { AzuritePorts, devConnectionString } from '../backend/azureStorage/devStorage';

export interface RunningAzurite {
  ports: AzuritePorts;
  connectionString: string;
  stop(): Promise<void>;
}

export { AzuritePorts, DEV_ACCOUNT, STANDARD_PORTS, devConnectionString } from '../backend/azureStorage/devStorage';

export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A server listening on a port the OS picked, held so no one else gets that port meanwhile. */
function listenOnFreePort(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Closes the servers and returns their ports. */
async function releasePorts(servers: net.Server[]): Promise<number[]> {
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

export async function freePort(): Promise<number> {
  const [port] = await releasePorts([await listenOnFreePort()]);
  return port;
}

/** Three distinct free ports: held open together while chosen, since the OS may hand out a just-closed one again. */
export async function freePorts(): Promise<AzuritePorts> {
  const [blob, queue, table] = await releasePorts(await Promise.all([listenOnFreePort(), listenOnFreePort(), listenOnFreePort()]));
  return { blob, queue, table };
}

function azuriteEntry(): string {
  // Resolved lazily: azurite is a development dependency, absent from production installs.
  const pkg = require.resolve('azurite/package.json');
  return path.join(path.dirname(pkg), 'dist', 'src', 'azurite.js');
}

async function waitForPorts(ports: AzuritePorts, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited early with code ${child.exitCode}.`);
    const open = await Promise.all([isPortOpen(ports.blob), isPortOpen(ports.queue), isPortOpen(ports.table)]);
    if (open.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Azurite did not open ports ${JSON.stringify(ports)} within ${timeoutMs} ms.`);
}

export interface AzuriteOptions {
  log?: boolean;
  /** On disk at this folder, so a restart on the same location keeps the data (the chaos suite's storage outages); in memory when absent. */
  location?: string;
  /** Serve HTTPS with this certificate and key (PEM files), and accept OAuth bearer tokens ("basic" check: claims, no signature). */
  https?: { cert: string; key: string; oauth?: boolean };
}

/** Starts Azurite (blob, queue, table) as a child process. */
export async function startAzurite(ports: AzuritePorts, options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const args = [
    azuriteEntry(),
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--loose',
    '--blobPort', String(ports.blob),
    '--queuePort', String(ports.queue),
    '--tablePort', String(ports.table),
  ];
  if (options.https) args.push('--cert', options.https.cert, '--key', options.https.key, ...(options.https.oauth ? ['--oauth', 'basic'] : []));
  if (!options.log) args.push('--silent');
  const child = spawn(process.execPath, args, { stdio: options.log ? 'inherit' : 'ignore' });
  await waitForPorts(ports, child, 90_000);
  return {
    ports,
    connectionString: options.https ? devConnectionString(ports).replace(/http/g, 'https') : devConnectionString(ports),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
