import { FunctionRegistry } from '../app/registry';
import { DurableSettings } from '../config/settings';
import { WorkItemPoller } from '../activities/workItemPoller';
import { OrchestrationProcessor } from '../orchestration/processor';
import { TaskHub } from '../storage/taskHub';
import { Logger, createLogger } from '../util/log';
import { ConcurrencyGate, ControlQueuePoller } from './controlQueuePoller';
import { PartitionManager, createPartitionManager } from './partitionManagement';
import { WorkItemRouter } from './workItemRouter';
import { EntityProcessor } from '../entities/processor';

/**
 * The durable engine of one worker process: owns control-queue partitions through leases, runs
 * orchestration work items for them, and runs activities from the shared work-item queue.
 */
export class DurableEngine {
  readonly hub: TaskHub;
  private readonly log: Logger;
  private readonly leases: PartitionManager;
  private readonly pollers = new Map<number, ControlQueuePoller>();
  private readonly workItems: WorkItemPoller;
  private readonly processor: WorkItemRouter;
  private readonly gate: ConcurrencyGate;
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(
    readonly settings: DurableSettings,
    connectionString: string,
    readonly registry: FunctionRegistry,
  ) {
    this.hub = new TaskHub(connectionString, settings.hubName, settings.partitionCount);
    this.log = createLogger(`durable:${settings.hubName}:${settings.workerId}`);
    this.processor = new WorkItemRouter(
      new OrchestrationProcessor(this.hub, registry, this.log),
      new EntityProcessor(this.hub, registry, this.log),
    );
    this.gate = new ConcurrencyGate(settings.maxConcurrentOrchestratorFunctions);
    this.workItems = new WorkItemPoller(
      this.hub,
      registry,
      {
        maxConcurrent: settings.maxConcurrentActivityFunctions,
        visibilityTimeoutMs: settings.workItemQueueVisibilityTimeoutMs,
        maxPollingIntervalMs: settings.maxQueuePollingIntervalMs,
      },
      this.log,
    );
    this.leases = createPartitionManager(this.hub.storage, settings, { acquired: (p) => this.startPartition(p), lost: (p) => this.stopPartition(p) }, this.log);
  }

  get ownedPartitions(): number[] {
    return this.leases.ownedPartitions;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`The engine was already ${this.state}.`);
    this.state = 'running';
    await this.hub.ensureCreated();
    this.workItems.start();
    await this.leases.start();
    this.log.info(`Engine started on task hub '${this.hub.name}' owning partitions [${this.ownedPartitions.join(', ')}].`);
  }

  /** Graceful stop: finishes in-flight work items, then gives the partitions back. */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    await Promise.all([...this.pollers.keys()].map((p) => this.stopPartition(p)));
    await this.workItems.stop();
    await this.leases.stop();
    this.log.info('Engine stopped.');
  }

  private startPartition(partition: number): void {
    if (this.pollers.has(partition) || this.state !== 'running') return;
    const poller = new ControlQueuePoller(
      partition,
      this.hub.storage.controlQueue(partition),
      this.hub,
      this.processor,
      this.gate,
      {
        batchSize: this.settings.controlQueueBatchSize,
        visibilityTimeoutMs: this.settings.controlQueueVisibilityTimeoutMs,
        maxPollingIntervalMs: this.settings.maxQueuePollingIntervalMs,
      },
      this.log,
    );
    this.pollers.set(partition, poller);
    poller.start();
  }

  private async stopPartition(partition: number): Promise<void> {
    const poller = this.pollers.get(partition);
    if (!poller) return;
    this.pollers.delete(partition);
    await poller.stop();
  }
}
