/**
 * NCRONTAB, the timer trigger's schedule format: six fields, `second minute hour day month
 * day-of-week`, each `*`, a number, a range `a-b`, a step `*\/n` or `a-b/n`, or a comma list.
 * Day and day-of-week must both match.
 */
const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 6 },
] as const;

export class CronSchedule {
  private readonly sets: Set<number>[];

  constructor(readonly expression: string) {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== 6) {
      throw new Error(
        `Timer schedule '${expression}' is not an NCRONTAB expression of six fields (second minute hour day month day-of-week).`,
      );
    }
    this.sets = parts.map((part, i) => parseField(part, FIELDS[i], expression));
  }

  private matches(d: Date): boolean {
    const values = [d.getSeconds(), d.getMinutes(), d.getHours(), d.getDate(), d.getMonth() + 1, d.getDay()];
    return values.every((v, i) => this.sets[i].has(v));
  }

  /** The first occurrence strictly after `after`. */
  next(after: Date): Date {
    const t = new Date(after.getTime());
    t.setMilliseconds(0);
    t.setSeconds(t.getSeconds() + 1);
    const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
    while (t.getTime() <= limit) {
      if (this.matches(t)) return t;
      if (!this.sets[4].has(t.getMonth() + 1)) {
        t.setMonth(t.getMonth() + 1, 1);
        t.setHours(0, 0, 0);
      } else if (!this.sets[3].has(t.getDate()) || !this.sets[5].has(t.getDay())) {
        t.setDate(t.getDate() + 1);
        t.setHours(0, 0, 0);
      } else if (!this.sets[2].has(t.getHours())) {
        t.setHours(t.getHours() + 1, 0, 0);
      } else if (!this.sets[1].has(t.getMinutes())) {
        t.setMinutes(t.getMinutes() + 1, 0);
      } else {
        t.setSeconds(t.getSeconds() + 1);
      }
    }
    throw new Error(`Timer schedule '${this.expression}' never fires.`);
  }
}

function parseField(part: string, field: (typeof FIELDS)[number], expression: string): Set<number> {
  const values = new Set<number>();
  const bad = () => new Error(`Timer schedule '${expression}': '${part}' is not a valid ${field.name} (${field.min}-${field.max}).`);
  for (const item of part.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw bad();
    const from = m[1] === '*' ? field.min : Number(m[2]);
    const to = m[1] === '*' ? field.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? field.max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < field.min || to > field.max || from > to || step < 1) throw bad();
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}
