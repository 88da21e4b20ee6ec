import * as fs from 'fs';
import * as path from 'path';
import { parseTimeSpan } from './settings';

/**
 * The platform wake-up path (docs/adr/0012-waking-the-app.md). On Consumption and Flex Consumption
 * the platform only starts (and scales) an app for its triggers, and our engine's queues are not
 * triggers. So every message that needs a worker is mirrored, with the same visibility delay, by a
 * small message on `<hub>-wake`, which a storage-queue trigger function of the app consumes; a timer
 * trigger is the fallback.
 */

/** `<hub>-wake` (short enough that the host's `<queue>-poison` fits the 63-character limit for any hub name). */
export function wakeUpQueueName(hubName: string): string {
  return `${hubName.toLowerCase()}-wake`;
}

/** The host's storage-queue trigger settings (host.json `extensions.queues`), with the host's defaults. */
export interface QueueTriggerSettings {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  /** Delay before a failed message is retried. */
  visibilityTimeoutMs: number;
  maxPollingIntervalMs: number;
  /** `base64` (default) or `none`: how message text is encoded (app-wide). */
  messageEncoding: 'base64' | 'none';
}

export interface WakeUpSettings {
  /** App setting `DurableTaskWakeUp` = `false` turns the wake-up functions and messages off. */
  enabled: boolean;
  /**
   * App setting `DurableTaskActivityTrigger` (default true): activities run as executions of the
   * app's queue trigger on `<hub>-workitems` instead of the engine's own poller (docs/adr/0013).
   */
  activityTrigger: boolean;
  /** NCRONTAB of the fallback timer trigger (app setting `DurableTaskWakeUpSchedule`, default every 5 minutes). */
  schedule: string;
  queues: QueueTriggerSettings;
}

export const DEFAULT_WAKE_UP_SCHEDULE = '0 */5 * * * *';

type Json = Record<string, unknown>;

function positiveInt(section: Json, key: string, fallback: number, max: number): number {
  const value = section[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`host.json setting 'extensions.queues.${key}' must be an integer from 1 to ${max}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function timeSpan(section: Json, key: string, fallback: number): number {
  const value = section[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new Error(`host.json setting 'extensions.queues.${key}' must be a TimeSpan string.`);
  return parseTimeSpan(value, `extensions.queues.${key}`);
}

export function queueTriggerSettings(host: Json): QueueTriggerSettings {
  const queues = ((host.extensions as Json | undefined)?.queues as Json | undefined) ?? {};
  const batchSize = positiveInt(queues, 'batchSize', 16, 32);
  const encoding = queues.messageEncoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'none') {
    throw new Error(`host.json setting 'extensions.queues.messageEncoding' must be "base64" or "none", got ${JSON.stringify(encoding)}.`);
  }
  const threshold = queues.newBatchThreshold;
  return {
    batchSize,
    // The host's default is half the batch size; 0 is allowed (fetch only when all are done).
    newBatchThreshold:
      typeof threshold === 'number' && Number.isInteger(threshold) && threshold >= 0 ? threshold : Math.floor(batchSize / 2),
    maxDequeueCount: positiveInt(queues, 'maxDequeueCount', 5, 1000),
    visibilityTimeoutMs: timeSpan(queues, 'visibilityTimeout', 0),
    maxPollingIntervalMs: timeSpan(queues, 'maxPollingInterval', 60_000),
    messageEncoding: encoding,
  };
}

function booleanSetting(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (value !== 'true' && value !== 'false') throw new Error(`App setting '${name}' must be true or false, got '${env[name]}'.`);
  return value === 'true';
}

export function loadWakeUpSettings(appRoot: string, env: NodeJS.ProcessEnv = process.env): WakeUpSettings {
  const file = path.join(appRoot, 'host.json');
  const host = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Json) : {};
  return {
    enabled: booleanSetting(env, 'DurableTaskWakeUp', true),
    activityTrigger: booleanSetting(env, 'DurableTaskActivityTrigger', true),
    schedule: env.DurableTaskWakeUpSchedule?.trim() || DEFAULT_WAKE_UP_SCHEDULE,
    queues: queueTriggerSettings(host),
  };
}
