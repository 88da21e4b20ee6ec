import { fnv1a32, partitionIndexOf } from '../../src/backend/azureStorage/partitions';
import { escapePartitionKey, unescapePartitionKey } from '../../src/backend/azureStorage/keys';
import { TaskHubNames } from '../../src/backend/azureStorage/names';
import { validateTaskHubName } from '../../src/config/taskHubName';
import { historyRowKey } from '../../src/backend/azureStorage/tableCodec';

describe('task hub naming and partitioning', () => {
  test('FNV-1a 32-bit matches the published test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  test('the partition is the hash of the whole instance id modulo the count', () => {
    expect(partitionIndexOf('foobar', 4)).toBe(0xbf9cf968 % 4);
    expect(partitionIndexOf('foobar', 3)).toBe(0xbf9cf968 % 3);
  });

  test('partition keys are escaped with ^ as KeySanitation does, and round-trip', () => {
    expect(escapePartitionKey('a^b/c\\d#e?f')).toBe('a^^b^0c^1d^2e^3f');
    expect(escapePartitionKey('tab\there')).toBe('tab^\u00c9here');
    expect(escapePartitionKey('@counter@key-1')).toBe('@counter@key-1');
    for (const id of ['plain', 'a^b', 'x/y#z?', 'ctl\u0001\u009f', '^^^0']) expect(unescapePartitionKey(escapePartitionKey(id))).toBe(id);
  });

  test('artifact names follow DurableTask.AzureStorage', () => {
    const names = new TaskHubNames('MyHub');
    expect(names.historyTable).toBe('MyHubHistory');
    expect(names.instancesTable).toBe('MyHubInstances');
    expect(names.controlQueue(3)).toBe('myhub-control-03');
    expect(names.workItemQueue).toBe('myhub-workitems');
    expect(names.largeMessagesContainer).toBe('myhub-largemessages');
    expect(names.leasesContainer).toBe('myhub-leases');
  });

  test('invalid hub names are rejected with the rule', () => {
    for (const bad of ['ab', '1hub', 'my-hub', 'x'.repeat(51), '']) {
      expect(() => validateTaskHubName(bad)).toThrow(/3 to 50 characters, start with a letter/);
    }
  });

  test('history row keys are 16 upper-case hex digits', () => {
    expect(historyRowKey(0)).toBe('0000000000000000');
    expect(historyRowKey(255)).toBe('00000000000000FF');
  });
});
