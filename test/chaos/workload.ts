/**
 * The chaos suite's mixed workload: what every worker process registers, and for each kind of
 * instance the exact output it must end with, so the verdict can check every instance.
 */
import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { EntityContext } from '../../src/entities/context';
import { EntityId } from '../../src/entities/entityId';
import { Task } from '../../src/orchestration/tasks';

export const CHAIN_LENGTH = 5;
export const ORCHESTRATION_COUNTER = new EntityId('ChaosCounter', 'orchestrations');

export function chaosRegistry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Inc', async (x: number) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return x + 1;
  });
  r.registerActivity('Square', (x: number) => x * x);
  r.registerOrchestration('Chain', function* (context: OrchestrationContext) {
    let x = context.df.getInput<number>();
    for (let i = 0; i < CHAIN_LENGTH; i++) x = yield context.df.callActivity('Inc', x);
    return x;
  });
  r.registerOrchestration('FanOut', function* (context: OrchestrationContext) {
    const n = context.df.getInput<number>();
    const tasks: Task[] = [];
    for (let i = 0; i < n; i++) tasks.push(context.df.callActivity('Square', i));
    const squares: number[] = yield context.df.Task.all(tasks);
    return squares.reduce((a, b) => a + b, 0);
  });
  r.registerOrchestration('Parent', function* (context: OrchestrationContext) {
    const n = context.df.getInput<number>();
    const children: Task[] = [];
    for (let i = 0; i < n; i++) children.push(context.df.callSubOrchestrator('Chain', i * 100, `${context.df.instanceId}:child${i}`));
    return yield context.df.Task.all(children);
  });
  r.registerOrchestration('Timer', function* (context: OrchestrationContext) {
    const ms = context.df.getInput<number>();
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + ms));
    const after: number = yield context.df.callActivity('Inc', ms);
    return after;
  });
  r.registerOrchestration('Approval', function* (context: OrchestrationContext) {
    const input = context.df.getInput<number>();
    const answer: number = yield context.df.waitForExternalEvent('go');
    return input * 1000 + answer;
  });
  r.registerOrchestration('Signaller', function* (context: OrchestrationContext) {
    const { count, amount } = context.df.getInput<{ count: number; amount: number }>();
    for (let i = 0; i < count; i++) context.df.signalEntity(ORCHESTRATION_COUNTER, 'add', amount);
    // An activity after the signals: a crash between the signals and the end re-sends them (de-duplicated).
    const done: number = yield context.df.callActivity('Inc', count);
    return done - 1;
  });
  r.registerEntity('ChaosCounter', (context: EntityContext) => {
    const n = (context.df.getState(() => 0) as number) ?? 0;
    if (context.df.operationName === 'add') context.df.setState(n + (context.df.getInput<number>() ?? 0));
  });
  return r;
}

export type Kind = 'Chain' | 'FanOut' | 'Parent' | 'Timer' | 'Approval' | 'Signaller';

export interface PlannedInstance {
  id: string;
  kind: Kind;
  input: unknown;
  expected: unknown;
  /** Sub-orchestrations it starts, with their expected outputs. */
  children: { id: string; expected: unknown }[];
}

/** One instance of `kind` numbered `n`, with its input and the output it must produce. */
export function plan(kind: Kind, n: number, random: () => number): PlannedInstance {
  const id = `${kind.toLowerCase()}-${n}`;
  switch (kind) {
    case 'Chain':
      return { id, kind, input: n, expected: n + CHAIN_LENGTH, children: [] };
    case 'FanOut': {
      const width = 5 + Math.floor(random() * 20);
      return { id, kind, input: width, expected: (width * (width - 1) * (2 * width - 1)) / 6, children: [] };
    }
    case 'Parent': {
      const count = 2 + Math.floor(random() * 3);
      const children = Array.from({ length: count }, (_, i) => ({ id: `${id}:child${i}`, expected: i * 100 + CHAIN_LENGTH }));
      return { id, kind, input: count, expected: children.map((c) => c.expected), children };
    }
    case 'Timer': {
      const ms = 500 + Math.floor(random() * 2500);
      return { id, kind, input: ms, expected: ms + 1, children: [] };
    }
    case 'Approval':
      return { id, kind, input: n, expected: n * 1000 + 7, children: [] };
    case 'Signaller': {
      const count = 3 + Math.floor(random() * 5);
      return { id, kind, input: { count, amount: n + 1 }, expected: count, children: [] };
    }
  }
}

/** A seeded pseudo-random generator (mulberry32), so a run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
