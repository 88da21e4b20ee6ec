import { validateTaskHubName } from '../../config/taskHubName';

/** Names of the Azure Storage artifacts of a task hub, as DurableTask.AzureStorage derives them. */

export class TaskHubNames {
  readonly historyTable: string;
  readonly instancesTable: string;
  readonly workItemQueue: string;
  readonly largeMessagesContainer: string;
  readonly leasesContainer: string;
  readonly partitionsTable: string;
  readonly appLeaseContainer: string;
  readonly appLeaseInfoBlob: string;

  constructor(readonly hubName: string) {
    validateTaskHubName(hubName);
    const lower = hubName.toLowerCase();
    this.historyTable = `${hubName}History`;
    this.instancesTable = `${hubName}Instances`;
    this.workItemQueue = `${lower}-workitems`;
    this.largeMessagesContainer = `${lower}-largemessages`;
    this.leasesContainer = `${lower}-leases`;
    this.partitionsTable = `${hubName}Partitions`;
    this.appLeaseContainer = `${lower}-applease`;
    this.appLeaseInfoBlob = `${lower}-appleaseinfo`;
  }

  controlQueue(partition: number): string {
    return `${this.hubName.toLowerCase()}-control-${String(partition).padStart(2, '0')}`;
  }
}
