/**
 * Pattern 1, function chaining: each activity's output feeds the next one.
 * The only change from a durable-functions 3.x app is the import of `df`.
 */
import * as df from '../src';
import { OrchestrationContext } from '../src';

df.app.activity('SayHello', {
  handler: (city: string) => `Hello ${city}!`,
});

df.app.orchestration('HelloCities', function* (context: OrchestrationContext) {
  const outputs: string[] = [];
  outputs.push(yield context.df.callActivity('SayHello', 'Tokyo'));
  outputs.push(yield context.df.callActivity('SayHello', 'Seattle'));
  outputs.push(yield context.df.callActivity('SayHello', 'Cairo'));
  return outputs;
});

// F1..F4: a value passed along a chain of four steps.
df.app.activity('F1', { handler: (start: number | undefined) => (start ?? 1) + 1 });
df.app.activity('F2', { handler: (x: number) => x * 10 });
df.app.activity('F3', { handler: (x: number) => x - 3 });
df.app.activity('F4', { handler: (x: number) => `result: ${x}` });

// The classic wrapper works too: df.orchestrator(function* ...).
df.app.orchestration(
  'FunctionChaining',
  df.orchestrator(function* (context: OrchestrationContext) {
    const x = yield context.df.callActivity('F1', context.df.getInput());
    const y = yield context.df.callActivity('F2', x);
    const z = yield context.df.callActivity('F3', y);
    return yield context.df.callActivity('F4', z);
  }),
);
