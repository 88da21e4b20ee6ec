/**
 * The durable-functions SDK's own orchestrator replay, run offline as an oracle: feed it a history
 * our engine recorded and compare what the SDK's code concludes with what ours did.
 */
import * as sdk from 'durable-functions';
import { HistoryEvent } from '../../src/history/events';

interface SdkOrchestratorModule {
  Orchestrator: new (fn: (context: unknown) => Generator<unknown, unknown, unknown>) => {
    listen(): (trigger: unknown, context: unknown) => Promise<SdkState>;
  };
}

export interface SdkState {
  isDone: boolean;
  output?: unknown;
  error?: string;
  actions: unknown[][];
  customStatus?: unknown;
}

/** Replays `history` with the SDK's Orchestrator; a failed orchestration comes back as `{ failed }`. */
export async function sdkReplay(
  fn: (context: never) => Generator<unknown, unknown, unknown>,
  history: HistoryEvent[],
  instanceId: string,
  input?: unknown,
  /** false: hand `history` over as it is (the SDK may mark events played); the benchmark copies ahead of timing. */
  copy = true,
): Promise<{ state?: SdkState; failed?: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module of the SDK, not in its exports map
  const { Orchestrator } = require('durable-functions/lib/src/orchestrations/Orchestrator') as SdkOrchestratorModule;
  const handle = new Orchestrator(fn as (context: unknown) => Generator<unknown, unknown, unknown>).listen();
  const trigger = {
    history: copy ? JSON.parse(JSON.stringify(history)) : history,
    input,
    instanceId,
    isReplaying: false,
    parentInstanceId: '',
    upperSchemaVersion: 3,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  try {
    return { state: await handle(trigger, new sdk.DummyOrchestrationContext('oracle', 'oracle-invocation', () => undefined)) };
  } catch (e) {
    return { failed: (e as Error).message.split('\n\n$OutOfProcData$:')[0] };
  }
}
