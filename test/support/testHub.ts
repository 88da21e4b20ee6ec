import { randomBytes } from 'crypto';
import { FunctionRegistry } from '../../src/runtime/registry';
import { DurableSettings } from '../../src/config/settings';
import { DurableClient } from '../../src/client/durableClient';
import { DurableOrchestrationStatus } from '../../src/client/status';
import { DurableEngine } from '../../src/engine/engine';
import { TaskHub } from '../../src/backend/azureStorage/taskHub';
import { AzureStorageBackend } from '../../src/backend/azureStorage/azureStorageBackend';
import { MemoryBackend } from '../../src/backend/memory/memoryBackend';
import { Backend } from '../../src/backend/backend';
import { FaultHook } from '../../src/backend/azureStorage/faultPoints';

export function storageConnection(): string {
  const value = process.env.DF_TEST_STORAGE;
  if (!value) throw new Error('DF_TEST_STORAGE is not set: integration tests need the Azurite that globalSetup starts.');
  return value;
}

/** A fresh hub name per test so tests never see each other's instances. */
export function uniqueHubName(prefix = 'T'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

export function testSettings(hubName: string, overrides: Partial<DurableSettings> = {}): DurableSettings {
  return {
    hubName,
    connectionName: 'AzureWebJobsStorage',
    partitionCount: 4,
    controlQueueBatchSize: 32,
    controlQueueVisibilityTimeoutMs: 60_000,
    workItemQueueVisibilityTimeoutMs: 60_000,
    maxQueuePollingIntervalMs: 200,
    maxConcurrentActivityFunctions: 10,
    maxConcurrentOrchestratorFunctions: 10,
    leaseIntervalMs: 15_000,
    leaseRenewIntervalMs: 5_000,
    leaseAcquireIntervalMs: 2_000,
    workerId: `test-${randomBytes(3).toString('hex')}`,
    // The jest suites keep the legacy blob leases they were written for; the partition table and the
    // app lease are proven against .NET by the interop suite (npm run test:interop).
    partitionManagement: 'legacy',
    useAppLease: false,
    ...overrides,
  };
}

export interface TestHub {
  engine: DurableEngine;
  client: DurableClient;
  registry: FunctionRegistry;
  backend: AzureStorageBackend;
  hub: TaskHub;
  stop(): Promise<void>;
}

export async function startTestHub(registry: FunctionRegistry, overrides: Partial<DurableSettings> = {}, faults?: FaultHook): Promise<TestHub> {
  const settings = testSettings(overrides.hubName ?? uniqueHubName(), overrides);
  const backend = AzureStorageBackend.fromSettings(settings, storageConnection(), faults);
  const engine = DurableEngine.fromSettings(backend, registry, settings);
  await engine.start();
  const client = new DurableClient(backend, registry);
  return { engine, client, registry, backend, hub: backend.hub, stop: () => engine.stop() };
}

const FINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/** Polls until the instance reaches a final status (or `statuses`), failing after `timeoutMs`. */
export async function waitForStatus(
  client: DurableClient,
  instanceId: string,
  timeoutMs = 30_000,
  statuses: Set<string> = FINAL,
): Promise<DurableOrchestrationStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: DurableOrchestrationStatus | undefined;
  while (Date.now() < deadline) {
    last = await client.tryGetStatus(instanceId);
    if (last && statuses.has(last.runtimeStatus)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Instance ${instanceId} did not reach ${[...statuses].join('/')} in ${timeoutMs} ms; last status ${last?.runtimeStatus}.`);
}

/** The same hub shape on the in-memory backend (no Azurite): the fast tier of the feature tests. */
export interface MemoryTestHub {
  engine: DurableEngine;
  client: DurableClient;
  registry: FunctionRegistry;
  backend: MemoryBackend;
  stop(): Promise<void>;
}

export async function startMemoryHub(registry: FunctionRegistry, options: { maxConcurrent?: number } = {}): Promise<MemoryTestHub> {
  const backend = new MemoryBackend({ hubName: uniqueHubName('Mem') });
  const engine = new DurableEngine(backend, registry, {
    workerId: 'memory',
    maxConcurrentOrchestrations: options.maxConcurrent ?? 10,
    maxConcurrentActivities: options.maxConcurrent ?? 10,
  });
  await engine.start();
  return { engine, client: new DurableClient(backend, registry), registry, backend, stop: () => engine.stop() };
}

/** What the conformance suite needs of a hub on any backend. */
export interface AnyTestHub {
  engine: DurableEngine;
  client: DurableClient;
  backend: Backend;
  stop(): Promise<void>;
}
