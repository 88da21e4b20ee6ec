/**
 * Instance ids are table keys and URL path segments: the characters Azure Table keys forbid
 * ('/', '\', '#', '?') and control characters are rejected, and '@' starts only entity ids.
 */
export const MAX_INSTANCE_ID_LENGTH = 256;

export class InvalidInstanceIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInstanceIdError';
  }
}

export function validateInstanceId(instanceId: unknown, allowEntity = false): asserts instanceId is string {
  if (typeof instanceId !== 'string' || instanceId.trim().length === 0) {
    throw new InvalidInstanceIdError('Instance ID must be a non-empty string.');
  }
  if (instanceId.length > MAX_INSTANCE_ID_LENGTH) {
    throw new InvalidInstanceIdError(`Instance ID must not exceed ${MAX_INSTANCE_ID_LENGTH} characters (got ${instanceId.length}).`);
  }
  const bad = /[\/\\#?\u0000-\u001f\u007f-\u009f]/.exec(instanceId);
  if (bad) {
    const shown = bad[0].charCodeAt(0) < 0x20 || bad[0].charCodeAt(0) >= 0x7f ? `\\u${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}` : bad[0];
    throw new InvalidInstanceIdError(`Instance ID '${instanceId}' contains the invalid character '${shown}' ('/', '\\', '#', '?' and control characters are not allowed).`);
  }
  if (!allowEntity && instanceId.startsWith('@')) {
    throw new InvalidInstanceIdError(`Instance ID '${instanceId}' must not start with '@', which is reserved for entity ids.`);
  }
}
