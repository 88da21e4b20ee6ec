import { ExecutionStartedEvent } from '../history/events';
import { InstanceState } from '../history/instanceState';

/**
 * What every backend writes for a client's start: the start event numbered as the next generation
 * of an existing id (as DT.AzureStorage does, so workers can tell a start whose row is still being
 * written from a stale one) and the Pending state that goes with it.
 */
export function pendingInstance(
  start: ExecutionStartedEvent,
  existing: InstanceState | undefined,
  scheduledStartTime: Date | undefined,
): { start: ExecutionStartedEvent; state: InstanceState } {
  const created = new Date(start.Timestamp);
  const generation = existing ? (existing.generation ?? 0) + 1 : 0;
  const instance = start.OrchestrationInstance;
  return {
    start: { ...start, Generation: generation },
    state: {
      instanceId: instance.InstanceId,
      name: start.Name,
      version: start.Version ?? '',
      executionId: instance.ExecutionId,
      input: start.Input ?? undefined,
      runtimeStatus: 'Pending',
      createdTime: created,
      lastUpdatedTime: created,
      scheduledStartTime,
      generation,
      tags: start.Tags ?? null,
      parentInstanceId: start.ParentInstance?.OrchestrationInstance.InstanceId ?? '',
    },
  };
}
