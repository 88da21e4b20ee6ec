import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'crypto';
import { OrchestrationHandler } from './handler';
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
      logHandler: (level, ...args) => {
        // Logs of replayed code were already written when that code first ran.
        if (state.isReplaying) return;
        const line = `[${functionName}] ${args.map(String).join(' ')}`;
        if (level === 'error' || level === 'warning') console.error(line);
        else console.log(line);
      },
    }) as OrchestrationContext;
    context.df = new DurableOrchestrationContext(state);
    return handler(context);
  }, timerLimits);
  return replay.run(pastEvents, newEvents);
}
