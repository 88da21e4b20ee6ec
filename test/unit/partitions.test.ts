import { fnv1a32, partitionIndexOf, partitionKeyOf } from '../../src/storage/partitions';
import { TaskHubNames, validateTaskHubName } from '../../src/storage/names';
import { historyRowKey } from '../../src/history/tableCodec';

describe('task hub naming and partitioning', () => {
  test('FNV-1a 32-bit matches the published test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  test('the partition is the hash of the id (or of the part after the last "!") modulo the count', () => {
    expect(partitionIndexOf('foobar', 4)).toBe(0xbf9cf968 % 4);
    expect(partitionKeyOf('order-17!customer-9')).toBe('customer-9');
    expect(partitionIndexOf('x!foobar', 4)).toBe(partitionIndexOf('foobar', 4));
    expect(partitionKeyOf('ends-with!')).toBe('ends-with!');
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
    for (const bad of ['ab', '1hub', 'my-hub', 'x'.repeat(46), '']) {
      expect(() => validateTaskHubName(bad)).toThrow(/3 to 45 characters, start with a letter/);
    }
  });

  test('history row keys are 16 upper-case hex digits', () => {
    expect(historyRowKey(0)).toBe('0000000000000000');
    expect(historyRowKey(255)).toBe('00000000000000FF');
  });
});
