import { EventType, HistoryEvent, OrchestrationStatus } from '../../history/events';

/**
 * History events <-> rows of the `<hub>History` table, flattened the way DurableTask.AzureStorage
 * does: one column per event property, EventType and OrchestrationStatus as their names, the
 * event's Timestamp in `_Timestamp` (the table owns `Timestamp`), nested objects as JSON text.
 */

export type TableValue = string | number | boolean | Date | null | { value: string; type: string };
export type HistoryRow = Record<string, TableValue | undefined> & { partitionKey: string; rowKey: string };

const DATE_COLUMNS = new Set(['FireAt', 'ScheduledStartTime']);
/** Members DT.Core declares as objects: stored as JSON text. (`Correlation` is a plain string there.) */
const JSON_COLUMNS = new Set(['OrchestrationInstance', 'ParentInstance', 'FailureDetails', 'Tags', 'ParentTraceContext']);
/**
 * The object members of each event type that DT.AzureStorage 2.x writes as the text `null` when they
 * are null (native members are left out instead); written the same way so rows match .NET's.
 */
const NULL_JSON_COLUMNS: Partial<Record<EventType, readonly string[]>> = {
  [EventType.ExecutionStarted]: ['ParentInstance', 'Tags', 'ParentTraceContext'],
  [EventType.ExecutionCompleted]: ['FailureDetails'],
  [EventType.ContinueAsNew]: ['FailureDetails'],
  [EventType.TaskScheduled]: ['ParentTraceContext', 'Tags'],
  [EventType.TaskFailed]: ['FailureDetails'],
  [EventType.SubOrchestrationInstanceCreated]: ['Tags'],
  [EventType.SubOrchestrationInstanceFailed]: ['FailureDetails'],
  [EventType.EventRaised]: ['ParentTraceContext'],
  [EventType.ExecutionRewound]: ['ParentTraceContext'],
};

/** RowKey of history event number `sequence`: 16 upper-case hex digits, so rows sort in order. */
export function historyRowKey(sequence: number): string {
  return sequence.toString(16).toUpperCase().padStart(16, '0');
}

/** `partitionKey` is the escaped instance id (see storage/keys). */
export function toHistoryRow(partitionKey: string, executionId: string, sequence: number, event: HistoryEvent): HistoryRow {
  const row: HistoryRow = { partitionKey, rowKey: historyRowKey(sequence), ExecutionId: executionId };
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined || value === null) continue;
    if (key === 'EventType') row.EventType = EventType[value as EventType];
    else if (key === 'Timestamp') row._Timestamp = new Date(value as string);
    else if (key === 'OrchestrationStatus') row.OrchestrationStatus = OrchestrationStatus[value as OrchestrationStatus];
    else if (DATE_COLUMNS.has(key)) row[key] = new Date(value as string);
    else if (JSON_COLUMNS.has(key)) row[key] = JSON.stringify(value);
    else row[key] = value as TableValue;
  }
  for (const column of NULL_JSON_COLUMNS[event.EventType] ?? []) row[column] ??= 'null';
  return row;
}

function asIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

function asNumber(value: unknown): number {
  if (typeof value === 'object' && value !== null && 'value' in value) return Number((value as { value: string }).value);
  return Number(value);
}

const NUMBER_COLUMNS = new Set(['EventId', 'TaskScheduledId', 'TimerId', 'Generation']);
const SKIPPED_COLUMNS = new Set(['partitionKey', 'rowKey', 'timestamp', 'etag', 'odata.etag', 'ExecutionId']);

export function fromHistoryRow(row: Record<string, unknown>): HistoryEvent {
  const eventTypeName = String(row.EventType);
  const eventType = EventType[eventTypeName as keyof typeof EventType];
  if (eventType === undefined) throw new Error(`History row ${String(row.rowKey)} has unknown EventType '${eventTypeName}'.`);
  const event: Record<string, unknown> = { EventType: eventType, EventId: -1, IsPlayed: false };
  for (const [key, value] of Object.entries(row)) {
    if (SKIPPED_COLUMNS.has(key) || key === 'EventType' || value === undefined || value === null) continue;
    if (key.endsWith('@odata.type')) continue;
    if (key === '_Timestamp') event.Timestamp = asIso(value);
    else if (key === 'OrchestrationStatus') event.OrchestrationStatus = OrchestrationStatus[value as keyof typeof OrchestrationStatus];
    else if (DATE_COLUMNS.has(key)) event[key] = asIso(value);
    else if (JSON_COLUMNS.has(key)) event[key] = typeof value === 'string' ? parseJsonColumn(row, key, value) : value;
    else if (NUMBER_COLUMNS.has(key)) event[key] = asNumber(value);
    else event[key] = value;
  }
  if (event.Timestamp === undefined) event.Timestamp = asIso(row.timestamp ?? new Date(0));
  return event as unknown as HistoryEvent;
}

function parseJsonColumn(row: Record<string, unknown>, column: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`History row ${String(row.rowKey)} has a ${column} column that is not JSON.`);
  }
}
