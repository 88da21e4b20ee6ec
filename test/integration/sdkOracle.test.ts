/**
 * Behaviour against durable-functions' own orchestrator code: our engine runs an orchestration on
 * Azurite and records its history; the SDK's replay of that same history must reach the same
 * result (failed-task errors, versions, newGuid after entity calls, entity errors, retry timing).
 */
import * as sdk from 'durable-functions';
import * as ours from '../../src';
import { FunctionRegistry } from '../../src/runtime/registry';
import { EntityContext } from '../../src/entities/context';
import { EventType, HistoryEvent } from '../../src/history/events';
import { sdkReplay } from '../support/sdkOracle';
import { TestHub, startTestHub, waitForStatus } from '../support/testHub';

type Lib = typeof ours | typeof sdk;
/** Orchestrator code written once against the SDK API, bound to one library's classes. */
type Orch = (lib: Lib) => (context: any) => Generator<any, unknown, any>;  

const describeError = (e: any) => ({  
  name: e.name,
  message: e.message,
  errorType: e.failureDetails?.errorType,
  errorMessage: e.failureDetails?.errorMessage,
  isCausedByTypeError: e.failureDetails?.isCausedBy?.('TypeError'),
  isCausedByRangeError: e.failureDetails?.isCausedBy?.('RangeError'),
  isNonRetriable: e.failureDetails?.isNonRetriable,
  taskName: e.taskName,
  taskId: e.taskId,
});

const orchestrations: Record<string, Orch> = {
  FailedTask: () =>
    function* (context) {
      const out: Record<string, unknown> = {};
      try {
        yield context.df.callActivity('Boom', 'x');
      } catch (e) {
        out.caught = describeError(e);
      }
      const t = context.df.callActivity('Boom', 'y');
      const winner = yield context.df.Task.any([t]);
      out.anyWinnerIsTask = winner === t;
      out.faulted = [winner.isCompleted, winner.isFaulted, winner.result instanceof Error, winner.result?.message];
      return out;
    },
  Versioned: () =>
    function* (context) {
      const child = yield context.df.callSubOrchestrator('VersionChild', 1, `${context.df.instanceId}:child`, '7.0');
      return { own: context.df.version, child };
    },
  VersionChild: () =>
    function* (context) {
      return context.df.version;
    },
  GuidAfterEntity: (lib) =>
    function* (context) {
      const account = new lib.EntityId('Account', 'k');
      const before = context.df.newGuid(context.df.instanceId);
      const balance = yield context.df.callEntity(account, 'balance');
      const after = context.df.newGuid(context.df.instanceId);
      let entityError: unknown;
      try {
        yield context.df.callEntity(account, 'withdraw', 1000);
      } catch (e) {
        entityError = (e as Error).message;
      }
      return { before, balance, after, last: context.df.newGuid(context.df.instanceId), entityError };
    },
  RetryExhausted: (lib) =>
    function* (context) {
      const options = new lib.RetryOptions(1000, 2);
      try {
        yield context.df.callActivityWithRetry('AlwaysFails', options, null);
      } catch (e) {
        return { failedAt: context.df.currentUtcDateTime.toISOString(), message: (e as Error).message };
      }
      return 'unexpected success';
    },
};

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Boom', () => {
    throw new TypeError('boom');
  });
  r.registerActivity('AlwaysFails', () => {
    throw new RangeError('never works');
  });
  r.registerEntity('Account', (context: EntityContext) => {
    const balance = (context.df.getState(() => 10) as number) ?? 10;
    if (context.df.operationName === 'withdraw') {
      if ((context.df.getInput<number>() ?? 0) > balance) throw new Error('insufficient funds');
    }
    context.df.setState(balance);
    context.df.return(balance);
  });
  for (const [name, make] of Object.entries(orchestrations)) r.registerOrchestration(name, make(ours) as never);
  return r;
}

describe('the SDK replays our recorded histories to the same result', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub(registry());
  });
  afterAll(async () => {
    await hub?.stop();
  });

  async function runBoth(name: string, options: { version?: string } = {}) {
    const id = await hub.client.startNew(name, { ...options });
    const status = await waitForStatus(hub.client, id, 60_000);
    const history: HistoryEvent[] = (await hub.hub.history.load(id)).events;
    const oracle = await sdkReplay(orchestrations[name](sdk) as never, history, id);
    return { status, oracle, history };
  }

  test('a failed activity: TaskFailedError "TypeError: boom" with camelCase failureDetails, task name and id; faulted result is the Error', async () => {
    const { status, oracle } = await runBoth('FailedTask');
    expect(status.runtimeStatus).toBe('Completed');
    expect(oracle.state?.isDone).toBe(true);
    expect(status.output).toEqual(JSON.parse(JSON.stringify(oracle.state?.output)));
    expect(status.output).toMatchObject({
      caught: { name: 'TaskFailedError', message: 'TypeError: boom', errorType: 'TypeError', isCausedByTypeError: true, taskName: 'Boom', taskId: 0 },
      anyWinnerIsTask: true,
      faulted: [false, true, true, 'TypeError: boom'],
    });
  });

  test('versions: startNew version and callSubOrchestrator version reach context.df.version', async () => {
    const { status, oracle } = await runBoth('Versioned', { version: '2.5' });
    expect(status.output).toEqual({ own: '2.5', child: '7.0' });
    expect(oracle.state?.output).toEqual(status.output);
  });

  test('newGuid after entity calls, and an entity operation that throws, as the SDK computes them', async () => {
    const { status, oracle } = await runBoth('GuidAfterEntity');
    expect(status.runtimeStatus).toBe('Completed');
    expect(oracle.state?.isDone).toBe(true);
    expect(status.output).toEqual(oracle.state?.output);
    expect(status.output).toMatchObject({ balance: 10, entityError: 'insufficient funds' });
  });

  test('retries exhausted: the task fails at the same moment of history as in the SDK', async () => {
    const { status, oracle, history } = await runBoth('RetryExhausted');
    expect(status.runtimeStatus).toBe('Completed');
    expect(oracle.state?.isDone).toBe(true);
    expect(status.output).toEqual(oracle.state?.output);
    // two attempts, each followed by a retry timer
    expect(history.filter((e) => e.EventType === EventType.TimerFired).length).toBe(2);
  });
});
