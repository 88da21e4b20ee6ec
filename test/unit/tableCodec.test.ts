import { EventType, newEvent } from '../../src/history/events';
import { fromHistoryRow, toHistoryRow } from '../../src/backend/azureStorage/tableCodec';

const now = new Date('2026-01-02T03:04:05.000Z');

describe('history rows as DT.AzureStorage 2.x writes them', () => {
  test('null object members are written as the text "null" and read back as null', () => {
    const started = newEvent(
      {
        EventType: EventType.ExecutionStarted,
        OrchestrationInstance: { InstanceId: 'a', ExecutionId: 'e' },
        Name: 'N',
        Version: '',
        Input: '1',
      },
      now,
    );
    const row = toHistoryRow('a', 'e', 1, started);
    expect(row.ParentInstance).toBe('null');
    expect(row.Tags).toBe('null');
    expect(row.ParentTraceContext).toBe('null');
    expect(row.OrchestrationInstance).toBe('{"InstanceId":"a","ExecutionId":"e"}');
    const back = fromHistoryRow(row);
    expect(back.EventType === EventType.ExecutionStarted && back.ParentInstance).toBeNull();
    const completed = toHistoryRow(
      'a',
      'e',
      2,
      newEvent({ EventType: EventType.ExecutionCompleted, OrchestrationStatus: 1, Result: '2' }, now),
    );
    expect(completed.FailureDetails).toBe('null');
    expect(completed.OrchestrationStatus).toBe('Completed');
  });

  test('Correlation is a plain string column, not JSON', () => {
    const row = {
      partitionKey: 'a',
      rowKey: '0000000000000001',
      ExecutionId: 'e',
      EventType: 'ExecutionStarted',
      EventId: -1,
      Name: 'N',
      Correlation: 'not json {',
      _Timestamp: now,
    };
    const event = fromHistoryRow(row) as unknown as { Correlation: string };
    expect(event.Correlation).toBe('not json {');
    expect(toHistoryRow('a', 'e', 1, event as never).Correlation).toBe('not json {');
  });

  test('an object column that is not JSON is named in the error', () => {
    const row = {
      partitionKey: 'a',
      rowKey: '0000000000000003',
      ExecutionId: 'e',
      EventType: 'TaskFailed',
      TaskScheduledId: 0,
      FailureDetails: '{oops',
      _Timestamp: now,
    };
    expect(() => fromHistoryRow(row)).toThrow('History row 0000000000000003 has a FailureDetails column that is not JSON.');
  });
});
