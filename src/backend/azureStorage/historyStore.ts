import { TableClient, TransactionAction, odata } from '@azure/data-tables';
import { EventType, HistoryEvent } from '../../history/events';
import { CheckpointConflictError } from '../errors';
import { fromHistoryRow, historyRowKey, toHistoryRow } from './tableCodec';
import { offloadLargeColumns, restoreLargeColumns } from './largeColumns';
import { LargeMessageStore } from './largeMessages';
import { escapePartitionKey } from './keys';

export const SENTINEL_ROW_KEY = 'sentinel';
/** A table transaction holds at most 100 operations. */
const MAX_BATCH = 100;
/** Events per checkpoint transaction: DT.AzureStorage writes 99 events + the sentinel in each. */
const EVENTS_PER_BATCH = MAX_BATCH - 1;
/** The columns DurableTask.AzureStorage may move to blobs (plus GenericEvent's Data). */
const LARGE_COLUMNS = ['Name', 'Input', 'Result', 'Reason', 'Details', 'Correlation', 'FailureDetails', 'Tags', 'Data'] as const;

export interface LoadedHistory {
  executionId: string | undefined;
  events: HistoryEvent[];
  /** ETag of the sentinel row: the optimistic-concurrency token of the next checkpoint. */
  sentinelEtag: string | undefined;
  /** Queue message ids consumed by the last checkpoint, to drop their redeliveries. */
  lastMessageIds: string[];
}

export class HistoryStore {
  constructor(
    private readonly table: TableClient,
    private readonly blobs: LargeMessageStore,
  ) {}

  async load(instanceId: string): Promise<LoadedHistory> {
    const rows: Record<string, unknown>[] = [];
    let sentinel: Record<string, unknown> | undefined;
    const entities = this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${escapePartitionKey(instanceId)}` },
    });
    for await (const row of entities) {
      if (row.rowKey === SENTINEL_ROW_KEY) sentinel = row;
      else rows.push(row);
    }
    const executionId = (sentinel?.ExecutionId as string | undefined) ?? lastExecutionId(rows);
    // Every row of the current execution counts, as in .NET: a .NET checkpoint merges the sentinel, so
    // no count of ours kept there could be trusted after one.
    const current = rows.filter((r) => r.ExecutionId === executionId).sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)));
    const events: HistoryEvent[] = [];
    for (const row of current) {
      await restoreLargeColumns(row, this.blobs);
      events.push(fromHistoryRow(row));
    }
    return {
      executionId,
      events,
      sentinelEtag: sentinel?.etag as string | undefined,
      lastMessageIds: parseIds(sentinel?.LastMessageIds),
    };
  }

  /**
   * Appends events `events` at positions `start..` of execution `executionId`, as DurableTask.AzureStorage
   * does: transactions of at most 99 upserted events plus the sentinel row, each guarded by the sentinel
   * ETag of the one before (insert when there is none yet), so a second writer fails on its first batch.
   * Intermediate batches mark the sentinel `IsCheckpointComplete: false`. Resolves with the sentinel's new ETag.
   */
  async append(
    instanceId: string,
    executionId: string,
    start: number,
    events: HistoryEvent[],
    sentinelEtag: string | undefined,
    consumedMessageIds: string[],
    afterBatch?: () => Promise<void>,
  ): Promise<string | undefined> {
    const partitionKey = escapePartitionKey(instanceId);
    const rows: TransactionAction[] = [];
    for (let i = 0; i < events.length; i++) {
      const row = toHistoryRow(partitionKey, executionId, start + i, events[i]);
      const prefix = `${partitionKey}/history-${historyRowKey(start + i)}-${EventType[events[i].EventType]}`;
      await offloadLargeColumns(row, LARGE_COLUMNS, prefix, this.blobs);
      rows.push(['upsert', row, 'Replace']);
    }
    let etag = sentinelEtag;
    const batches = Math.max(1, Math.ceil(rows.length / EVENTS_PER_BATCH));
    for (let b = 0; b < batches; b++) {
      const last = b === batches - 1;
      const sentinel: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
        partitionKey,
        rowKey: SENTINEL_ROW_KEY,
        ExecutionId: executionId,
        IsCheckpointComplete: last,
      };
      if (last) {
        sentinel.CheckpointCompletedTimestamp = new Date();
        sentinel.LastMessageIds = JSON.stringify(consumedMessageIds);
      }
      const sentinelAction: TransactionAction = etag ? ['update', sentinel, 'Merge', { etag }] : ['create', sentinel];
      const batch = [...rows.slice(b * EVENTS_PER_BATCH, (b + 1) * EVENTS_PER_BATCH), sentinelAction];
      try {
        const response = await this.table.submitTransaction(batch);
        etag = response.subResponses.find((r) => r.rowKey === SENTINEL_ROW_KEY)?.etag ?? response.subResponses[response.subResponses.length - 1]?.etag;
      } catch (e) {
        const status = (e as { statusCode?: number }).statusCode;
        // 404: the sentinel this writer read is gone (the instance was purged meanwhile).
        if (status === 409 || status === 412 || (status === 404 && etag)) throw new CheckpointConflictError(instanceId);
        throw e;
      }
      if (!etag) {
        // Without the new ETag the next batch (or the Instances-row guard) could not be checked; re-read it.
        etag = await this.sentinelEtag(instanceId);
      }
      if (!last) await afterBatch?.();
    }
    return etag;
  }

  /** The sentinel row's current ETag (undefined when the instance has no history). */
  async sentinelEtag(instanceId: string): Promise<string | undefined> {
    try {
      return (await this.table.getEntity(escapePartitionKey(instanceId), SENTINEL_ROW_KEY, { queryOptions: { select: ['RowKey'] } })).etag;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  /** Every history row of every execution of the instance, in row order (audits and tests). */
  async loadAllExecutions(instanceId: string): Promise<HistoryEvent[]> {
    const rows: Record<string, unknown>[] = [];
    const entities = this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${escapePartitionKey(instanceId)}` },
    });
    for await (const row of entities) if (row.rowKey !== SENTINEL_ROW_KEY) rows.push(row);
    rows.sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)));
    const events: HistoryEvent[] = [];
    for (const row of rows) {
      await restoreLargeColumns(row, this.blobs);
      events.push(fromHistoryRow(row));
    }
    return events;
  }

  /** Deletes every history row of the instance; returns how many rows went. */
  async deleteInstance(instanceId: string): Promise<number> {
    const partitionKey = escapePartitionKey(instanceId);
    const keys: string[] = [];
    const entities = this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${partitionKey}`, select: ['RowKey'] },
    });
    for await (const row of entities) keys.push(String(row.rowKey));
    for (let i = 0; i < keys.length; i += MAX_BATCH) {
      await this.table.submitTransaction(
        keys.slice(i, i + MAX_BATCH).map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]),
      );
    }
    return keys.length;
  }
}

function lastExecutionId(rows: Record<string, unknown>[]): string | undefined {
  const started = rows.filter((r) => r.EventType === 'ExecutionStarted');
  return started.length ? (started[started.length - 1].ExecutionId as string) : undefined;
}

function parseIds(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  try {
    const parsed = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}
