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
    const count = typeof sentinel?.HistoryEventCount === 'number' ? sentinel.HistoryEventCount : Number.POSITIVE_INFINITY;
    const current = rows
      .filter((r) => r.ExecutionId === executionId)
      .sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)))
      .slice(0, count);
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
   * Appends events `events` at positions `start..` of execution `executionId`. Rows are upserted
   * (a retried checkpoint rewrites the same keys) and the sentinel row is written last with the
   * ETag seen at load time, so two writers can never both commit.
   */
  async append(
    instanceId: string,
    executionId: string,
    start: number,
    events: HistoryEvent[],
    sentinelEtag: string | undefined,
    consumedMessageIds: string[],
  ): Promise<void> {
    const partitionKey = escapePartitionKey(instanceId);
    const actions: TransactionAction[] = [];
    for (let i = 0; i < events.length; i++) {
      const row = toHistoryRow(partitionKey, executionId, start + i, events[i]);
      const prefix = `${partitionKey}/history-${historyRowKey(start + i)}-${EventType[events[i].EventType]}`;
      await offloadLargeColumns(row, LARGE_COLUMNS, prefix, this.blobs);
      actions.push(['upsert', row, 'Replace']);
    }
    const sentinel = {
      partitionKey,
      rowKey: SENTINEL_ROW_KEY,
      ExecutionId: executionId,
      IsCheckpointComplete: true,
      CheckpointCompletedTimestamp: new Date(),
      HistoryEventCount: start + events.length,
      LastMessageIds: JSON.stringify(consumedMessageIds),
    };
    const sentinelAction: TransactionAction = sentinelEtag
      ? ['update', sentinel, 'Replace', { etag: sentinelEtag }]
      : ['create', sentinel];
    const chunks: TransactionAction[][] = [];
    for (let i = 0; i < actions.length; i += MAX_BATCH) chunks.push(actions.slice(i, i + MAX_BATCH));
    const last = chunks[chunks.length - 1];
    if (!last || last.length === MAX_BATCH) chunks.push([sentinelAction]);
    else last.push(sentinelAction);
    for (const chunk of chunks) {
      try {
        await this.table.submitTransaction(chunk);
      } catch (e) {
        const status = (e as { statusCode?: number }).statusCode;
        if (chunk.includes(sentinelAction) && (status === 409 || status === 412)) throw new CheckpointConflictError(instanceId);
        throw e;
      }
    }
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
