import { findXmlInvalidChar, unicodeEscape } from '../util/xmlText';

/**
 * What makes an instance id unusable, shared by the client (which refuses it with its own error
 * type) and orchestration code (sub-orchestration ids): ids are table keys, blob-name prefixes,
 * URL path segments and text inside queue XML.
 */
export const MAX_INSTANCE_ID_LENGTH = 256;

function shown(code: number): string {
  return code < 0x20 || code >= 0x7f ? unicodeEscape(code) : String.fromCharCode(code);
}

/** A sentence naming the problem, or undefined when the id is usable. */
export function instanceIdProblem(instanceId: unknown, allowEntity: boolean): string | undefined {
  if (typeof instanceId !== 'string' || instanceId.trim().length === 0) return 'Instance ID must be a non-empty string.';
  if (instanceId.length > MAX_INSTANCE_ID_LENGTH) return `Instance ID must not exceed ${MAX_INSTANCE_ID_LENGTH} characters (got ${instanceId.length}).`;
  const bad = /[\/\\#?\u0000-\u001f\u007f-\u009f]/.exec(instanceId);
  if (bad) {
    return `Instance ID '${instanceId}' contains the invalid character '${shown(bad[0].charCodeAt(0))}' ('/', '\\', '#', '?' and control characters are not allowed).`;
  }
  const xml = findXmlInvalidChar(instanceId);
  if (xml) {
    return `Instance ID contains the character ${unicodeEscape(xml.code)} at position ${xml.index}, which storage cannot carry (U+FFFE, U+FFFF and unpaired surrogates are not allowed).`;
  }
  // '.' and '..' vanish from URL paths, so their management URLs would address something else.
  if (instanceId === '.' || instanceId === '..') return `Instance ID '${instanceId}' is not allowed: it cannot be addressed in a URL path.`;
  if (instanceId.startsWith('@')) {
    if (!allowEntity) return `Instance ID '${instanceId}' must not start with '@', which is reserved for entity ids.`;
    const key = /^@[^@]+@(.*)$/s.exec(instanceId)?.[1];
    if (key === '.' || key === '..') return `Entity key '${key}' is not allowed: it cannot be addressed in a URL path.`;
  }
  return undefined;
}
