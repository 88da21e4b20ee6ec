import { InstanceCache } from '../../src/backend/azureStorage/instanceCache';
import { EventType, HistoryEvent, newEvent } from '../../src/history/events';

const events = (n: number): HistoryEvent[] => Array.from({ length: n }, () => newEvent({ EventType: EventType.OrchestratorStarted }));

describe('InstanceCache', () => {
  test('keeps what was set and forgets deleted and dropped partitions', () => {
    const cache = new InstanceCache();
    cache.set('a', 0, 'e1', events(3), 'etag-a', ['m1']);
    cache.set('b', 1, 'e1', events(2), 'etag-b', []);
    expect(cache.get('a')).toMatchObject({ executionId: 'e1', sentinelEtag: 'etag-a', lastMessageIds: ['m1'] });
    expect(cache.get('a')!.events).toHaveLength(3);
    cache.dropPartition(1);
    expect(cache.get('b')).toBeUndefined();
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
  });

  test('evicts the least recently used instances past its event budget', () => {
    const cache = new InstanceCache();
    cache.set('old', 0, 'e', events(100_000), 'x', []);
    cache.set('used', 0, 'e', events(100_000), 'x', []);
    cache.get('old'); // now 'used' is the least recently used
    cache.set('new', 0, 'e', events(100_000), 'x', []);
    expect(cache.get('used')).toBeUndefined();
    expect(cache.get('old')).toBeDefined();
    expect(cache.get('new')).toBeDefined();
  });

  test('an oversized history is kept alone rather than not at all', () => {
    const cache = new InstanceCache();
    cache.set('a', 0, 'e', events(10), 'x', []);
    cache.set('huge', 0, 'e', events(300_000), 'x', []);
    expect(cache.get('huge')).toBeDefined();
    expect(cache.get('a')).toBeUndefined();
  });
});
