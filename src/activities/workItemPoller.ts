import { FunctionRegistry } from '../app/registry';
import { EventType } from '../history/events';
import { ReceivedMessage } from '../storage/messageQueues';
import { TaskHub } from '../storage/taskHub';
import { Backoff } from '../engine/backoff';
import { Logger } from '../util/log';
import { runActivity } from './activityRunner';

/**
 * Pulls activity work items from `<hub>-workitems` (shared by all workers), runs them with at most
 * `maxConcurrent` in flight, sends the result to the orchestration's control queue and only then
 * deletes the work item, so a crash anywhere re-runs the activity instead of losing it.
 */
export class WorkItemPoller {
  private running = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly hub: TaskHub,
    private readonly registry: FunctionRegistry,
    private readonly options: { maxConcurrent: number; visibilityTimeoutMs: number; maxPollingIntervalMs: number },
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.inFlight);
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.options.maxPollingIntervalMs);
    const unsubscribe = this.hub.queues.onSend((name) => {
      if (name === this.hub.storage.workItems.name) backoff.wake();
    });
    try {
      await this.pollLoop(backoff);
    } finally {
      unsubscribe();
    }
  }

  private async pollLoop(backoff: Backoff): Promise<void> {
    while (!this.stopped) {
      const capacity = this.options.maxConcurrent - this.running;
      if (capacity <= 0) {
        await backoff.waitFixed(10);
        continue;
      }
      let messages: ReceivedMessage[] = [];
      try {
        messages = await this.hub.queues.receive(this.hub.storage.workItems, capacity, this.options.visibilityTimeoutMs, (raw, e) =>
          this.log.error(`Discarding malformed work item (${e.message}): ${raw.slice(0, 200)}`),
        );
      } catch (e) {
        if (this.stopped) break;
        this.log.warn(`Work item queue receive failed: ${(e as Error).message}`);
      }
      if (messages.length === 0) {
        await backoff.wait(() => this.stopped);
        continue;
      }
      backoff.reset();
      for (const message of messages) {
        const task = this.execute(message).finally(() => {
          this.running--;
          this.inFlight.delete(task);
        });
        this.running++;
        this.inFlight.add(task);
      }
    }
  }

  private async execute(message: ReceivedMessage): Promise<void> {
    const event = message.data.TaskMessage.Event;
    const instance = message.data.TaskMessage.OrchestrationInstance;
    if (event.EventType !== EventType.TaskScheduled) {
      this.log.error(`Work item for '${instance.InstanceId}' is ${EventType[event.EventType]}, not TaskScheduled; discarding.`);
      await this.hub.queues.delete(message);
      return;
    }
    // Keep the work item invisible while the activity runs, however long it takes.
    const renewEvery = Math.max(1000, this.options.visibilityTimeoutMs / 2);
    const renewal = setInterval(() => {
      this.hub.queues.renew(message, this.options.visibilityTimeoutMs).catch((e) =>
        this.log.warn(`Could not extend work item of '${instance.InstanceId}': ${(e as Error).message}`),
      );
    }, renewEvery);
    try {
      const answer = await runActivity(this.registry, event);
      await this.hub.queues.send({ instance, event: answer, target: 'control', sender: instance });
      await this.hub.queues.delete(message);
    } catch (e) {
      this.log.error(`Activity '${event.Name}' of '${instance.InstanceId}' could not be completed: ${(e as Error).message}`);
    } finally {
      clearInterval(renewal);
    }
  }
}
