import { QueueClient } from '@azure/storage-queue';
import { StorageAccount } from '../backend/azureStorage/connection';
import { storageConnectionFor } from '../config/storageConnection';
import { QueueTriggerSettings } from '../config/wakeUp';
import { LocalCoreApi, RegisteredFunction, RpcBinding, RpcTypedData } from './coreApi';
import { invokeRegistered } from './invoke';
import { CronSchedule } from './ncrontab';

/** The host keeps a message it is processing invisible for 10 minutes and renews that while the function runs. */
export const QUEUE_MESSAGE_LEASE_MS = 10 * 60_000;
const MIN_POLLING_INTERVAL_MS = 100;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface TriggerListener {
  readonly description: string;
  stop(): Promise<void>;
}

export interface TriggerOptions {
  queues: QueueTriggerSettings;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Renewal period of in-flight messages (default: half of QUEUE_MESSAGE_LEASE_MS, as the host). */
  renewIntervalMs?: number;
}

function resolveAppSettings(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) throw new Error(`Binding refers to app setting '%${name}%', which is not set.`);
    return resolved;
  });
}

function logExecuted(log: (line: string) => void, fn: RegisteredFunction, id: string, started: number, error?: Error): void {
  const outcome = error
    ? `Failed, Id=${id}, Duration=${Date.now() - started}ms): ${error.message}`
    : `Succeeded, Id=${id}, Duration=${Date.now() - started}ms)`;
  log(`Executed 'Functions.${fn.name}' (${outcome}`);
}

/**
 * The host's storage-queue trigger: polls with a randomized-free exponential back-off up to
 * `maxPollingInterval`, receives up to `batchSize` messages (kept invisible for 10 minutes and
 * renewed while running), fetches the next batch once no more than `newBatchThreshold` are still
 * running, deletes a message when its function succeeds, and on failure makes it visible again
 * after `visibilityTimeout`, or moves it to `<queue>-poison` once it was delivered `maxDequeueCount`
 * times. Message text is base64-decoded unless `messageEncoding` is `none`.
 */
export class QueueTriggerListener implements TriggerListener {
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  private readonly loop: Promise<void>;
  private wake: (() => void) | undefined;
  readonly description: string;

  constructor(
    private readonly core: LocalCoreApi,
    private readonly fn: RegisteredFunction,
    private readonly triggerName: string,
    private readonly queue: QueueClient,
    /** `<queue>-poison`, on the same account and credential. */
    private readonly poisonQueue: QueueClient,
    private readonly options: TriggerOptions,
  ) {
    this.description = `${fn.name}: queueTrigger on '${queue.name}'`;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await Promise.all(this.running);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const { batchSize, newBatchThreshold, maxPollingIntervalMs } = this.options.queues;
    let delay = MIN_POLLING_INTERVAL_MS;
    await this.queue.createIfNotExists().catch(() => undefined);
    while (!this.stopped) {
      if (this.running.size > newBatchThreshold) {
        await Promise.race([...this.running, this.sleep(1000)]);
        continue;
      }
      let items: Awaited<ReturnType<QueueClient['receiveMessages']>>['receivedMessageItems'] = [];
      try {
        items = (await this.queue.receiveMessages({ numberOfMessages: batchSize, visibilityTimeout: QUEUE_MESSAGE_LEASE_MS / 1000 }))
          .receivedMessageItems;
      } catch (e) {
        this.options.log(`Queue trigger ${this.fn.name}: receive on '${this.queue.name}' failed: ${(e as Error).message}`);
      }
      if (items.length === 0) {
        await this.sleep(delay);
        delay = Math.min(maxPollingIntervalMs, delay * 2);
        continue;
      }
      delay = MIN_POLLING_INTERVAL_MS;
      for (const item of items) {
        const work = this.process(item).finally(() => this.running.delete(work));
        this.running.add(work);
      }
    }
  }

