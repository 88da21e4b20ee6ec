import { FunctionRegistry } from '../app/registry';
import { EventType } from '../history/events';
import { ReceivedMessage } from '../storage/messageQueues';
import { TaskHub } from '../storage/taskHub';
import { QueuePoller } from '../engine/queuePoller';
import { Logger } from '../util/log';
import { runActivity } from './activityRunner';

/**
 * Pulls activity work items from `<hub>-workitems` (shared by all workers), runs them with at most
 * `maxConcurrent` in flight, sends the result to the orchestration's control queue and only then
 * deletes the work item, so a crash anywhere re-runs the activity instead of losing it.
 */
export class WorkItemPoller extends QueuePoller {
  private running = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    hub: TaskHub,
    private readonly registry: FunctionRegistry,
    private readonly options: { maxConcurrent: number; visibilityTimeoutMs: number; maxPollingIntervalMs: number },
    log: Logger,
  ) {
    super(hub.storage.workItems, hub, options.visibilityTimeoutMs, options.maxPollingIntervalMs, log);
  }

  protected capacity(): number {
    return this.options.maxConcurrent - this.running;
  }

  protected async drained(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  protected dispatch(messages: ReceivedMessage[]): void {
    for (const message of messages) {
      const task = this.execute(message).finally(() => {
        this.running--;
        this.inFlight.delete(task);
      });
      this.running++;
      this.inFlight.add(task);
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
