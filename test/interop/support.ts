import { randomBytes } from 'crypto';
import * as assert from 'assert';
import { DurableSettings } from '../../src/config/settings';
import { DurableClient } from '../../src/client/durableClient';
import { DurableOrchestrationStatus } from '../../src/client/status';
import { DurableEngine } from '../../src/engine/engine';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { testSettings } from '../support/testHub';
import { interopRegistry } from './functions';
import { DotnetHarness, HarnessOptions } from './dotnetHarness';

export interface SuiteContext {
  connectionString: string;
  logDir: string;
}

export function hubName(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

export interface NodeSide {
  engine: DurableEngine;
  backend: AzureStorageBackend;
  client: DurableClient;
  workerId: string;
  ownedPartitions(): number[];
  stop(): Promise<void>;
}

/** Our engine on `hub`, with the interop functions. */
export async function startNode(ctx: SuiteContext, hub: string, overrides: Partial<DurableSettings> = {}): Promise<NodeSide> {
  const registry = interopRegistry();
  const settings = testSettings(hub, {
    workerId: `node-${randomBytes(3).toString('hex')}`,
    // What host.json gives by default, as in .NET: the partition table behind the app lease.
    partitionManagement: 'table',
    useAppLease: true,
    appName: '',
    ...overrides,
  });
  const backend = AzureStorageBackend.fromSettings(settings, ctx.connectionString);
  const engine = DurableEngine.fromSettings(backend, registry, settings);
  await engine.start();
  const client = new DurableClient(backend, registry);
  return { engine, backend, client, workerId: settings.workerId, ownedPartitions: () => backend.ownedPartitions, stop: () => engine.stop() };
}

/** A client of our side only (no engine): reads and writes the hub like `durable` CLI or the HTTP API would. */
export function nodeClient(ctx: SuiteContext, hub: string): DurableClient {
  return new DurableClient(AzureStorageBackend.fromSettings(testSettings(hub), ctx.connectionString), interopRegistry());
}

export function startDotnet(ctx: SuiteContext, options: HarnessOptions): Promise<DotnetHarness> {
  return DotnetHarness.start(ctx.connectionString, options, `${ctx.logDir}/dotnet-${options.hub}-${options.workerId ?? 'client'}.log`);
}

const FINAL = ['Completed', 'Failed', 'Terminated', 'Canceled'];

export async function waitNode(client: DurableClient, instanceId: string, statuses: string[] = FINAL, timeoutMs = 60_000): Promise<DurableOrchestrationStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: DurableOrchestrationStatus | undefined;
  while (Date.now() < deadline) {
    last = await client.tryGetStatus(instanceId, { showHistory: false });
    if (last && statuses.includes(last.runtimeStatus)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`our client sees ${instanceId} as ${last?.runtimeStatus ?? 'absent'}, not ${statuses.join('/')}, after ${timeoutMs} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const check: typeof assert.strict = assert.strict;
