import { StorageConnection } from '../../config/storageConnection';
import { StorageAccount, StorageAccountOptions } from './connection';
import { HistoryStore } from './historyStore';
import { InstanceStore } from './instanceStore';
import { TaskHubQueues } from './messageQueues';
import { TaskHubStorage } from './taskHubStorage';
import { FaultHook, FaultPoint } from './faultPoints';
import { partitionIndexOf } from './partitions';
import { WakeUpOptions, WakeUpQueue } from './wakeUpQueue';
import { createLogger } from '../../util/log';

/** Everything the engine and the client need to read and write one task hub. */
export class TaskHub {
  readonly storage: TaskHubStorage;
  readonly queues: TaskHubQueues;
  readonly history: HistoryStore;
  readonly instances: InstanceStore;

  readonly wakeUp: WakeUpQueue | undefined;

  constructor(
    connection: string | StorageConnection,
    hubName: string,
    partitionCount: number,
    accountOptions: StorageAccountOptions = {},
    wakeUp?: WakeUpOptions,
    workItemTrigger?: { messageEncoding: 'base64' | 'none' },
  ) {
    this.storage = new TaskHubStorage(new StorageAccount(connection, accountOptions), hubName, partitionCount);
    this.wakeUp = wakeUp && new WakeUpQueue(this.storage.account, hubName, wakeUp, createLogger(`durable:${hubName}:wake`));
    this.queues = new TaskHubQueues(this.storage, this.wakeUp, workItemTrigger);
    this.history = new HistoryStore(this.storage.history, this.queues.largeMessages);
    this.instances = new InstanceStore(this.storage.instances, this.queues.largeMessages, hubName);
  }

  /** Test hook awaited between storage writes (see faultPoints.ts); none in production. */
  faults: FaultHook | undefined;

  /** Awaits the fault hook, if any, at `point` for `instanceId`. */
  async fault(point: FaultPoint, instanceId: string): Promise<void> {
    if (this.faults) await this.faults(point, { instanceId, partition: partitionIndexOf(instanceId, this.storage.partitionCount) });
  }

  get name(): string {
    return this.storage.hubName;
  }

  private created: Promise<void> | undefined;

  /** Creates missing artifacts once per process. */
  ensureCreated(): Promise<void> {
    this.created ??= Promise.all([this.storage.createIfNotExists(), this.wakeUp?.create()]).then(() => undefined, (e) => {
      this.created = undefined;
      throw e;
    });
    return this.created;
  }
}
