import { createHash, randomUUID } from 'crypto';

/** RFC 4122 name-based UUID (version 5, SHA-1) of `name` in the 16-byte namespace `ns`. */
export function uuidV5Bytes(name: string, ns: Buffer): string {
  if (ns.length !== 16) throw new Error('A UUID namespace has 16 bytes.');
  const hash = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** RFC 4122 version 5 UUID of `name` in the namespace given as UUID text. */
export function uuidV5(name: string, namespace: string): string {
  return uuidV5Bytes(name, Buffer.from(namespace.replace(/-/g, ''), 'hex'));
}

/**
 * durable-functions' deterministic GUID: the SHA-1 of `name` (first 16 bytes) serves as the
 * namespace and the fixed namespace text as the name, the argument order the SDK uses; kept
 * identical so GUIDs match those of orchestrations written for the SDK.
 */
export function sdkDeterministicGuid(name: string, namespaceText: string): string {
  const ns = createHash('sha1').update(Buffer.from(name, 'utf8')).digest().subarray(0, 16);
  return uuidV5Bytes(namespaceText, ns);
}

/** A random id without dashes, the form DurableTask uses for instance and execution ids. */
export function newCompactId(): string {
  return randomUUID().replace(/-/g, '');
}
