import { EventType, HistoryEvent, OrchestrationStatus } from '../history/events';
import { fromJsonText } from '../util/json';

/**
 * History as the Durable Functions extension shows it (`showHistory=true`): scheduling events are
 * merged into their completion (FunctionName, ScheduledTime), OrchestratorStarted/Completed are
 * dropped, enums are names, and Result/Input are parsed JSON when `showHistoryOutput` is set
 * (absent otherwise). Tools and SDK users parse this shape.
 */
export function historyView(events: HistoryEvent[], showHistoryOutput: boolean): Record<string, unknown>[] {
  const scheduled = new Map<number, { name: string; time: string }>();
  for (const e of events) {
    if (e.EventType === EventType.TaskScheduled || e.EventType === EventType.SubOrchestrationInstanceCreated) {
      scheduled.set(e.EventId, { name: e.Name, time: e.Timestamp });
    }
  }
  const out: Record<string, unknown>[] = [];
  for (const e of events) {
    switch (e.EventType) {
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        continue;
    }
    const entry: Record<string, unknown> = { ...e, EventType: EventType[e.EventType] };
    delete entry.IsPlayed;
    if (e.EventType === EventType.ExecutionStarted) {
      entry.FunctionName = e.Name;
      delete entry.Name;
    }
    const taskId = 'TaskScheduledId' in e ? e.TaskScheduledId : undefined;
    if (taskId !== undefined && scheduled.has(taskId)) {
      const origin = scheduled.get(taskId)!;
      entry.FunctionName = origin.name;
      entry.ScheduledTime = origin.time;
    }
    if ('OrchestrationStatus' in e && typeof e.OrchestrationStatus === 'number') entry.OrchestrationStatus = OrchestrationStatus[e.OrchestrationStatus];
    for (const field of ['Result', 'Input'] as const) {
      if (!(field in entry)) continue;
      if (showHistoryOutput) entry[field] = parseOrText(entry[field]);
      else delete entry[field];
    }
    out.push(entry);
  }
  return out;
}

function parseOrText(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return fromJsonText(value);
  } catch {
    return value;
  }
}
