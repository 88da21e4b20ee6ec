import { EventType } from '../../history/events';
import { Logger } from '../../util/log';
import { ReceivedMessage } from './messageQueues';
import { QueuePoller } from './queuePoller';
import { TaskHub } from './taskHub';
import { SlotBatching } from './slotBatching';

/**
 * Pulls activity work items from `<hub>-workitems` (shared by all workers) into a buffer the
 * dispatchers take from, never holding more than they can run.
 */
export class WorkItemPoller extends QueuePoller {
  constructor(
    hub: TaskHub,
    private readonly sink: { limit: number; taken(): number; add(messages: ReceivedMessage[]): void },
    visibilityTimeoutMs: number,
    maxPollingIntervalMs: number,
    log: Logger,
  ) {
    super(hub.storage.workItems, hub, visibilityTimeoutMs, maxPollingIntervalMs, log);
    this.slots = new SlotBatching(sink.limit);
  }

  private readonly slots: SlotBatching;

  protected capacity(): number {
    return this.slots.receivable(this.sink.taken());
  }

  protected async drained(): Promise<void> {}

  protected dispatch(messages: ReceivedMessage[]): void {
    const valid: ReceivedMessage[] = [];
    for (const message of messages) {
      const event = message.data.TaskMessage.Event;
      if (event.EventType === EventType.TaskScheduled) {
        valid.push(message);
        continue;
      }
      const id = message.data.TaskMessage.OrchestrationInstance.InstanceId;
      this.log.error(`Work item for '${id}' is ${EventType[event.EventType]}, not TaskScheduled; discarding.`);
      void this.hub.queues.delete(message).catch(() => undefined);
    }
    this.sink.add(valid);
  }
}
