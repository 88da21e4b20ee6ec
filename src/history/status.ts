import { RuntimeStatusName } from './events';

/**
 * The one place that says which statuses are final and which still run. Every caller (engine,
 * client, management API, backends) asks here instead of keeping its own list.
 */
export const TERMINAL_STATUSES: ReadonlySet<RuntimeStatusName> = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/** Statuses of an instance that may still make progress (a start with the same id is refused). */
export const ACTIVE_STATUSES: ReadonlySet<RuntimeStatusName> = new Set(['Pending', 'Running', 'Suspended', 'ContinuedAsNew']);

export function isTerminal(status: string): boolean {
  return TERMINAL_STATUSES.has(status as RuntimeStatusName);
}

export function isActive(status: string): boolean {
  return ACTIVE_STATUSES.has(status as RuntimeStatusName);
}
