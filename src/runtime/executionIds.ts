import { uuidV5 } from '../util/uuid';

/** Namespace of execution ids the runtime derives, so a retried work item generates the same ids. */
const EXECUTION_ID_NAMESPACE = '2c8f3a4e-5d61-4b7f-9a0e-7f6d1c2b3e48';

/** An execution id derived from where it is created: the same on every retry of a work item. */
export function derivedExecutionId(seed: string): string {
  return uuidV5(seed, EXECUTION_ID_NAMESPACE).replace(/-/g, '');
}
