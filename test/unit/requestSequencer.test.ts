import { RequestSequencer, formatInstant } from '../../src/entities/requestSequencer';

describe('entity request labels (the sending half of the MessageSorter)', () => {
  const t = Date.parse('2026-11-25T10:00:00.123Z');

  test('the first request to an entity has no predecessor; timestamps are .NET DateTime text', () => {
    expect(new RequestSequencer().label('@counter@a', t)).toEqual({ Timestamp: '2026-11-25T10:00:00.1230000Z' });
    expect(formatInstant({ ms: t, ticks: 42 })).toBe('2026-11-25T10:00:00.1230042Z');
  });

  test('requests in one episode (one clock reading) get strictly increasing stamps, chained by predecessor, per destination', () => {
    const s = new RequestSequencer();
    const a1 = s.label('@counter@a', t);
    const a2 = s.label('@COUNTER@A', t);
    const b1 = s.label('@counter@b', t);
    const a3 = s.label('@counter@a', t);
    expect(a2).toEqual({ Timestamp: '2026-11-25T10:00:00.1230001Z', Predecessor: a1.Timestamp });
    expect(a3).toEqual({ Timestamp: '2026-11-25T10:00:00.1230002Z', Predecessor: a2.Timestamp });
    expect(b1).toEqual({ Timestamp: '2026-11-25T10:00:00.1230000Z' });
  });

  test('a later episode starts from its own clock; a clock that went back still moves forward', () => {
    const s = new RequestSequencer();
    const first = s.label('@e@k', t);
    expect(s.label('@e@k', t + 5_000)).toEqual({ Timestamp: '2026-11-25T10:00:05.1230000Z', Predecessor: first.Timestamp });
    expect(s.label('@e@k', t).Timestamp).toBe('2026-11-25T10:00:05.1230001Z');
  });

  test('the same calls replayed label the same way (determinism)', () => {
    const run = () => {
      const s = new RequestSequencer();
      return [s.label('@e@k', t), s.label('@e@j', t), s.label('@e@k', t + 10)];
    };
    expect(run()).toEqual(run());
  });
});
