import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InvocationContext } from '@azure/functions';
import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { EventType, HistoryEvent } from '../../src/history/events';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

/** What the Functions host would hand the starter: the incoming request's traceparent. */
const STARTER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const STARTER_TRACE_PARENT = `00-${STARTER_TRACE_ID}-00f067aa0ba902b7-01`;

function registry(seen: string[]): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Hello', (name: string, context: InvocationContext) => {
    seen.push(context.traceContext?.traceParent ?? '');
    return `Hello ${name}`;
  });
  r.registerOrchestration('Child', function* (context: OrchestrationContext) {
    return yield context.df.callActivity('Hello', context.df.getInput<string>());
  });
  r.registerOrchestration('Parent', function* (context: OrchestrationContext) {
    const a: string = yield context.df.callActivity('Hello', 'Tokyo');
    const b: string = yield context.df.callSubOrchestrator('Child', 'Seattle');
    return [a, b];
  });
  return r;
}

function traceIdOf(traceParent: string | undefined): string | undefined {
  return traceParent?.split('-')[1];
}

describe('W3C trace context from the starter through orchestrations, sub-orchestrations and activities', () => {
  let hub: TestHub;
  const seen: string[] = [];
  beforeAll(async () => {
    hub = await startTestHub(registry(seen));
  });
  afterAll(async () => {
    trace.disable();
    await hub.stop();
  });

  async function run(): Promise<{ id: string; history: HistoryEvent[]; childHistory: HistoryEvent[] }> {
    const client = hub.client;
    client.invocationTrace = { traceParent: STARTER_TRACE_PARENT };
    const id = await client.startNew('Parent');
    const status = await waitForStatus(client, id, 60_000);
    expect(status.output).toEqual(['Hello Tokyo', 'Hello Seattle']);
    const history = await hub.backend.getHistory(id);
    const created = history.find((e) => e.EventType === EventType.SubOrchestrationInstanceCreated) as { InstanceId: string };
    return { id, history, childHistory: await hub.backend.getHistory(created.InstanceId) };
  }

  test('without an OpenTelemetry SDK the starter\'s trace still reaches every activity and is stored in history', async () => {
    seen.length = 0;
    const { history, childHistory } = await run();
    expect(seen).toHaveLength(2);
    for (const tp of seen) expect(traceIdOf(tp)).toBe(STARTER_TRACE_ID);
    const started = history.find((e) => e.EventType === EventType.ExecutionStarted) as { ParentTraceContext?: { TraceParent: string } };
    expect(started.ParentTraceContext?.TraceParent).toBe(STARTER_TRACE_PARENT);
    const scheduled = [...history, ...childHistory].filter((e) => e.EventType === EventType.TaskScheduled) as { ParentTraceContext?: { TraceParent: string } }[];
    expect(scheduled).toHaveLength(2);
    for (const e of scheduled) expect(traceIdOf(e.ParentTraceContext?.TraceParent)).toBe(STARTER_TRACE_ID);
  }, 90_000);

  test('with an SDK registered, one orchestration is one trace: client span → episodes → activities and the sub-orchestration', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    seen.length = 0;
    const { id } = await run();
    const spans: ReadableSpan[] = exporter.getFinishedSpans().filter((s) => s.attributes['durabletask.task.instance_id'] !== undefined);
    const byName = (prefix: string) => spans.filter((s) => s.name.startsWith(prefix));
    const create = byName('create_orchestration:Parent');
    expect(create).toHaveLength(1);
    expect(create[0].attributes['durabletask.task.instance_id']).toBe(id);
    // Every span of the run belongs to the starter's trace.
    for (const s of spans) expect(s.spanContext().traceId).toBe(STARTER_TRACE_ID);
    expect(create[0].parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    const parentEpisodes = byName('orchestration:Parent');
    const childEpisodes = byName('orchestration:Child');
    expect(parentEpisodes.length).toBeGreaterThanOrEqual(2);
    expect(childEpisodes.length).toBeGreaterThanOrEqual(2);
    // Each episode of the parent hangs off the client's span; the child's episodes off a parent episode.
    for (const e of parentEpisodes) expect(e.parentSpanContext?.spanId).toBe(create[0].spanContext().spanId);
    const parentEpisodeIds = new Set(parentEpisodes.map((s) => s.spanContext().spanId));
    for (const e of childEpisodes) expect(parentEpisodeIds.has(e.parentSpanContext?.spanId ?? '')).toBe(true);
    // Activities are children of the episode that scheduled them, and see their own span as context.traceContext.
    const activities = byName('activity:Hello');
    expect(activities).toHaveLength(2);
    for (const a of activities) expect(ids.has(a.parentSpanContext?.spanId ?? '')).toBe(true);
    expect(new Set(seen.map((tp) => tp.split('-')[2]))).toEqual(new Set(activities.map((a) => a.spanContext().spanId)));
  }, 90_000);
});
