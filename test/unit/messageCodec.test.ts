import { parseSchedulerState } from '../../src/entities/messages';
import { EventType, newEvent } from '../../src/history/events';
import { decodeMessage, encodeMessage } from '../../src/backend/azureStorage/messageCodec';

describe('queue message encoding, as DurableTask.AzureStorage reads it', () => {
  const event = newEvent({ EventType: EventType.EventRaised, Name: 'op', Input: '{}' });

  test("'any execution' ('' in memory) is null on the wire and '' again when read", () => {
    const text = encodeMessage({
      ActivityId: '00000000-0000-0000-0000-000000000001',
      TaskMessage: { Event: event, SequenceNumber: 0, OrchestrationInstance: { InstanceId: '@counter@k', ExecutionId: '' } },
      CompressedBlobName: null,
      SequenceNumber: 1,
      Sender: { InstanceId: 'parent', ExecutionId: 'abc' },
    });
    const wire = JSON.parse(text);
    expect(wire.TaskMessage.OrchestrationInstance.ExecutionId).toBeNull();
    expect(decodeMessage(text).TaskMessage.OrchestrationInstance.ExecutionId).toBe('');
  });

  test('a message without a sender (client) carries empty strings, never null, and no Episode', () => {
    const wire = JSON.parse(
      encodeMessage({
        ActivityId: '00000000-0000-0000-0000-000000000002',
        TaskMessage: { Event: event, SequenceNumber: 0, OrchestrationInstance: { InstanceId: 'x', ExecutionId: 'e' } },
        CompressedBlobName: null,
        SequenceNumber: 2,
      }),
    );
    expect(wire.Sender).toEqual({ InstanceId: '', ExecutionId: '' });
    expect(wire).not.toHaveProperty('Episode');
    expect(wire).not.toHaveProperty('NewPersistenceOrder');
  });
});

describe('entity scheduler state', () => {
  test('a DT.Core 3.x state (no "exists" member) exists when it has a state; ours and the extension\'s say so', () => {
    // As DT.Core 3.11.2 writes it for the interop suite's counter (scenario 6).
    expect(parseSchedulerState('{"state":"4"}')).toMatchObject({ exists: true, state: '4', queue: [], lockedBy: null });
    expect(parseSchedulerState('{"lockedBy":"orch-1"}')).toMatchObject({ exists: false, lockedBy: 'orch-1' });
    expect(parseSchedulerState('{"exists":false,"state":"1"}').exists).toBe(false);
    expect(parseSchedulerState('{"exists":true}').exists).toBe(true);
  });
});
