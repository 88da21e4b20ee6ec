import { EventType, HistoryEvent, OrchestrationStatus } from '../../src/history/events';

/**
 * What must hold for the full history (every execution) of an instance that ran once to completion:
 * one start, one end, no task scheduled or answered twice. Returns the problems found.
 */
export function historyProblems(events: HistoryEvent[]): string[] {
  const problems: string[] = [];
  const starts = events.filter((e) => e.EventType === EventType.ExecutionStarted).length;
  const ends = events.filter((e) => e.EventType === EventType.ExecutionCompleted).length;
  if (starts !== 1 || ends !== 1) problems.push(`ran ${starts} time(s), ended ${ends} time(s)`);
  const seen = new Set<string>();
  for (const e of events) {
    let key: string | undefined;
    if (e.EventType === EventType.TaskScheduled || e.EventType === EventType.TimerCreated || e.EventType === EventType.SubOrchestrationInstanceCreated) key = `${EventType[e.EventType]}#${e.EventId}`;
    else if ('TaskScheduledId' in e && typeof e.TaskScheduledId === 'number') key = `${EventType[e.EventType]}#${e.TaskScheduledId}`;
    else if (e.EventType === EventType.TimerFired) key = `TimerFired#${e.TimerId}`;
    else if (e.EventType === EventType.EventRaised) key = `EventRaised#${e.Name}`;
    if (!key) continue;
    if (seen.has(key)) problems.push(`duplicate ${key}`);
    seen.add(key);
  }
  return problems;
}

/** The output the history recorded for a completed instance (undefined when it did not complete). */
export function recordedOutput(events: HistoryEvent[]): { output: unknown } | undefined {
  const end = events.find((e) => e.EventType === EventType.ExecutionCompleted);
  if (!end || end.EventType !== EventType.ExecutionCompleted || end.OrchestrationStatus !== OrchestrationStatus.Completed) return undefined;
  return { output: end.Result === null ? undefined : JSON.parse(end.Result) };
}
