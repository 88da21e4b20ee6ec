import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { ContainerClient } from '@azure/storage-blob';
import { StorageAccount } from './connection';
import { TaskHubNames } from './names';
import { wakeUpQueueName } from '../../config/wakeUp';

/** Handles to every storage artifact of one task hub, and their creation and deletion. */
export class TaskHubStorage {
  readonly names: TaskHubNames;
  readonly history: TableClient;
  readonly instances: TableClient;
  readonly workItems: QueueClient;
  readonly largeMessages: ContainerClient;
  readonly leases: ContainerClient;
  private readonly controlQueues: QueueClient[];

  constructor(
    readonly account: StorageAccount,
    hubName: string,
    readonly partitionCount: number,
  ) {
    if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > 16) {
      throw new Error(`partitionCount must be an integer from 1 to 16, got ${partitionCount}.`);
    }
    this.names = new TaskHubNames(hubName);
    this.history = account.table(this.names.historyTable);
    this.instances = account.table(this.names.instancesTable);
    this.workItems = account.queues.getQueueClient(this.names.workItemQueue);
    this.largeMessages = account.blobs.getContainerClient(this.names.largeMessagesContainer);
    this.leases = account.blobs.getContainerClient(this.names.leasesContainer);
    this.controlQueues = Array.from({ length: partitionCount }, (_, i) =>
      account.queues.getQueueClient(this.names.controlQueue(i)),
    );
  }

  get hubName(): string {
    return this.names.hubName;
  }

  controlQueue(partition: number): QueueClient {
    const queue = this.controlQueues[partition];
    if (!queue) throw new Error(`Partition ${partition} is outside 0..${this.partitionCount - 1}.`);
    return queue;
  }

  /** Creates whatever is missing; safe to call from several workers at once. */
  async createIfNotExists(): Promise<void> {
    await Promise.all([
      createTable(this.history),
      createTable(this.instances),
      this.workItems.createIfNotExists(),
      ...this.controlQueues.map((q) => q.createIfNotExists()),
      // The large-message container comes with the first large payload and the lease container with
      // the blob partition manager, as DurableTask.AzureStorage makes them.
    ]);
  }

  async delete(onProgress?: (artifact: string) => void): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      [this.names.historyTable, () => this.history.deleteTable()],
      [this.names.instancesTable, () => this.instances.deleteTable()],
      [this.names.workItemQueue, () => this.workItems.deleteIfExists()],
      ...this.controlQueues.map((q): [string, () => Promise<unknown>] => [q.name, () => q.deleteIfExists()]),
      [this.names.largeMessagesContainer, () => this.largeMessages.deleteIfExists()],
      [this.names.leasesContainer, () => this.leases.deleteIfExists()],
      [this.names.partitionsTable, () => this.account.table(this.names.partitionsTable).deleteTable()],
      [this.names.appLeaseContainer, () => this.account.blobs.getContainerClient(this.names.appLeaseContainer).deleteIfExists()],
      [wakeUpQueueName(this.hubName), () => this.account.queues.getQueueClient(wakeUpQueueName(this.hubName)).deleteIfExists()],
    ];
    for (const [name, run] of steps) {
      await run();
      onProgress?.(name);
    }
  }
}

async function createTable(table: TableClient): Promise<void> {
  try {
    await table.createTable();
  } catch (e) {
    // Azurite and Azure differ on whether an existing table is an error; "already exists" is fine.
    if ((e as { statusCode?: number }).statusCode !== 409) throw e;
  }
}
