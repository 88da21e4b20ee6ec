import { DurableTaskError } from '../util/errors';

/** A start was refused: an instance with this id exists and still runs. */
export class InstanceAlreadyExistsError extends DurableTaskError {
  constructor(instanceId: string, status: string) {
    super(`An orchestration with instance ID '${instanceId}' already exists and is ${status}.`, 'InstanceAlreadyExists');
  }
}

/** The task hub has no instance with this id. */
export class InstanceNotFoundError extends DurableTaskError {
  constructor(instanceId: string, hubName: string) {
    super(`No instance with ID '${instanceId}' was found in task hub '${hubName}'.`, 'InstanceNotFound');
  }
}

/** Another worker committed the instance first; the work item is retried from what it wrote. */
export class CheckpointConflictError extends DurableTaskError {
  constructor(instanceId: string) {
    super(`History of instance '${instanceId}' was changed by another worker; the work item will be retried.`, 'CheckpointConflict');
  }
}

/** A query parameter (filter, page size, continuation token) cannot be used. */
export class InvalidQueryError extends DurableTaskError {
  constructor(message: string) {
    super(message, 'InvalidQuery');
  }
}

/** A value stored apart from its row (a large payload) is gone: the instance is being purged or its payloads were deleted. */
export class MissingLargeValueError extends DurableTaskError {
  constructor(column: string, blobName: string) {
    super(`The ${column} value is stored in blob '${blobName}', which no longer exists (the instance is being purged, or its blobs were deleted).`, 'MissingLargeValue');
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'REQUEST_SEND_ERROR', 'UND_ERR_SOCKET']);

/**
 * A storage transport failure (unreachable, timed out, throttled, server error): the storage is
 * unavailable, not the work item wrong, so it is retried without counting against the messages.
 */
export function isTransientStorageError(e: unknown): boolean {
  const error = e as { statusCode?: number; code?: string; name?: string } | undefined;
  if (!error || typeof error !== 'object') return false;
  const status = error.statusCode;
  if (typeof status === 'number') return status >= 500 || status === 408 || status === 429;
  if (error.code && NETWORK_CODES.has(error.code)) return true;
  return error.name === 'RestError' || error.name === 'AbortError';
}
