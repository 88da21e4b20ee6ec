/**
 * Benchmark: fan-out/fan-in of N activities (default 1,000) on an in-memory Azurite: wall time,
 * per-activity cost, and how many replays (episodes) the orchestration needed.
 * Usage: node dist/bench/fanOut.js [activities]
 */
import { FunctionRegistry } from '../src/runtime/registry';
import { EventType } from '../src/history/events';
import { OrchestrationContext } from '../src/orchestration/context';
import { Task } from '../src/orchestration/tasks';
import { startBenchHub, waitDone } from './common';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1000);
  const r = new FunctionRegistry();
  r.registerActivity('Square', (x: number) => x * x);
  r.registerOrchestration('FanOut', function* (context: OrchestrationContext) {
    const tasks: Task[] = [];
    for (let i = 0; i < context.df.getInput<number>(); i++) tasks.push(context.df.callActivity('Square', i));
    const results: number[] = yield context.df.Task.all(tasks);
    return results.length;
  });
  const { client, backend, stop } = await startBenchHub(r, { maxConcurrentActivityFunctions: 50 });
  try {
    const t0 = performance.now();
    const id = await client.startNew('FanOut', { input: n });
    await waitDone(client, id);
    const ms = performance.now() - t0;
    const history = await backend.getHistory(id);
    const episodes = history.filter((e) => e.EventType === EventType.OrchestratorStarted).length;
    console.log(`fan-out/fan-in of ${n} activities: ${ms.toFixed(0)} ms, ${(ms / n).toFixed(2)} ms per activity, ${episodes} replays (${(n / episodes).toFixed(1)} completions per replay)`);
  } finally {
    await stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
