import { Context, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, TraceFlags, context as otelContext, trace } from '@opentelemetry/api';
import { DistributedTraceContext, formatTraceParent, parseTraceParent, traceContextOf } from '../util/traceContext';

/**
 * Distributed tracing through the OpenTelemetry API (a no-op until the app registers an SDK): one
 * orchestration is one trace. The client's start span is the parent of every episode of the
 * orchestration; an episode's span is the parent of the activities and sub-orchestrations it
 * schedules (its traceparent is stamped into their TaskScheduled / ExecutionStarted events, where
 * DurableTask.Core keeps it too), and an activity runs inside its own span.
 */
const tracer = () => trace.getTracer('durable-functions-node');

/** The OpenTelemetry context whose remote parent is the stored trace context (ROOT when there is none). */
export function contextFromStored(stored: DistributedTraceContext | null | undefined, base: Context = ROOT_CONTEXT): Context {
  const parsed = parseTraceParent(stored?.TraceParent);
  if (!parsed) return base;
  return trace.setSpanContext(base, {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: parsed.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

/** The trace context to store for `span`; undefined when neither it nor its parent carry a valid one. */
export function storedContextOf(span: Span): DistributedTraceContext | undefined {
  const sc = span.spanContext();
  const parsed = parseTraceParent(formatTraceParent({ traceId: sc.traceId, spanId: sc.spanId, sampled: (sc.traceFlags & TraceFlags.SAMPLED) !== 0 }));
  return parsed ? traceContextOf(formatTraceParent(parsed), sc.traceState?.serialize() ?? null) : undefined;
}

/**
 * Runs `work` in a span named `name`, parented by `parent`; `work` receives the span's trace context
 * to stamp into what it causes. Errors mark the span and are rethrown.
 */
export async function inSpan<T>(
  name: string,
  kind: SpanKind,
  parent: Context,
  attributes: Record<string, string>,
  work: (stored: DistributedTraceContext | undefined) => Promise<T> | T,
): Promise<T> {
  const span = tracer().startSpan(name, { kind, attributes }, parent);
  try {
    return await otelContext.with(trace.setSpan(parent, span), () => work(storedContextOf(span)));
  } catch (e) {
    span.recordException(e as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
    throw e;
  } finally {
    span.end();
  }
}

/**
 * The parent of a client's start: the active span (an instrumented app), else the trace context of
 * the function invocation the client was obtained in (what the Functions host propagates).
 */
export function startParentContext(invocationTraceParent?: string, invocationTraceState?: string): Context {
  const active = otelContext.active();
  const span = trace.getSpan(active);
  if (span && trace.isSpanContextValid(span.spanContext())) return active;
  return contextFromStored(invocationTraceParent ? { TraceParent: invocationTraceParent, TraceState: invocationTraceState ?? null } : undefined);
}

export { SpanKind };
