import { TableClient, odata } from '@azure/data-tables';
import { StorageAccount } from '../../src/backend/azureStorage/connection';
import { TaskHubNames } from '../../src/backend/azureStorage/names';
import { escapePartitionKey } from '../../src/backend/azureStorage/keys';

/** Names of every table, queue and container of `hub` (and blobs of its lease containers). */
export async function hubArtifacts(connectionString: string, hub: string): Promise<string[]> {
  const account = new StorageAccount(connectionString);
  const names = new TaskHubNames(hub);
  const lower = hub.toLowerCase();
  const out: string[] = [];
  for (const t of ['History', 'Instances', 'Partitions']) {
    const table = account.table(`${hub}${t}`);
    try {
      for await (const _ of table.listEntities({ queryOptions: { select: ['RowKey'] } })) break;
      out.push(`table ${t}`);
    } catch {
      /* absent */
    }
  }
  for await (const q of account.queues.listQueues({ prefix: lower })) out.push(`queue ${q.name.slice(lower.length)}`);
  for await (const c of account.blobs.listContainers({ prefix: lower })) {
    out.push(`container ${c.name.slice(lower.length)}`);
    if (c.name === names.largeMessagesContainer) continue;
    for await (const b of account.blobs.getContainerClient(c.name).listBlobsFlat()) out.push(`  blob ${c.name.slice(lower.length)}/${b.name.replace(lower, '<hub>')}`);
  }
  return out.sort();
}

export interface PartitionRow {
  rowKey: string;
  CurrentOwner?: string;
  NextOwner?: string;
  IsDraining?: boolean;
  ExpiresAt?: Date;
}

export async function partitionRows(connectionString: string, hub: string): Promise<PartitionRow[]> {
  const table: TableClient = new StorageAccount(connectionString).table(`${hub}Partitions`);
  const rows: PartitionRow[] = [];
  for await (const r of table.listEntities<PartitionRow>()) rows.push(r as PartitionRow);
  return rows.sort((a, b) => a.rowKey.localeCompare(b.rowKey));
}

const VOLATILE = new Set(['etag', 'timestamp', 'Timestamp', '_Timestamp', 'ExecutionId', 'CheckpointCompletedTimestamp', 'CreatedTime', 'LastUpdatedTime', 'CompletedTime', 'FireAt', 'odata.etag']);

/**
 * History rows of an instance with volatile values (times, ids, ETags) masked, for side-by-side diffs;
 * with `maskInstanceId`, the instance id inside values too (to compare two instances' rows).
 */
export async function normalizedHistory(connectionString: string, hub: string, instanceId: string, maskInstanceId = false): Promise<Record<string, unknown>[]> {
  const table = new StorageAccount(connectionString).table(`${hub}History`);
  const rows: Record<string, unknown>[] = [];
  for await (const r of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${escapePartitionKey(instanceId)}` } })) {
    rows.push(normalize(r, maskInstanceId ? instanceId : undefined));
  }
  return rows;
}

export async function instanceRow(connectionString: string, hub: string, instanceId: string): Promise<Record<string, unknown> | undefined> {
  const table = new StorageAccount(connectionString).table(`${hub}Instances`);
  try {
    return await table.getEntity<Record<string, unknown>>(escapePartitionKey(instanceId), '');
  } catch {
    return undefined;
  }
}

export function normalize(row: Record<string, unknown>, instanceId?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row).sort()) {
    if (key === 'partitionKey') continue;
    const v = row[key];
    if (VOLATILE.has(key)) out[key] = '<masked>';
    else if (typeof v === 'string' && /^[0-9a-f]{32}$/.test(v)) out[key] = '<id>';
    else if (typeof v === 'string' && instanceId) out[key] = v.split(JSON.stringify(instanceId)).join('"<instance>"').replace(/"[0-9a-f]{32}"/g, '"<id>"');
    else out[key] = v;
  }
  return out;
}

/** Lines of a diff between two row lists: rows matched by RowKey, columns compared by value. */
export function diffRows(left: Record<string, unknown>[], right: Record<string, unknown>[], labels: [string, string]): string[] {
  const out: string[] = [];
  const byKey = (rows: Record<string, unknown>[]) => new Map(rows.map((r) => [String(r.rowKey), r]));
  const l = byKey(left);
  const r = byKey(right);
  for (const key of [...new Set([...l.keys(), ...r.keys()])].sort()) {
    const a = l.get(key);
    const b = r.get(key);
    if (!a || !b) {
      out.push(`${key}: only ${a ? labels[0] : labels[1]} (${String((a ?? b)!.EventType ?? '')})`);
      continue;
    }
    for (const col of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const va = JSON.stringify(a[col]);
      const vb = JSON.stringify(b[col]);
      if (va !== vb) out.push(`${key} ${String(a.EventType ?? '')}.${col}: ${labels[0]}=${va ?? 'absent'} ${labels[1]}=${vb ?? 'absent'}`);
    }
  }
  return out;
}
