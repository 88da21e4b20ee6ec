import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'crypto';
import { OrchestrationHandler } from './handler';
import { instanceLogHandler } from '../util/hostLog';
import { HistoryEvent } from '../history/events';
import { TimerLimits } from '../config/settings';
import { DurableOrchestrationContext, OrchestrationContext } from './context';
import { OrchestrationReplay, ReplayResult } from './replay';

/** Replays `handler` over the history with a fresh InvocationContext carrying `df`. */
export function runOrchestrator(
  functionName: string,
  handler: OrchestrationHandler,
  pastEvents: HistoryEvent[],
  newEvents: HistoryEvent[],
  timerLimits?: TimerLimits,
): ReplayResult {
  const replay = new OrchestrationReplay((state) => {
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      // Logs of replayed code were already written when that code first ran.
      logHandler: instanceLogHandler(functionName, state.instanceId, () => state.isReplaying),
    }) as OrchestrationContext;
    context.df = new DurableOrchestrationContext(state);
    return handler(context);
  }, timerLimits);
  return replay.run(pastEvents, newEvents);
}
