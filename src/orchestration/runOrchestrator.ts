import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'crypto';
import { OrchestrationHandler } from './handler';
import { instanceLogHandler } from '../util/hostLog';
import { HistoryEvent } from '../history/events';
import { TimerLimits } from '../config/settings';
import { DurableOrchestrationContext, OrchestrationContext } from './context';
import { OrchestrationReplay, ReplayResult } from './replay';

/** A replay of `handler` that gives each run of the code a fresh InvocationContext carrying `df`. */
export function createReplay(functionName: string, handler: OrchestrationHandler, timerLimits?: TimerLimits): OrchestrationReplay {
  return new OrchestrationReplay((state) => {
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      // Logs of replayed code were already written when that code first ran.
      logHandler: instanceLogHandler(functionName, state.instanceId, () => state.isReplaying),
    }) as OrchestrationContext;
    context.df = new DurableOrchestrationContext(state);
    return handler(context);
  }, timerLimits);
}

/** Replays `handler` over the history with a fresh InvocationContext carrying `df`. */
export function runOrchestrator(
  functionName: string,
  handler: OrchestrationHandler,
  pastEvents: HistoryEvent[],
  newEvents: HistoryEvent[],
  timerLimits?: TimerLimits,
): ReplayResult {
  return createReplay(functionName, handler, timerLimits).run(pastEvents, newEvents);
}
