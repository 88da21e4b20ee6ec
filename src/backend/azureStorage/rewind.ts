import { TableClient, odata } from '@azure/data-tables';
import { EventType } from '../../history/events';
import { escapePartitionKey } from './keys';
import { SENTINEL_ROW_KEY } from './historyStore';

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string; etag?: string };

const REWOUND = 'Rewound: ';
/** Guards a malformed history (a sub-orchestration naming an ancestor) against endless recursion. */
const MAX_DEPTH = 64;

/**
 * DT.AzureStorage's rewind (`RewindHistoryAsync`, what the Functions extension's rewind calls), row for
 * row, so a rewind by either side's client is run by either side's worker: in the latest execution,
 * each failure row (TaskFailed, SubOrchestrationInstanceFailed, the Failed ExecutionCompleted) becomes a
 * GenericEvent with Reason "Rewound: <type>"; a failed task's TaskScheduled row too, so the replay
 * schedules it again; a failed sub-orchestration's Created row only gets the Reason, and the child is
 * rewound the same way. Each row is merged under its own ETag (the sentinel is not touched, as in .NET).
 * Every rewound instance's row is set Pending. Returns the instances to wake: the deepest failed
 * instance of each failed branch (each is then sent a GenericEvent).
 */
export async function rewindHistoryRows(history: TableClient, instances: TableClient, instanceId: string, now: Date, depth = 0): Promise<string[]> {
  if (depth > MAX_DEPTH) throw new Error(`Rewind of '${instanceId}': sub-orchestrations nest deeper than ${MAX_DEPTH}.`);
  const rows: Row[] = [];
  for await (const row of history.listEntities<Row>({ queryOptions: { filter: odata`PartitionKey eq ${escapePartitionKey(instanceId)}` } })) {
    if (row.rowKey !== SENTINEL_ROW_KEY) rows.push(row);
  }
  const starts = rows.filter((r) => r.EventType === 'OrchestratorStarted').sort((a, b) => a.rowKey.localeCompare(b.rowKey));
  if (starts.length === 0) return [];
  const executionId = starts[starts.length - 1].ExecutionId;
  const current = rows.filter((r) => r.ExecutionId === executionId);
  const failures = current.filter(
    (r) => r.OrchestrationStatus === 'Failed' || r.EventType === EventType[EventType.TaskFailed] || r.EventType === EventType[EventType.SubOrchestrationInstanceFailed],
  );
  const leaves: string[] = [];
  let failedChildren = false;
  for (const failure of failures) {
    const type = String(failure.EventType);
    const scheduledBy = (scheduledType: EventType) =>
      current.find((r) => r.EventType === EventType[scheduledType] && r.EventId === (failure.TaskScheduledId ?? 0));
    if (type === EventType[EventType.TaskFailed]) {
      const scheduled = scheduledBy(EventType.TaskScheduled);
      if (scheduled) await mark(history, scheduled, true);
    } else if (type === EventType[EventType.SubOrchestrationInstanceFailed]) {
      failedChildren = true;
      const created = scheduledBy(EventType.SubOrchestrationInstanceCreated);
      if (created) {
        // The creation stays (the child keeps its id); only its reason says it was rewound.
        await mark(history, created, false);
        if (typeof created.InstanceId === 'string') leaves.push(...(await rewindHistoryRows(history, instances, created.InstanceId, now, depth + 1)));
      }
    }
    await mark(history, failure, true);
  }
  // As DT.AzureStorage's UpdateStatusForRewindAsync: the row says Pending until the replay runs.
  await instances.updateEntity({ partitionKey: escapePartitionKey(instanceId), rowKey: '', RuntimeStatus: 'Pending', LastUpdatedTime: now }, 'Merge', { etag: '*' });
  if (!failedChildren) leaves.push(instanceId);
  return leaves;
}

async function mark(history: TableClient, row: Row, asGenericEvent: boolean): Promise<void> {
  const update: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
    partitionKey: row.partitionKey,
    rowKey: row.rowKey,
    Reason: `${REWOUND}${String(row.EventType)}`,
  };
  if (asGenericEvent) update.EventType = EventType[EventType.GenericEvent];
  await history.updateEntity(update, 'Merge', { etag: row.etag });
}
