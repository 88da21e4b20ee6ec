/**
 * Pattern 2, fan-out/fan-in: run activities in parallel, then aggregate their results.
 */
import * as df from '../src';
import { OrchestrationContext, Task } from '../src';

df.app.activity('GetWorkItems', {
  handler: (count: number | undefined) => Array.from({ length: count ?? 10 }, (_, i) => `item-${i + 1}`),
});

df.app.activity('ProcessWorkItem', {
  handler: (item: string) => item.length,
});

df.app.orchestration('FanOutFanIn', function* (context: OrchestrationContext) {
  const items: string[] = yield context.df.callActivity('GetWorkItems', context.df.getInput());
  const tasks: Task[] = items.map((item) => context.df.callActivity('ProcessWorkItem', item));
  const sizes: number[] = yield context.df.Task.all(tasks);
  return { items: items.length, totalSize: sizes.reduce((sum, n) => sum + n, 0) };
});
