import { QueueClient } from '@azure/storage-queue';
import { wakeUpQueueName } from '../../config/wakeUp';
import { Logger } from '../../util/log';
import { StorageAccount } from './connection';

/** How the app's queue trigger decodes messages (host.json `extensions.queues.messageEncoding`). */
export interface WakeUpOptions {
  messageEncoding: 'base64' | 'none';
}

/** One immediate wake-up per this interval is enough: an awake app handles the rest itself. */
const IMMEDIATE_THROTTLE_MS = 10_000;

/**
 * Writes `<hub>-wake` messages beside the task hub's own messages, with the same visibility delay,
 * so that the platform (which watches the app's queue trigger, not our queues) starts the app when
 * work becomes due: at once for new work (throttled), at the due second for timers and retries.
 */
export class WakeUpQueue {
  readonly queue: QueueClient;
  private lastImmediate = 0;
  /** Due seconds already announced (a fan-out of timers due together needs one wake-up). */
  private readonly announced = new Set<number>();

  constructor(
    account: StorageAccount,
    private readonly hubName: string,
    private readonly options: WakeUpOptions,
    private readonly log: Logger,
  ) {
    this.queue = account.queues.getQueueClient(wakeUpQueueName(hubName));
  }

  async create(): Promise<void> {
    await this.queue.createIfNotExists();
  }

  /** Announces work that becomes visible after `delaySeconds` (0: now). Never fails the caller's send. */
  async announce(delaySeconds: number): Promise<void> {
    const now = Date.now();
    if (delaySeconds <= 0) {
      if (now - this.lastImmediate < IMMEDIATE_THROTTLE_MS) return;
      this.lastImmediate = now;
    } else {
      const due = Math.floor(now / 1000) + delaySeconds;
      if (this.announced.has(due)) return;
      this.announced.add(due);
      for (const s of this.announced) if (s < due - 7 * 24 * 3600 && s * 1000 < now) this.announced.delete(s);
    }
    const body = JSON.stringify({ hub: this.hubName, due: new Date(now + delaySeconds * 1000).toISOString() });
    const text = this.options.messageEncoding === 'base64' ? Buffer.from(body, 'utf8').toString('base64') : body;
    try {
      await this.queue.sendMessage(text, { visibilityTimeout: delaySeconds > 0 ? delaySeconds : undefined, messageTimeToLive: -1 });
    } catch (e) {
      // The task hub's message is already sent; a missing wake-up only costs latency on a sleeping app.
      this.log.warn(`Could not write the wake-up message on ${this.queue.name}: ${(e as Error).message}`);
    }
  }
}
