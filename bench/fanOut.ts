/**
 * Benchmark: fan-out/fan-in of N activities (default 1,000) on an in-memory Azurite: wall time,
 * per-activity cost, and how many replays (episodes) the orchestration needed.
 * Usage: node dist/bench/fanOut.js [activities] [--progress]
 * --progress prints, every 5 s, how far the checkpoints and activities have got (counted at the
 * backend's fault points), to show which phase a large fan-out waits in.
 */
import { FunctionRegistry } from '../src/runtime/registry';
import { EventType } from '../src/history/events';
import { OrchestrationContext } from '../src/orchestration/context';
import { Task } from '../src/orchestration/tasks';
import { startBenchHub, waitDone } from './common';
import { FaultPoint } from '../src/backend/azureStorage/faultPoints';

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
  const counts = new Map<FaultPoint, number>();
  const progress = process.argv.includes('--progress');
  const count = progress ? (point: FaultPoint) => void counts.set(point, (counts.get(point) ?? 0) + 1) : undefined;
  const { client, backend, stop } = await startBenchHub(r, { maxConcurrentActivityFunctions: 50 }, count);
  const t0 = performance.now();
  const ticker = progress
    ? setInterval(() => console.log(`${((performance.now() - t0) / 1000).toFixed(0)} s: ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')}`), 5_000)
    : undefined;
  try {
    const id = await client.startNew('FanOut', { input: n });
    await waitDone(client, id);
    const ms = performance.now() - t0;
    const history = await backend.getHistory(id);
    const episodes = history.filter((e) => e.EventType === EventType.OrchestratorStarted).length;
    console.log(`fan-out/fan-in of ${n} activities: ${ms.toFixed(0)} ms, ${(ms / n).toFixed(2)} ms per activity, ${episodes} replays (${(n / episodes).toFixed(1)} completions per replay)`);
  } finally {
    clearInterval(ticker);
    await stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
