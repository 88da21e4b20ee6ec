/**
 * Sub-orchestrations: a batch orchestration runs one child orchestration per item, in parallel.
 * Input: string[] of items (default ["a", "b"]). Output: the children's results.
 */
import * as df from '../src';
import { OrchestrationContext } from '../src';

df.app.activity('ProcessItemStep', {
  handler: (item: string) => `processed ${item}`,
});

df.app.orchestration('ProcessItem', function* (context: OrchestrationContext) {
  const item = context.df.getInput<string>();
  return yield context.df.callActivity('ProcessItemStep', item);
});

df.app.orchestration('ProcessBatch', function* (context: OrchestrationContext) {
  const items = context.df.getInput<string[] | undefined>() ?? ['a', 'b'];
  const children = items.map((item) => context.df.callSubOrchestrator('ProcessItem', item));
  return yield context.df.Task.all(children);
});
