import { keysEqual, managementAccess, presentedKey, redactKeys } from '../../src/client/managementAuth';
import { keyForCaller, managementBaseUrl } from '../../src/client/managementUrls';
import { prefixUpperBound, validContinuationToken } from '../../src/backend/azureStorage/instanceQuery';
import { decodeMessage, encodeMessage } from '../../src/backend/azureStorage/messageCodec';
import { EventType, newEvent } from '../../src/history/events';
import { isAuthorized } from '../../src/localhost/keys';
import { findXmlInvalidChar, xmlSafeJson } from '../../src/util/xmlText';
import { switchValue, UsageError } from '../../src/cli/args';
import { InvalidQueryError } from '../../src/backend/errors';

describe('queue text XML can carry', () => {
  const odd = 'a\uFFFE\uFFFF\uD800x\uDC00\u0001\u0008\uD83D\uDE00\\\uFFFF"';

  test('escapes exactly the characters XML cannot hold, and JSON readers get the value back', () => {
    const text = xmlSafeJson(JSON.stringify({ s: odd }));
    expect(findXmlInvalidChar(text)).toBeUndefined();
    expect(JSON.parse(text).s).toBe(odd);
    expect(text).toContain('\\uffff');
    expect(text).toContain('\uD83D\uDE00'); // a valid pair stays as it is
  });

  test('every field of a task hub message round-trips', () => {
    const event = newEvent({ EventType: EventType.EventRaised, Name: `ev${odd}`, Input: JSON.stringify(odd) });
    const text = encodeMessage({
      ActivityId: '00000000-0000-0000-0000-000000000001',
      TaskMessage: { Event: event, SequenceNumber: 0, OrchestrationInstance: { InstanceId: 'i', ExecutionId: 'e' } },
      CompressedBlobName: null,
      SequenceNumber: 1,
    });
    expect(findXmlInvalidChar(text)).toBeUndefined();
    const decoded = decodeMessage(text).TaskMessage.Event as { Name: string; Input: string };
    expect(decoded.Name).toBe(`ev${odd}`);
    expect(JSON.parse(decoded.Input)).toBe(odd);
  });
});

describe('instance id prefix ranges', () => {
  test.each([
    ['abc', 'abd'],
    ['a\uD83D\uDE00', 'a\uD83D\uDE01'],
    ['a\uD83D\uDFFF', 'a\uD83E\uDC00'],
    ['a\uDBFF\uDFFF', 'a\uE000'],
    ['a\uD7FF', 'a\uD800\uDC00'],
    ['a\uFFFF', 'b'],
  ])('%j is bounded by %j', (prefix, upper) => {
    expect(prefixUpperBound(prefix)).toBe(upper);
    expect(findXmlInvalidChar(prefixUpperBound(prefix)!)).toBeUndefined();
  });
  test('a prefix of only U+FFFF has no upper bound', () => expect(prefixUpperBound('\uFFFF\uFFFF')).toBeUndefined());
});

describe('continuation tokens', () => {
  const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
  test('a token the table SDK issues passes', () => expect(validContinuationToken(token({ nextPartitionKey: '1!8!YWJj', nextRowKey: '1!0!' }))).toBeDefined());
  test.each([['garbage!!'], [Buffer.from('x').toString('base64')], [token({ nextPartitionKey: 5 })], [token([1])], [token({ nextPartitionKey: 'a\u0001' })]])('%j is refused', (t) => {
    expect(() => validContinuationToken(t)).toThrow(InvalidQueryError);
  });
});

describe('keys', () => {
  test('comparison is exact', () => {
    expect(keysEqual('k1', 'k1')).toBe(true);
    expect(keysEqual('k1', 'k2')).toBe(false);
    expect(keysEqual('k', 'k1')).toBe(false);
    expect(keysEqual(undefined, 'k1')).toBe(false);
  });
  test('the key is read from ?code= or x-functions-key, and redacted from log lines', () => {
    expect(presentedKey(new URL('http://h/x?code=abc'))).toBe('abc');
    expect(presentedKey('http://h/x', { 'x-functions-key': 'def' })).toBe('def');
    expect(redactKeys('/a?x=1&code=secret&y=2')).toBe('/a?x=1&code=***&y=2');
    expect(redactKeys('/a?CODE=secret')).toBe('/a?CODE=***');
  });
  test('URLs carry the key only for a caller that presented it', () => {
    expect(keyForCaller('K', { url: 'http://localhost/x' })).toBeUndefined();
    expect(keyForCaller('K', { url: 'http://localhost/x?code=wrong' })).toBeUndefined();
    expect(keyForCaller('K', { url: 'http://localhost/x?code=K' })).toBe('K');
    expect(keyForCaller('K', undefined)).toBeUndefined();
  });
  test('the local host applies authLevel as the host does', () => {
    const keys = { master: 'm', host: 'h', functions: new Map([['f', 'fk']]) };
    expect(isAuthorized('anonymous', 'f', undefined, keys)).toBe(true);
    expect(isAuthorized('function', 'f', 'fk', keys)).toBe(true);
    expect(isAuthorized('function', 'g', 'fk', keys)).toBe(false);
    expect(isAuthorized('function', 'g', 'h', keys)).toBe(true);
    expect(isAuthorized('function', 'g', 'm', keys)).toBe(true);
    expect(isAuthorized('admin', 'g', 'h', keys)).toBe(false);
    expect(isAuthorized('admin', 'g', 'm', keys)).toBe(true);
    expect(isAuthorized('function', 'g', undefined, { functions: new Map() })).toBe(false);
  });
  test('management access: keyed, explicit, secure in Azure, open only locally', () => {
    expect(managementAccess({ DurableTaskManagementKey: 'k', WEBSITE_INSTANCE_ID: 'x' })).toEqual({ authLevel: 'anonymous', key: 'k' });
    expect(managementAccess({ WEBSITE_INSTANCE_ID: 'x' })).toEqual({ authLevel: 'function' });
    expect(managementAccess({ WEBSITE_SITE_NAME: 'x' })).toEqual({ authLevel: 'function' });
    expect(managementAccess({ WEBSITE_SITE_NAME: 'x', DurableTaskManagementAuthLevel: 'Anonymous' })).toEqual({ authLevel: 'anonymous' });
    expect(managementAccess({ DurableTaskManagementAuthLevel: 'admin' })).toEqual({ authLevel: 'admin' });
    expect(managementAccess({})).toEqual({ authLevel: 'anonymous' });
    expect(() => managementAccess({ DurableTaskManagementAuthLevel: 'none' })).toThrow('must be one of anonymous, function, admin');
  });
  test("management URLs never take their origin from a request's Host", () => {
    expect(managementBaseUrl('http://attacker.example/api/x', undefined, {})).toBe('http://localhost:7071');
    expect(managementBaseUrl('http://attacker.example/api/x', undefined, { WEBSITE_HOSTNAME: 'app.azurewebsites.net' })).toBe('https://app.azurewebsites.net');
    expect(managementBaseUrl('http://attacker.example/api/x', 'https://api.contoso.com/', {})).toBe('https://api.contoso.com');
    expect(managementBaseUrl('http://localhost:7072/api/x', undefined, {})).toBe('http://localhost:7072');
  });
});

describe('CLI switches', () => {
  test.each([['TRUE', true], ['false', false], ['True', true]])('%s', (value, expected) => expect(switchValue(new Map([['json', [value]]]), 'json')).toBe(expected));
  test.each([['yes'], ['1'], ['']])('%j is a usage error', (value) => expect(() => switchValue(new Map([['json', [value]]]), 'json')).toThrow(UsageError));
});
