import { MAX_INSTANCE_ID_LENGTH, instanceIdProblem } from '../history/instanceIdRules';

/**
 * Instance ids are table keys and URL path segments: the characters Azure Table keys forbid
 * ('/', '\', '#', '?'), control characters and characters XML cannot carry are rejected, as are
 * '.' and '..'; '@' starts only entity ids.
 */
export { MAX_INSTANCE_ID_LENGTH };

export class InvalidInstanceIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInstanceIdError';
  }
}

export function validateInstanceId(instanceId: unknown, allowEntity = false): asserts instanceId is string {
  const problem = instanceIdProblem(instanceId, allowEntity);
  if (problem) throw new InvalidInstanceIdError(problem);
}

/**
 * For lifecycle operations that only orchestrations have (terminate, suspend, resume, restart,
 * rewind, raiseEvent): an entity id is refused instead of being sent messages it would misread.
 */
export function validateOrchestrationInstanceId(instanceId: unknown, operation: string): asserts instanceId is string {
  validateInstanceId(instanceId, true);
  if (instanceId.startsWith('@')) {
    throw new InvalidInstanceIdError(`'${instanceId}' is an entity id; ${operation} applies only to orchestration instances (use signalEntity for entities).`);
  }
}