  private async process(item: {
    messageId: string;
    popReceipt: string;
    messageText: string;
    dequeueCount: number;
    insertedOn: Date;
    expiresOn: Date;
    nextVisibleOn: Date;
  }): Promise<void> {
    const { maxDequeueCount, visibilityTimeoutMs, messageEncoding } = this.options.queues;
    let popReceipt = item.popReceipt;
    const text = messageEncoding === 'base64' ? decodeBase64(item.messageText) : item.messageText;
    if (text === undefined) {
      this.options.log(
        `Queue trigger ${this.fn.name}: message ${item.messageId} is not valid base64 (host.json extensions.queues.messageEncoding is "base64"); moved to '${this.queue.name}-poison'.`,
      );
      return this.poison(item.messageId, popReceipt, item.messageText);
    }
    if (item.dequeueCount > maxDequeueCount) return this.poison(item.messageId, popReceipt, item.messageText);
    const renewal = setInterval(
      () => {
        void this.queue
          .updateMessage(item.messageId, popReceipt, undefined, QUEUE_MESSAGE_LEASE_MS / 1000)
          .then((r) => (popReceipt = r.popReceipt ?? popReceipt))
          .catch(() => undefined);
      },
      this.options.renewIntervalMs ?? QUEUE_MESSAGE_LEASE_MS / 2,
    );
    const started = Date.now();
    let failure: Error | undefined;
    let invocationId = '';
    try {
      const metadata: Record<string, RpcTypedData> = {
        DequeueCount: { json: String(item.dequeueCount) },
        Id: { string: item.messageId },
        PopReceipt: { string: popReceipt },
        InsertionTime: { string: item.insertedOn.toISOString() },
        ExpirationTime: { string: item.expiresOn.toISOString() },
        NextVisibleTime: { string: item.nextVisibleOn.toISOString() },
        QueueTrigger: { string: text },
      };
      invocationId = (await invokeRegistered(this.core, this.fn, this.triggerName, typedText(text), metadata)).invocationId;
    } catch (e) {
      failure = e as Error;
    } finally {
      clearInterval(renewal);
    }
    logExecuted(this.options.log, this.fn, invocationId || item.messageId, started, failure);
    try {
      if (!failure) await this.queue.deleteMessage(item.messageId, popReceipt);
      else if (item.dequeueCount >= maxDequeueCount) await this.poison(item.messageId, popReceipt, item.messageText);
      else await this.queue.updateMessage(item.messageId, popReceipt, undefined, Math.ceil(visibilityTimeoutMs / 1000));
    } catch (e) {
      this.options.log(`Queue trigger ${this.fn.name}: could not settle message ${item.messageId}: ${(e as Error).message}`);
    }
  }

  /** As the host: the original text goes to `<queue>-poison` (created on demand), then the message is deleted. */
  private async poison(messageId: string, popReceipt: string, rawText: string): Promise<void> {
    const poison = this.poisonQueue;
    await poison.createIfNotExists();
    await poison.sendMessage(rawText);
    await this.queue.deleteMessage(messageId, popReceipt);
    this.options.log(`Message ${messageId} on '${this.queue.name}' moved to '${poison.name}'.`);
  }
}

function decodeBase64(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** The host hands JSON text to the worker as json, anything else as a string. */
function typedText(text: string): RpcTypedData {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object') return { json: text };
  } catch {
    // not JSON
  }
  return { string: text };
}

/** The host's timer trigger (without the singleton lock: one local host runs the app). */
export class TimerTriggerListener implements TriggerListener {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private current: Promise<void> | undefined;
  readonly description: string;

  constructor(
    private readonly core: LocalCoreApi,
    private readonly fn: RegisteredFunction,
    private readonly triggerName: string,
    private readonly schedule: CronSchedule,
    private readonly options: TriggerOptions,
  ) {
    this.description = `${fn.name}: timerTrigger '${schedule.expression}'`;
    this.arm();
  }

  private arm(next = this.schedule.next(new Date())): void {
    if (this.stopped) return;
    const wait = next.getTime() - Date.now();
    // setTimeout holds at most ~24.8 days (a longer delay fires at once): wait in steps.
    if (wait > MAX_TIMEOUT_MS) {
      this.timer = setTimeout(() => this.arm(next), MAX_TIMEOUT_MS);
      return;
    }
    this.timer = setTimeout(
      () => {
        const started = Date.now();
        const data = { json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false }) };
        this.current = invokeRegistered(this.core, this.fn, this.triggerName, data).then(
          (r) => logExecuted(this.options.log, this.fn, r.invocationId, started),
          (e: Error) => logExecuted(this.options.log, this.fn, '-', started, e),
        );
        this.arm();
      },
      Math.max(0, wait),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }
}

/** Starts a listener for every queue and timer trigger the app registered. */
export function startTriggerListeners(core: LocalCoreApi, options: TriggerOptions): TriggerListener[] {
  const env = options.env ?? process.env;
  const listeners: TriggerListener[] = [];
  for (const fn of core.functions.values()) {
    const entry = Object.entries(fn.bindings).find(([, b]: [string, RpcBinding]) => /trigger$/i.test(b.type));
    if (!entry) continue;
    const [triggerName, binding] = entry;
    const type = binding.type.toLowerCase();
    if (type === 'queuetrigger') {
      const connectionName = typeof binding.connection === 'string' && binding.connection ? binding.connection : 'AzureWebJobsStorage';
      const account = new StorageAccount(storageConnectionFor(resolveAppSettings(connectionName, env), env));
      const queueName = resolveAppSettings(String(binding.queueName ?? ''), env);
      const queue = account.queues.getQueueClient(queueName);
      listeners.push(new QueueTriggerListener(core, fn, triggerName, queue, account.queues.getQueueClient(`${queueName}-poison`), options));
    } else if (type === 'timertrigger') {
      listeners.push(
        new TimerTriggerListener(core, fn, triggerName, new CronSchedule(resolveAppSettings(String(binding.schedule ?? ''), env)), options),
      );
    }
  }
  return listeners;
}

/** Trigger types the local host serves (HTTP in functionHost, these here). */
export const LISTENED_TRIGGER_TYPES = new Set(['queuetrigger', 'timertrigger']);
