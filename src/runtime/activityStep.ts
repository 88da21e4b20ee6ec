import { InvocationContext } from '@azure/functions';
import { FunctionRegistry } from './registry';
import { EventType, HistoryEvent, TaskScheduledEvent, newEvent } from '../history/events';
import { toFailureDetails } from '../orchestration/errors';
import { toJsonText } from '../util/json';
import { activityInputValue } from '../history/activityInput';
import { DurableHttpRequest, HTTP_ACTIVITY, runHttpActivity } from '../orchestration/durableHttp';

/**
 * Runs one activity and returns the event that answers its TaskScheduled: TaskCompleted with the
 * JSON result, or TaskFailed carrying the error's message, stack and type.
 */
export async function runActivity(
  registry: FunctionRegistry,
  scheduled: TaskScheduledEvent,
  /** The invocation context the activity sees (engine/tracedActivity.ts builds it for both dispatch paths). */
  contextFor: (functionName: string) => InvocationContext,
): Promise<HistoryEvent> {
  const fail = (error: unknown) => {
    const details = toFailureDetails(error);
    return newEvent({
      EventType: EventType.TaskFailed,
      TaskScheduledId: scheduled.EventId,
      Reason: details.ErrorMessage,
      Details: details.StackTrace,
      FailureDetails: details,
    });
  };
  if (scheduled.Name === HTTP_ACTIVITY) {
    try {
      const request = activityInputValue(scheduled.Input, 'durable HTTP request') as DurableHttpRequest;
      return newEvent({ EventType: EventType.TaskCompleted, TaskScheduledId: scheduled.EventId, Result: toJsonText(await runHttpActivity(request)) });
    } catch (e) {
      return fail(e);
    }
  }
  const registered = registry.activity(scheduled.Name);
  if (!registered) {
    return fail(new Error(`The activity function '${scheduled.Name}' is not registered in this function app.`));
  }
  try {
    const input = activityInputValue(scheduled.Input, `input of activity '${scheduled.Name}'`);
    const output = await registered.handler(input, contextFor(registered.name));
    return newEvent({ EventType: EventType.TaskCompleted, TaskScheduledId: scheduled.EventId, Result: toJsonText(output) });
  } catch (e) {
    return fail(e);
  }
}
