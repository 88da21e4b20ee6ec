import { randomUUID } from 'crypto';
import { OutboundMessage as BackendOutboundMessage } from '../backend';
import { QueueClient } from '@azure/storage-queue';
import { EventType } from '../../history/events';
import { MESSAGE_DATA_TYPE, MessageData, decodeMessage, encodeMessage } from './messageCodec';
import { LargeMessageStore } from './largeMessages';
import { xmlSafeJson } from '../../util/xmlText';
import { partitionIndexOf } from './partitions';
import { TaskHubStorage } from './taskHubStorage';
import { WakeUpQueue } from './wakeUpQueue';

/** Queue messages are at most 64 KB; bigger envelopes go to a blob and the message points at it. */
export const MAX_INLINE_MESSAGE_BYTES = 45 * 1024;
/** Azure Storage caps a message's initial invisibility at 7 days; longer timers are re-sent on arrival. */
export const MAX_VISIBILITY_DELAY_MS = 7 * 24 * 3600 * 1000 - 60_000;

export interface ReceivedMessage {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  insertedOn: Date;
  queue: QueueClient;
  data: MessageData;
}

/** The backend's outbound message, plus the MessageData fields only this layout carries. */
export interface OutboundMessage extends BackendOutboundMessage {
  episode?: number;
}

let sequence = 0;

/**
 * Called with the queue name after each immediate (undelayed) send, so pollers of this process
 * wake at once. Process-wide: a client and an engine often use separate backend objects.
 */
const sendListeners = new Set<(queueName: string) => void>();

export class TaskHubQueues {
  readonly largeMessages: LargeMessageStore;
  onSend(listener: (queueName: string) => void): () => void {
    sendListeners.add(listener);
    return () => sendListeners.delete(listener);
  }

  constructor(
    readonly storage: TaskHubStorage,
    /** Mirrors sends on `<hub>-wake` for the platform's trigger (function apps only). */
    readonly wakeUp?: WakeUpQueue,
    /**
     * Set when the app's queue trigger consumes `<hub>-workitems`: work items are written in the
     * encoding the trigger decodes (base64 unless host.json says none; DT.AzureStorage reads both),
     * and are not mirrored on `<hub>-wake` (the platform sees the work-item queue itself).
     */
    readonly workItemTrigger?: { messageEncoding: 'base64' | 'none' },
  ) {
    this.largeMessages = new LargeMessageStore(storage.largeMessages);
  }

  controlQueueFor(instanceId: string): QueueClient {
    return this.storage.controlQueue(partitionIndexOf(instanceId, this.storage.partitionCount));
  }

  async send(message: OutboundMessage): Promise<void> {
    const data: MessageData = {
      ActivityId: randomUUID(),
      TaskMessage: { Event: message.event, SequenceNumber: 0, OrchestrationInstance: message.instance },
      CompressedBlobName: null,
      SequenceNumber: ++sequence,
      Episode: message.episode,
      Sender: message.sender,
    };
    let text = encodeMessage(data);
    if (Buffer.byteLength(text, 'utf8') > MAX_INLINE_MESSAGE_BYTES) {
      // The .NET naming: the activity id without dashes ("N" format).
      const blobName = `${message.instance.InstanceId}/message-${data.ActivityId.replace(/-/g, '')}-${EventType[message.event.EventType]}.json.gz`;
      await this.largeMessages.upload(blobName, text);
      // A wrapper that carries only the blob's name, as DurableTask.AzureStorage writes it.
      text = xmlSafeJson(JSON.stringify({
        $type: MESSAGE_DATA_TYPE,
        ActivityId: '00000000-0000-0000-0000-000000000000',
        TaskMessage: null,
        CompressedBlobName: blobName,
        SequenceNumber: 0,
        SerializableTraceContext: null,
      }));
    }
    const toWorkItems = message.target === 'workItem';
    const queue = toWorkItems ? this.storage.workItems : this.controlQueueFor(message.instance.InstanceId);
    if (toWorkItems && this.workItemTrigger?.messageEncoding === 'base64') text = Buffer.from(text, 'utf8').toString('base64');
    const delaySeconds = message.delayMs && message.delayMs > 0 ? Math.ceil(Math.min(message.delayMs, MAX_VISIBILITY_DELAY_MS) / 1000) : undefined;
    await queue.sendMessage(text, { visibilityTimeout: delaySeconds, messageTimeToLive: -1 });
    if (!(toWorkItems && this.workItemTrigger)) await this.wakeUp?.announce(delaySeconds ?? 0);
    if (!delaySeconds) for (const listener of sendListeners) listener(queue.name);
  }

