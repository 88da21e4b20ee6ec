import { isEntityInstanceId } from '../entities/entityId';
import { ReceivedMessage } from '../storage/messageQueues';
import { InstanceProcessor } from './controlQueuePoller';

/** Entity instances (`@name@key`) and orchestration instances share control queues but not processing. */
export class WorkItemRouter implements InstanceProcessor {
  constructor(
    private readonly orchestrations: InstanceProcessor,
    private readonly entities: InstanceProcessor,
  ) {}

  process(instanceId: string, messages: ReceivedMessage[]): Promise<void> {
    return isEntityInstanceId(instanceId) ? this.entities.process(instanceId, messages) : this.orchestrations.process(instanceId, messages);
  }
}
