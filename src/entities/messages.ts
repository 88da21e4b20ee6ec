import { EntityId } from './entityId';

/**
 * Entity messages as Durable Functions exchanges them on DurableTask.AzureStorage: requests are
 * EventRaised events named "op" carrying a RequestMessage, answers are EventRaised events named
 * after the request id carrying a ResponseMessage, and lock releases are events named "release".
 */
export const OPERATION_EVENT = 'op';
export const RELEASE_EVENT = 'release';
export const LOCK_GRANTED = 'Lock Acquisition Completed';

export interface EntityIdJson {
  name: string;
  key: string;
}

export interface RequestMessage {
  /** Operation name; absent for lock requests. */
  op?: string | null;
  signal?: boolean;
  /** The operation input as JSON text. */
  input?: string | null;
  id: string;
  /** Instance id of the orchestration that sent it (none for client signals). */
  parent?: string | null;
  parentExecution?: string | null;
  /** Lock requests: the full lock set in canonical order, and this entity's position in it. */
  lockset?: EntityIdJson[] | null;
  pos?: number;
  timestamp?: string;
  /** DurableTask's MessageSorter fields (.NET DateTime text), set on requests from orchestrations. */
  Timestamp?: string;
  Predecessor?: string;
}

export interface ResponseMessage {
  /** JSON text of the result, or of the error message when exceptionType is set (what durable-functions parses). */
  result: string | null;
  exceptionType?: string | null;
}

export interface ReleaseMessage {
  parent: string;
  id: string;
}

/** An entity's durable state: kept as the input of its current execution and in its Instances row. */
export interface SchedulerState {
  exists: boolean;
  /** JSON text of the user state. */
  state?: string | null;
  /** Requests waiting for a lock held by another orchestration. */
  queue?: RequestMessage[];
  lockedBy?: string | null;
  suspended?: boolean;
  /**
   * Ids of the requests applied within the de-duplication retention, oldest first, so a redelivered
   * or re-sent request is applied once however many operations came in between.
   */
  processed?: string[];
  /** When each of `processed` was applied (ms since the epoch), same order. */
  processedAt?: number[];
}

/**
 * How long an entity remembers an applied request id by default. A duplicate arrives at most about one
 * queue visibility timeout after the original (a redelivery, or a sender's retried work item), so the
 * engine keeps ids for twice that plus a minute, and never less than this.
 */
export const MIN_DEDUPE_RETENTION_MS = 10 * 60_000;

export function toEntityIdJson(entity: EntityId): EntityIdJson {
  return { name: entity.name, key: entity.key };
}

export function parseSchedulerState(text: string | null | undefined): SchedulerState {
  if (!text) return { exists: false, queue: [] };
  const parsed = JSON.parse(text) as Partial<SchedulerState>;
  return {
    // DT.Core 3.x writes no `exists` (an entity exists when it has a state); the extension 2.x and we write it.
    exists: parsed.exists ?? (parsed.state !== undefined && parsed.state !== null),
    state: parsed.state ?? null,
    queue: parsed.queue ?? [],
    lockedBy: parsed.lockedBy ?? null,
    suspended: !!parsed.suspended,
    processed: parsed.processed ?? [],
    processedAt: parsed.processedAt ?? [],
  };
}

/** Only the fields that carry information, as the .NET serializer omits defaults. */
export function serializeSchedulerState(state: SchedulerState): string {
  const out: Record<string, unknown> = { exists: state.exists };
  if (state.exists && state.state !== undefined && state.state !== null) out.state = state.state;
  if (state.queue && state.queue.length) out.queue = state.queue;
  if (state.lockedBy) out.lockedBy = state.lockedBy;
  if (state.suspended) out.suspended = true;
  if (state.processed && state.processed.length) {
    out.processed = state.processed;
    out.processedAt = state.processedAt;
  }
  return JSON.stringify(out);
}
