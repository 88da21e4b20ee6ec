/** Names of the Azure Storage artifacts of a task hub, as DurableTask.AzureStorage derives them. */

/** What the extension's code accepts (its message says 45; its check allows 50). */
const HUB_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]{2,49}$/;

export function validateTaskHubName(name: string): void {
  if (typeof name !== 'string' || !HUB_NAME_PATTERN.test(name)) {
    throw new Error(
      `Task hub name '${name}' is invalid: it must be 3 to 50 characters, start with a letter and contain ` +
        'only letters and digits.',
    );
  }
}

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
