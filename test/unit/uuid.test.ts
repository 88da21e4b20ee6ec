import { createHash } from 'crypto';
import { sdkDeterministicGuid, uuidV5 } from '../../src/util/uuid';

describe('deterministic GUIDs', () => {
  test('uuidV5 matches the RFC 4122 example (DNS namespace, "www.example.com")', () => {
    // Published test vector of name-based SHA-1 UUIDs.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  test('the SDK form hashes the name first and uses it as the namespace', () => {
    const ns = '9e952958-5e33-4daf-827f-2fa12937b875';
    const name = 'instance_1700000000000_0';
    const first16 = createHash('sha1').update(name).digest().subarray(0, 16).toString('hex');
    const asUuid = `${first16.slice(0, 8)}-${first16.slice(8, 12)}-${first16.slice(12, 16)}-${first16.slice(16, 20)}-${first16.slice(20)}`;
    expect(sdkDeterministicGuid(name, ns)).toBe(uuidV5(ns, asUuid));
    expect(sdkDeterministicGuid(name, ns)).not.toBe(sdkDeterministicGuid('instance_1700000000000_1', ns));
  });
});
