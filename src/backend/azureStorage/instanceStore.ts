import { TableClient } from '@azure/data-tables';
import { RuntimeStatusName } from '../../history/events';
import { InstanceState } from '../../history/instanceState';
import { InstanceAlreadyExistsError } from '../errors';
import { offloadLargeColumns, restoreLargeColumns, restoreLegacyUrlColumns } from './largeColumns';
import { LargeMessageStore, ignoreNotFound } from './largeMessages';
import { escapePartitionKey, unescapePartitionKey } from './keys';

export type { InstanceState };

const LARGE_COLUMNS = ['Input', 'Output', 'CustomStatus'] as const;

export class InstanceStore {
  /** Blob URLs of large values this process stored, by instance, execution and column. */
  private readonly offloaded = new Map<string, { text: string; url: string }>();

  constructor(
    readonly table: TableClient,
    private readonly blobs: LargeMessageStore,
    private readonly hubName: string,
  ) {}

  async get(instanceId: string): Promise<InstanceState | undefined> {
    let row: Record<string, unknown>;
    try {
      row = await this.table.getEntity<Record<string, unknown>>(escapePartitionKey(instanceId), '');
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
    await restoreLegacyUrlColumns(row, LARGE_COLUMNS, instanceId, this.blobs);
    await restoreLargeColumns(row, this.blobs);
    return fromRow(row);
  }

  /** Inserts, or replaces a row whose ETag is `replaceEtag`; 409/412 mean someone else won. */
  async create(state: InstanceState, replaceEtag?: string): Promise<void> {
    const row = await this.toStoredRow(state);
    try {
      if (replaceEtag) await this.table.updateEntity(row, 'Replace', { etag: replaceEtag });
      else await this.table.createEntity(row);
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 409 || status === 412) throw new InstanceAlreadyExistsError(state.instanceId, 'being created');
      throw e;
    }
  }

  /**
   * Checkpoint write: merged into the row like .NET's InsertOrMerge, so columns we do not write (Tags,
   * ParentInstanceId, blob names .NET keeps) survive.
   */
  async upsert(state: InstanceState): Promise<void> {
    await this.table.upsertEntity(await this.toStoredRow(state), 'Merge');
  }

  /** The row's ETag, or undefined when there is no row (read at load: the guard of the checkpoint's row write). */
  async etagOf(instanceId: string): Promise<string | undefined> {
    try {
      return (await this.table.getEntity(escapePartitionKey(instanceId), '', { queryOptions: { select: ['RowKey'] } })).etag;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  /**
   * Checkpoint write, guarded so an older state never overwrites a newer one: merged under the ETag
   * the work item read at load (inserted when there was no row). When someone wrote the row since,
   * `isCurrent` says whether this checkpoint is still the newest of the instance (its sentinel is the
   * current one): if so the write is repeated under the new ETag, else the newer checkpoint's row
   * stands. Returns whether the row was written.
   */
  async writeCheckpoint(state: InstanceState, loadedEtag: string | undefined, isCurrent: () => Promise<boolean>): Promise<{ written: boolean; etag?: string }> {
    const row = await this.toStoredRow(state);
    let etag = loadedEtag;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = etag ? await this.table.updateEntity(row, 'Merge', { etag }) : await this.table.createEntity(row);
        return { written: true, etag: response.etag };
      } catch (e) {
        const status = (e as { statusCode?: number }).statusCode;
        // 412/409: written or created since the load; 404: purged since the load.
        if (status !== 412 && status !== 409 && status !== 404) throw e;
        if (!(await isCurrent()) || attempt >= 5) return { written: false };
        etag = await this.etagOf(state.instanceId);
      }
    }
  }

  async delete(instanceId: string, etag?: string): Promise<void> {
    await this.table.deleteEntity(escapePartitionKey(instanceId), '', etag ? { etag } : undefined).catch(ignoreNotFound);
  }

  private async toStoredRow(state: InstanceState): Promise<Record<string, unknown> & { partitionKey: string; rowKey: string }> {
    const row: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
      partitionKey: escapePartitionKey(state.instanceId),
      rowKey: '',
      Name: state.name,
      Version: state.version,
      ExecutionId: state.executionId,
      RuntimeStatus: state.runtimeStatus,
      CreatedTime: state.createdTime,
      LastUpdatedTime: state.lastUpdatedTime,
      TaskHubName: this.hubName,
    };
    if (state.generation !== undefined) row.Generation = state.generation;
    if (state.input !== undefined) row.Input = state.input;
    if (state.output !== undefined) row.Output = state.output;
    // The .NET writer stores "null" for no custom status.
    row.CustomStatus = state.customStatus ?? 'null';
    // As DT.AzureStorage writes them with every ExecutionStarted: "null" for no tags, "" for no parent.
    if (state.tags !== undefined) row.Tags = JSON.stringify(state.tags);
    if (state.parentInstanceId !== undefined) row.ParentInstanceId = state.parentInstanceId;
    if (state.completedTime) row.CompletedTime = state.completedTime;
    if (state.scheduledStartTime) row.ScheduledStartTime = state.scheduledStartTime;
    // A large value already in a blob for this execution is referenced again, not uploaded per checkpoint.
    const reused: string[] = [];
    for (const column of LARGE_COLUMNS) {
      const known = this.offloaded.get(`${state.instanceId}\n${state.executionId}\n${column}`);
      if (known && row[column] === known.text) {
        row[column] = known.url;
        reused.push(column);
      }
    }
    const originals = Object.fromEntries(LARGE_COLUMNS.map((c) => [c, row[c]]));
    await offloadLargeColumns(row, LARGE_COLUMNS, `${row.partitionKey}/instance-${state.executionId}`, this.blobs, 'urlInColumn');
    for (const column of LARGE_COLUMNS) {
      if (reused.includes(column) || row[column] === originals[column] || typeof originals[column] !== 'string') continue;
      if (this.offloaded.size >= 1000) this.offloaded.delete(this.offloaded.keys().next().value as string);
      this.offloaded.set(`${state.instanceId}\n${state.executionId}\n${column}`, { text: originals[column] as string, url: row[column] as string });
    }
    return row;
  }
}

function asDate(value: unknown): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return value instanceof Date ? value : new Date(String(value));
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The Tags column: a JSON object of strings, `"null"`, or absent (rows written before the column existed). */
function parseTags(value: unknown): Record<string, string> | null | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null) return null;
    if (typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed as object).every((v) => typeof v === 'string')) return parsed as Record<string, string>;
  } catch {
    // A malformed column reads as absent rather than failing the status query.
  }
  return undefined;
}

export function fromRow(row: Record<string, unknown>): InstanceState {
  return {
    instanceId: unescapePartitionKey(String(row.partitionKey)),
    name: String(row.Name ?? ''),
    version: String(row.Version ?? ''),
    executionId: String(row.ExecutionId ?? ''),
    input: optionalString(row.Input),
    output: optionalString(row.Output),
    customStatus: optionalString(row.CustomStatus),
    runtimeStatus: String(row.RuntimeStatus ?? 'Pending') as RuntimeStatusName,
    createdTime: asDate(row.CreatedTime) ?? new Date(0),
    lastUpdatedTime: asDate(row.LastUpdatedTime) ?? new Date(0),
    completedTime: asDate(row.CompletedTime),
    scheduledStartTime: asDate(row.ScheduledStartTime),
    generation: typeof row.Generation === 'number' ? row.Generation : 0,
    tags: parseTags(row.Tags),
    parentInstanceId: optionalString(row.ParentInstanceId),
    etag: optionalString(row.etag),
  };
}
