import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { EntityContext } from '../../src/entities/context';
import { EntityId } from '../../src/entities/entityId';

/** Activity runs of our engine, by name, so scenarios can tell which side ran what. */
export const nodeActivityRuns: { name: string; input: unknown }[] = [];

/** Whether our Flaky activity fails: an activity that fails, then works after a rewind. */
export const flaky = { fails: true };

/**
 * The Node twin of test/interop/dotnet/Functions.cs: same names, same behaviour, so an instance can
 * be started, continued or finished on either side.
 */
export function interopRegistry(): FunctionRegistry {
  const registry = new FunctionRegistry();
  registry.registerActivity('SayHello', (name: string) => {
    nodeActivityRuns.push({ name: 'SayHello', input: name });
    return `Hello ${name}`;
  });
  registry.registerActivity('Echo', (value: unknown) => {
    nodeActivityRuns.push({ name: 'Echo', input: value });
    return value;
  });
  registry.registerActivity('Fail', (input: string) => {
    nodeActivityRuns.push({ name: 'Fail', input });
    throw new Error(`activity refused ${input}`);
  });
  registry.registerActivity('Flaky', (input: string) => {
    nodeActivityRuns.push({ name: 'Flaky', input });
    if (flaky.fails) throw new Error(`flaky refused ${input}`);
    return `Flaky ${input}`;
  });
  // The twin of the C# counter (test/interop/dotnet/Bench.cs): "get" reads, any other operation adds its input or 1.
  registry.registerEntity('counter', (context: EntityContext) => {
    const stored = context.df.getState(() => 0);
    const state = typeof stored === 'number' ? stored : 0;
    if (context.df.operationName === 'get') return context.df.return(state);
    const input = context.df.getInput<number>();
    context.df.setState(state + (typeof input === 'number' ? input : 1));
  });
  registry.registerOrchestration('CallsCounter', function* (context: OrchestrationContext) {
    const id = new EntityId('counter', context.df.getInput<string>()!);
    context.df.signalEntity(id, 'add', 5);
    const first: unknown = yield context.df.callEntity(id, 'get');
    const locked: unknown = yield context.df.lock([id]);
    void locked;
    const inLock: unknown = yield context.df.callEntity(id, 'add', 2);
    const second: unknown = yield context.df.callEntity(id, 'get');
    return [first, inLock, second, context.df.isLocked().isLocked];
  });
  registry.registerOrchestration('HelloCities', function* (context: OrchestrationContext) {
    const out: unknown[] = [];
    for (const city of context.df.getInput<string[]>() ?? []) out.push(yield context.df.callActivity('SayHello', city));
    return out;
  });
  registry.registerOrchestration('WaitForApproval', function* (context: OrchestrationContext) {
    return { approval: yield context.df.waitForExternalEvent('Approval') };
  });
  registry.registerOrchestration('TimerThenHello', function* (context: OrchestrationContext) {
    const seconds = context.df.getInput<number>() ?? 1;
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000));
    return yield context.df.callActivity('SayHello', 'timer');
  });
  registry.registerOrchestration('ParentOfCities', function* (context: OrchestrationContext) {
    return yield context.df.callSubOrchestrator('HelloCities', context.df.getInput(), `${context.df.instanceId}-child`);
  });
  registry.registerOrchestration('CountUp', function* (context: OrchestrationContext) {
    const n = context.df.getInput<number>() ?? 0;
    if (n < 3) {
      context.df.continueAsNew(n + 1);
      return null;
    }
    return n;
  });
  registry.registerOrchestration('CountUpWaiting', function* (context: OrchestrationContext) {
    const n = context.df.getInput<number>() ?? 0;
    yield context.df.waitForExternalEvent('next');
    if (n < 2) {
      context.df.continueAsNew(n + 1);
      return null;
    }
    return n;
  });
  registry.registerOrchestration('LongTimerThenHello', function* (context: OrchestrationContext) {
    const seconds = context.df.getInput<number>() ?? 1;
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000));
    return yield context.df.callActivity('SayHello', 'long timer');
  });
  registry.registerOrchestration('EchoBig', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('Echo', context.df.getInput());
  });
  registry.registerOrchestration('CallsFailing', function* (context: OrchestrationContext) {
    yield context.df.callActivity('Fail', 'x');
    return 'unreachable';
  });
  registry.registerOrchestration('CallsFlaky', function* (context: OrchestrationContext) {
    const a: unknown = yield context.df.callActivity('SayHello', 'a');
    const b: unknown = yield context.df.callActivity('Flaky', 'b');
    return [a, b];
  });
  registry.registerOrchestration('Handoff', function* (context: OrchestrationContext) {
    const a = yield context.df.callActivity('SayHello', 'A');
    const go1 = yield context.df.waitForExternalEvent('go1');
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1000));
    const sub = yield context.df.callSubOrchestrator('HelloCities', ['S'], `${context.df.instanceId}-sub`);
    const go2 = yield context.df.waitForExternalEvent('go2');
    const big = (yield context.df.callActivity('Echo', go2)) as string;
    return [a, go1, sub, typeof big === 'string' ? big.length : -1];
  });
  return registry;
}
