import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultTaskHubName, validateTaskHubName } from './taskHubName';

/** Engine settings, read from host.json `extensions.durableTask` with the extension's defaultSettings. */
export type PartitionManagementKind = 'table' | 'legacy' | 'safe';

export interface DurableSettings {
  hubName: string;
  connectionName: string;
  partitionCount: number;
  controlQueueBatchSize: number;
  controlQueueVisibilityTimeoutMs: number;
  workItemQueueVisibilityTimeoutMs: number;
  maxQueuePollingIntervalMs: number;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  leaseIntervalMs: number;
  leaseRenewIntervalMs: number;
  leaseAcquireIntervalMs: number;
  workerId: string;
  /** `<hub>Partitions` table (default, as DT.AzureStorage 2.x), legacy `default/` blobs, or safe `intent/` + `ownership/` blobs. */
  partitionManagement?: PartitionManagementKind;
  /** Run partitions only while this app holds `<hub>-applease` (default true, host.json `useAppLease`). */
  useAppLease?: boolean;
  /** App name the app lease id is derived from: WEBSITE_SITE_NAME, else DTFX_APP_NAME, else "". */
  appName?: string;
  /**
   * How long timers are split (not a host.json setting: fixed in the extension for Azure Storage; tests
   * shorten it). Defaults to DEFAULT_TIMER_LIMITS.
   */
  timerLimits?: TimerLimits;
}

/**
 * Durable timers longer than `maximumDelayMs` are recorded as a chain of timers of at most `intervalMs`,
 * as the Functions extension does (Azure Storage queues delay a message by 7 days at most).
 */
export interface TimerLimits {
  maximumDelayMs: number;
  intervalMs: number;
}

/** The extension's values for Azure Storage: MaximumDelayTime 6 days, LongRunningTimerIntervalLength 3 days. */
export const DEFAULT_TIMER_LIMITS: TimerLimits = { maximumDelayMs: 6 * 24 * 3_600_000, intervalMs: 3 * 24 * 3_600_000 };

/** What the CLI and docs call the default: see defaultTaskHubName (as the extension: the app name, else TestHubName). */
export const DEFAULT_HUB_NAME = 'TestHubName';

export const defaultSettings: Omit<DurableSettings, 'workerId'> = {
  hubName: DEFAULT_HUB_NAME,
  connectionName: 'AzureWebJobsStorage',
  partitionCount: 4,
  controlQueueBatchSize: 32,
  controlQueueVisibilityTimeoutMs: 5 * 60_000,
  workItemQueueVisibilityTimeoutMs: 5 * 60_000,
  maxQueuePollingIntervalMs: 30_000,
  maxConcurrentActivityFunctions: 10,
  maxConcurrentOrchestratorFunctions: 10,
  leaseIntervalMs: 30_000,
  leaseRenewIntervalMs: 10_000,
  leaseAcquireIntervalMs: 10_000,
};

