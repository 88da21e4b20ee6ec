import { InvocationContext } from '@azure/functions';
import { SpanStatusCode, trace as otelTrace } from '@opentelemetry/api';
import { randomUUID } from 'crypto';
import { EventType, HistoryEvent, TaskScheduledEvent } from '../history/events';
import { runActivity } from '../runtime/activityStep';
import { FunctionRegistry } from '../runtime/registry';
import { SpanKind, contextFromStored, inSpan } from './tracing';
import { instanceLogHandler } from '../util/hostLog';

/** Builds the invocation context an activity sees, given its name and the trace context it runs in. */
export type ActivityContextFactory = (functionName: string, traceContext: { traceParent?: string; traceState?: string }) => InvocationContext;

/** The engine's poller path: no host invocation, so a fresh id, and log lines that carry the instance id. */
const freshContext =
  (instanceId: string): ActivityContextFactory =>
  (functionName, traceContext) =>
    new InvocationContext({ invocationId: randomUUID(), functionName, traceContext, logHandler: instanceLogHandler(functionName, instanceId) });

/**
 * Runs an activity inside its own span, a child of the orchestration episode that scheduled it, and
 * hands the activity that span's trace context (context.traceContext), so its own calls join the trace.
 */
export function runActivityTraced(
  registry: FunctionRegistry,
  instanceId: string,
  scheduled: TaskScheduledEvent,
  contextFor: ActivityContextFactory = freshContext(instanceId),
): Promise<HistoryEvent> {
  return inSpan(
    `activity:${scheduled.Name}`,
    SpanKind.SERVER,
    contextFromStored(scheduled.ParentTraceContext),
    { 'durabletask.type': 'activity', 'durabletask.task.instance_id': instanceId, 'durabletask.task.task_id': String(scheduled.EventId) },
    async (stored) => {
      const traceContext = stored ? { traceParent: stored.TraceParent, traceState: stored.TraceState ?? undefined } : {};
      const answer = await runActivity(registry, scheduled, (name) => contextFor(name, traceContext));
      if (answer.EventType === EventType.TaskFailed) {
        otelTrace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: answer.Reason ?? 'activity failed' });
      }
      return answer;
    },
  );
}
