import { SlotBatching } from '../../src/backend/azureStorage/slotBatching';
import { InstanceBuffer } from '../../src/backend/azureStorage/instanceBuffer';
import { ReceivedMessage } from '../../src/backend/azureStorage/messageQueues';

describe('SlotBatching', () => {
  test('an idle worker receives for every slot; a busy one waits until a few are free', () => {
    const slots = new SlotBatching(20, () => 0);
    expect(slots.receivable(0)).toBe(20);
    expect(slots.receivable(19)).toBe(0);
    expect(slots.receivable(15)).toBe(0);
    expect(slots.receivable(12)).toBe(8);
    expect(slots.receivable(20)).toBe(0);
  });

  test('a free slot waits at most a moment, so long activities do not leave it idle', () => {
    let now = 1_000;
    const slots = new SlotBatching(20, () => now);
    expect(slots.receivable(19)).toBe(0);
    now += 50;
    expect(slots.receivable(19)).toBe(0);
    now += 60;
    expect(slots.receivable(19)).toBe(1);
    // The wait starts again for the next free slot.
    expect(slots.receivable(19)).toBe(0);
  });

  test('a small limit needs only half of it free', () => {
    const slots = new SlotBatching(2, () => 0);
    expect(slots.receivable(1)).toBe(1);
  });
});

const message = (messageId: string, instanceId: string, popReceipt = 'r1'): ReceivedMessage =>
  ({ messageId, popReceipt, dequeueCount: 1, insertedOn: new Date(0), data: { TaskMessage: { OrchestrationInstance: { InstanceId: instanceId } } } }) as unknown as ReceivedMessage;

describe('InstanceBuffer', () => {
  test('a message received again while it waited keeps its place with the newest pop receipt', () => {
    const buffer = new InstanceBuffer();
    buffer.add(0, [message('m1', 'a'), message('m2', 'a')]);
    buffer.add(0, [message('m1', 'a', 'r2')]);
    const taken = buffer.take()!;
    expect(taken.messages.map((m) => [m.messageId, m.popReceipt])).toEqual([
      ['m1', 'r2'],
      ['m2', 'r1'],
    ]);
  });

  test('an instance is handed out once at a time; what arrives meanwhile waits for its next work item', () => {
    const buffer = new InstanceBuffer();
    buffer.add(0, [message('m1', 'a')]);
    expect(buffer.take()!.messages).toHaveLength(1);
    buffer.add(0, [message('m2', 'a')]);
    expect(buffer.take()).toBeUndefined();
    buffer.unlock('a');
    expect(buffer.take()!.messages.map((m) => m.messageId)).toEqual(['m2']);
  });
});
