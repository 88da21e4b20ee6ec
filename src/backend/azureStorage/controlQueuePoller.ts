import { QueueClient } from '@azure/storage-queue';
import { Logger } from '../../util/log';
import { ReceivedMessage } from './messageQueues';
import { QueuePoller } from './queuePoller';
import { TaskHub } from './taskHub';

/** Polls one owned control queue and hands what it receives to the backend's per-instance buffer. */
export class ControlQueuePoller extends QueuePoller {
  constructor(
    readonly partition: number,
    queue: QueueClient,
    hub: TaskHub,
    private readonly sink: { capacity(): number; add(partition: number, messages: ReceivedMessage[]): void },
    private readonly options: { batchSize: number; visibilityTimeoutMs: number; maxPollingIntervalMs: number },
    log: Logger,
  ) {
    super(queue, hub, options.visibilityTimeoutMs, options.maxPollingIntervalMs, log);
  }

  protected capacity(): number {
    return this.sink.capacity() > 0 ? this.options.batchSize : 0;
  }

  protected async drained(): Promise<void> {
    // Work items are finished by the dispatchers; the backend waits for them separately.
  }

  protected dispatch(messages: ReceivedMessage[]): void {
    this.sink.add(this.partition, messages);
  }
}
