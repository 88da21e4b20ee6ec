import { TableClient, odata } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';

export interface BatchProgress {
  done: number;
  failed: number;
  firstCreated?: number;
  lastCompleted?: number;
}

const time = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : new Date(v as string | Date).getTime());

/**
 * Reads what both engines write in the same task hub layout (Instances, History, Partitions tables)
 * straight from Azurite, bypassing the counting proxy: completion times, episode timestamps and
 * partition owners are measured the same way whichever engine ran the work.
 */
export class StorageProbe {
  private readonly instances: TableClient;
  private readonly history: TableClient;
  private readonly partitions: TableClient;

  constructor(
    private readonly connectionString: string,
    private readonly hub: string,
  ) {
    const options = { allowInsecureConnection: true };
    this.instances = TableClient.fromConnectionString(connectionString, `${hub}Instances`, options);
    this.history = TableClient.fromConnectionString(connectionString, `${hub}History`, options);
    this.partitions = TableClient.fromConnectionString(connectionString, `${hub}Partitions`, options);
  }

  /**
   * Deletes the hub's queues and tables. On the emulator every queue call costs time that grows with
   * the messages stored in *any* queue (bench/emulatorQueueCost.ts): an unfinished workload's backlog
   * would slow every later workload of both engines.
   */
  async dropHub(): Promise<void> {
    const queues = QueueServiceClient.fromConnectionString(this.connectionString);
    for await (const queue of queues.listQueues({ prefix: `${this.hub.toLowerCase()}-` })) await queues.deleteQueue(queue.name);
    await Promise.all([this.instances.deleteTable(), this.history.deleteTable()]);
  }

  /** Status of the instances whose ids start with `prefix`. */
  async progress(prefix: string): Promise<BatchProgress> {
    const result: BatchProgress = { done: 0, failed: 0 };
    const rows = this.instances.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey ge ${prefix} and PartitionKey lt ${`${prefix}~`}`, select: ['RuntimeStatus', 'CreatedTime', 'CompletedTime'] },
    });
    for await (const row of rows) {
      const created = time(row.CreatedTime);
      if (created !== undefined) result.firstCreated = Math.min(result.firstCreated ?? created, created);
      if (row.RuntimeStatus === 'Completed') {
        result.done++;
        const completed = time(row.CompletedTime);
        if (completed !== undefined) result.lastCompleted = Math.max(result.lastCompleted ?? completed, completed);
      } else if (row.RuntimeStatus === 'Failed' || row.RuntimeStatus === 'Terminated') {
        result.failed++;
      }
    }
    return result;
  }

  /** Waits until `count` instances with `prefix` completed; undefined at the deadline. */
  async waitAll(prefix: string, count: number, timeoutMs: number): Promise<BatchProgress | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = await this.progress(prefix);
      if (p.failed > 0) throw new Error(`${p.failed} instance(s) under '${prefix}' failed`);
      if (p.done >= count) return p;
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, count > 1 ? 500 : 200));
    }
  }

  /** Timestamps of the instance's ExecutionStarted and OrchestratorStarted events, in history order. */
  async episodes(instanceId: string): Promise<{ started?: number; episodes: number[] }> {
    const rows = this.history.listEntities<Record<string, unknown>>({
      queryOptions: {
        filter: odata`PartitionKey eq ${instanceId} and (EventType eq 'OrchestratorStarted' or EventType eq 'ExecutionStarted')`,
        select: ['RowKey', 'EventType', '_Timestamp'],
      },
    });
    const list: { key: string; type: string; at: number }[] = [];
    for await (const row of rows) list.push({ key: String(row.rowKey), type: String(row.EventType), at: time(row._Timestamp) ?? 0 });
    list.sort((a, b) => a.key.localeCompare(b.key));
    return { started: list.find((e) => e.type === 'ExecutionStarted')?.at, episodes: list.filter((e) => e.type === 'OrchestratorStarted').map((e) => e.at) };
  }

  /** History rows the instance has now (progress of a fan-out that did not finish). */
  async countRows(instanceId: string, eventType: string): Promise<number> {
    let n = 0;
    const rows = this.history.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${instanceId} and EventType eq ${eventType}`, select: ['RowKey'] } });
    for await (const row of rows) if (row) n++;
    return n;
  }

  /** Control-queue owners in the partition table. */
  async owners(): Promise<Map<string, number>> {
    const owners = new Map<string, number>();
    for await (const row of this.partitions.listEntities<Record<string, unknown>>()) {
      const owner = row.CurrentOwner as string | undefined;
      if (owner) owners.set(owner, (owners.get(owner) ?? 0) + 1);
    }
    return owners;
  }
}
