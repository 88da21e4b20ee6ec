import { CronSchedule } from '../../src/localhost/ncrontab';

describe('NCRONTAB schedules of the local timer trigger', () => {
  const at = (iso: string) => new Date(iso);
  test.each([
    ['*/2 * * * * *', '2026-03-04T10:00:01', '2026-03-04T10:00:02'],
    ['0 */5 * * * *', '2026-03-04T10:03:10', '2026-03-04T10:05:00'],
    ['0 30 9 * * 1-5', '2026-03-07T12:00:00', '2026-03-09T09:30:00'], // Saturday → Monday
    ['0 0 0 1 1 *', '2026-03-04T10:00:00', '2027-01-01T00:00:00'],
    ['15,45 0 12 * * *', '2026-03-04T12:00:15', '2026-03-04T12:00:45'],
  ])('%s after %s is %s (local time)', (expression, after, expected) => {
    expect(new CronSchedule(expression).next(at(after)).getTime()).toBe(at(expected).getTime());
  });

  test.each([['* * * * *'], ['61 * * * * *'], ['0 0 0 31 2 MON'], ['*/0 * * * * *']])(
    'refuses %s with a message naming it',
    (expression) => {
      expect(() => new CronSchedule(expression)).toThrow(`Timer schedule '${expression}'`);
    },
  );

  test('a schedule that never matches says so', () => {
    expect(() => new CronSchedule('0 0 0 31 2 *').next(new Date())).toThrow(/never fires/);
  });
});