  /**
   * Receives and decodes. An undecodable message is reported through `onPoison` and left in the queue,
   * hidden for `undecodableRetryMs(dequeueCount)` as DT.AzureStorage abandons it: another worker of the
   * hub (a newer .NET one, say) may understand it, and nothing is lost.
   */
  async receive(
    queue: QueueClient,
    maxMessages: number,
    visibilityTimeoutMs: number,
    onPoison: (raw: string, error: Error) => void,
  ): Promise<ReceivedMessage[]> {
    const response = await queue.receiveMessages({
      numberOfMessages: Math.min(32, Math.max(1, maxMessages)),
      visibilityTimeout: Math.ceil(visibilityTimeoutMs / 1000),
    });
    const out: ReceivedMessage[] = [];
    for (const item of response.receivedMessageItems) {
      try {
        const data = await this.decode(item.messageText);
        out.push({
          messageId: item.messageId,
          popReceipt: item.popReceipt,
          dequeueCount: item.dequeueCount,
          insertedOn: item.insertedOn,
          queue,
          data,
        });
      } catch (e) {
        onPoison(item.messageText, e as Error);
        const delay = undecodableRetryMs(item.dequeueCount);
        await queue.updateMessage(item.messageId, item.popReceipt, undefined, delay / 1000).catch(() => undefined);
      }
    }
    return out;
  }

  /** A message's text (plain JSON or base64) as MessageData, its blob fetched when the message only points at one. */
  async decode(text: string): Promise<MessageData> {
    const data = decodeMessage(decodeQueueText(text));
    return data.CompressedBlobName && !data.TaskMessage ? decodeMessage(await this.largeMessages.download(data.CompressedBlobName)) : data;
  }

  async delete(message: ReceivedMessage): Promise<void> {
    try {
      await message.queue.deleteMessage(message.messageId, message.popReceipt);
    } catch (e) {
      // Already deleted, or our pop receipt expired and another dequeue owns it: either way not ours now.
      const status = (e as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 400) throw e;
    }
  }

  /** Makes the message visible again after `delayMs`, keeping it in the queue. */
  async abandon(message: ReceivedMessage, delayMs: number): Promise<void> {
    try {
      const r = await message.queue.updateMessage(message.messageId, message.popReceipt, undefined, Math.ceil(delayMs / 1000));
      if (r.popReceipt) message.popReceipt = r.popReceipt;
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 400) throw e;
    }
  }

  /**
   * Copies a message that keeps failing to `<queue>-poison` (the Functions convention), with the
   * reason, so it is kept for inspection and replay but no longer blocks its instance.
   */
  async park(message: ReceivedMessage, reason: string): Promise<void> {
    const poison = this.storage.account.queues.getQueueClient(`${message.queue.name}-poison`);
    await poison.createIfNotExists();
    const record = { reason, messageId: message.messageId, dequeueCount: message.dequeueCount, message: message.data as unknown };
    let body = xmlSafeJson(JSON.stringify(record));
    if (Buffer.byteLength(body, 'utf8') > MAX_INLINE_MESSAGE_BYTES) {
      const { TaskMessage } = message.data;
      record.message = { instance: TaskMessage.OrchestrationInstance, eventType: EventType[TaskMessage.Event.EventType], note: 'payload too large to keep here' };
      body = xmlSafeJson(JSON.stringify(record));
    }
    await poison.sendMessage(body, { messageTimeToLive: -1 });
  }

  /** Extends invisibility of a message still being worked on. */
  async renew(message: ReceivedMessage, visibilityTimeoutMs: number): Promise<void> {
    const r = await message.queue.updateMessage(message.messageId, message.popReceipt, undefined, Math.ceil(visibilityTimeoutMs / 1000));
    if (r.popReceipt) message.popReceipt = r.popReceipt;
  }
}

/** Messages from older DurableTask.AzureStorage versions are base64; ours and newer ones are plain JSON. */
export function decodeQueueText(text: string): string {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) return text;
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8');
  return decoded.trimStart().startsWith('{') ? decoded : text;
}

/** DT.AzureStorage's abandon back-off: 2^dequeueCount seconds, at most 10 minutes. */
export function undecodableRetryMs(dequeueCount: number): number {
  return Math.min(2 ** Math.max(1, dequeueCount), 600) * 1000;
}
