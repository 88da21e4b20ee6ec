/**
 * W3C trace context as DurableTask.Core stores it in history (`ParentTraceContext` of
 * ExecutionStarted, TaskScheduled, ...): the `traceparent` of the span that caused the event.
 */
export interface DistributedTraceContext {
  TraceParent: string;
  TraceState?: string | null;
  /** DT.Core's own replay bookkeeping; carried along, never interpreted here. */
  Id?: string | null;
  SpanId?: string | null;
  ActivityStartTime?: string | null;
}

export interface ParsedTraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACE_PARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a `traceparent` header value; undefined for anything the W3C spec calls invalid. */
export function parseTraceParent(value: unknown): ParsedTraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TRACE_PARENT.exec(value.trim());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined;
  return { traceId: m[2], spanId: m[3], sampled: (parseInt(m[4], 16) & 1) === 1 };
}

export function formatTraceParent({ traceId, spanId, sampled }: ParsedTraceParent): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** DT.Core drops a trace state longer than 513 characters rather than truncating it by the spec's rules. */
export function traceContextOf(traceParent: string, traceState?: string | null): DistributedTraceContext {
  return { TraceParent: traceParent, TraceState: traceState && traceState.length <= 513 ? traceState : null };
}