/** Parses .NET TimeSpan text ("hh:mm:ss[.fff]" or "d.hh:mm:ss") to milliseconds. */
export function parseTimeSpan(text: string, setting: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!m) throw new Error(`host.json setting '${setting}' must be a TimeSpan like "00:00:30", got '${text}'.`);
  const [, d, h, min, s, frac] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  return (((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60 + Number(s)) * 1000 + ms;
}

type Json = Record<string, unknown>;

function readJson(file: string): Json | undefined {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function intSetting(section: Json, key: string, fallback: number, min: number, max: number): number {
  const value = section[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`host.json setting '${key}' must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function timeSetting(section: Json, key: string, fallback: number): number {
  const value = section[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new Error(`host.json setting '${key}' must be a TimeSpan string.`);
  return parseTimeSpan(value, key);
}

function boolSetting(section: Json, key: string, fallback: boolean): boolean {
  const value = section[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`host.json setting '${key}' must be true or false, got ${JSON.stringify(value)}.`);
  return value;
}

/**
 * The extension's storageProvider flags, as DurableTask.AzureStorage reads them: the partition table
 * unless turned off; then the legacy blob leases if asked for, else the "safe" intent/ownership blobs.
 */
function partitionManagement(provider: Json): PartitionManagementKind {
  const table = boolSetting(provider, 'useTablePartitionManagement', true);
  const legacy = boolSetting(provider, 'useLegacyPartitionManagement', false);
  if (table && legacy) throw new Error("host.json sets both 'useTablePartitionManagement' and 'useLegacyPartitionManagement'; choose one.");
  return table ? 'table' : legacy ? 'legacy' : 'safe';
}

/** Resolves `%AppSetting%` references the way the Functions host does for hubName. */
function expandAppSetting(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) throw new Error(`host.json refers to app setting '%${name}%', which is not set.`);
    return resolved;
  });
}

export function loadSettings(appRoot: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): DurableSettings {
  const host = readJson(path.join(appRoot, 'host.json')) ?? {};
  const extensions = (host.extensions as Json | undefined) ?? {};
  const durable = (extensions.durableTask as Json | undefined) ?? {};
  const provider = (durable.storageProvider as Json | undefined) ?? {};
  const named = durable.hubName ?? env.DURABLE_TASK_HUB_NAME;
  const hubName = named === undefined ? defaultTaskHubName(env) : expandAppSetting(String(named), env);
  validateTaskHubName(hubName);
  return {
    hubName,
    connectionName: String(provider.connectionName ?? provider.connectionStringName ?? defaultSettings.connectionName),
    partitionCount: intSetting(provider, 'partitionCount', defaultSettings.partitionCount, 1, 16),
    controlQueueBatchSize: intSetting(provider, 'controlQueueBatchSize', defaultSettings.controlQueueBatchSize, 1, 32),
    controlQueueVisibilityTimeoutMs: timeSetting(provider, 'controlQueueVisibilityTimeout', defaultSettings.controlQueueVisibilityTimeoutMs),
    workItemQueueVisibilityTimeoutMs: timeSetting(provider, 'workItemQueueVisibilityTimeout', defaultSettings.workItemQueueVisibilityTimeoutMs),
    maxQueuePollingIntervalMs: timeSetting(provider, 'maxQueuePollingInterval', defaultSettings.maxQueuePollingIntervalMs),
    maxConcurrentActivityFunctions: intSetting(durable, 'maxConcurrentActivityFunctions', defaultSettings.maxConcurrentActivityFunctions, 1, 1000),
    maxConcurrentOrchestratorFunctions: intSetting(durable, 'maxConcurrentOrchestratorFunctions', defaultSettings.maxConcurrentOrchestratorFunctions, 1, 1000),
    leaseIntervalMs: defaultSettings.leaseIntervalMs,
    leaseRenewIntervalMs: defaultSettings.leaseRenewIntervalMs,
    leaseAcquireIntervalMs: defaultSettings.leaseAcquireIntervalMs,
    workerId: `${os.hostname()}-${process.pid}`,
    partitionManagement: partitionManagement(provider),
    useAppLease: boolSetting(durable, 'useAppLease', true),
    appName: env.WEBSITE_SITE_NAME ?? env.DTFX_APP_NAME ?? '',
  };
}

/** Values of local.settings.json, applied to the environment where not already set (as `func start` does). */
export function applyLocalSettings(appRoot: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): void {
  const local = readJson(path.join(appRoot, 'local.settings.json'));
  const values = (local?.Values as Record<string, unknown> | undefined) ?? {};
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined && value !== undefined && value !== null) env[key] = String(value);
  }
}

/** `extensions.http.routePrefix` of host.json: the path segment before every HTTP function route. */
export function httpRoutePrefix(appRoot: string = process.cwd()): string {
  const host = readJson(path.join(appRoot, 'host.json')) ?? {};
  const http = ((host.extensions as Json | undefined)?.http as Json | undefined) ?? {};
  return typeof http.routePrefix === 'string' ? http.routePrefix.replace(/^\/+|\/+$/g, '') : 'api';
}
