/**
 * Crash points inside a checkpoint, on Azure Storage: a worker that stops between two writes of a
 * commit must leave a hub that the next attempt brings to a consistent state.
 */
import { FunctionRegistry } from '../../src/runtime/registry';
import { OrchestrationContext } from '../../src/orchestration/context';
import { EntityId } from '../../src/entities/entityId';
import { EntityContext } from '../../src/entities/context';
import { EventType } from '../../src/history/events';
import { startTestHub, waitForStatus } from '../support/testHub';

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Twice', (x: number) => x * 2);
  r.registerOrchestration('Doubles', function* (context: OrchestrationContext) {
    const x: number = yield context.df.callActivity('Twice', context.df.getInput<number>());
    return x;
  });
  r.registerEntity('Tally', (context: EntityContext) => {
    const n = (context.df.getState(() => 0) as number) + 1;
    context.df.setState(n);
  });
  return r;
}

describe('crash points inside a checkpoint (Azure Storage)', () => {
  test('history committed but the Instances row not written: the redelivered messages bring the row up to date', async () => {
    let checkpoints = 0;
    let injected = 0;
    // The crash point: the second checkpoint (the completion) stops after its history was appended.
    const hub = await startTestHub(registry(), {}, (point, { instanceId }) => {
      if (instanceId !== 'crash-row' || point !== 'checkpoint.afterHistory') return;
      if (++checkpoints === 2) {
        injected++;
        throw new Error('injected crash between history and instance row');
      }
    });
    try {
      await hub.client.startNew('Doubles', { instanceId: 'crash-row', input: 21 });
      const status = await waitForStatus(hub.client, 'crash-row', 30_000);
      expect(injected).toBe(1);
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe(42);
      const history = await hub.backend.getHistory('crash-row');
      expect(history.filter((e) => e.EventType === EventType.ExecutionCompleted)).toHaveLength(1);
    } finally {
      await hub.stop();
    }
  }, 60_000);

  test('the same for an entity: the row follows the committed state', async () => {
    let injected = 0;
    const hub = await startTestHub(registry(), {}, (point, { instanceId }) => {
      if (instanceId === '@tally@k' && point === 'checkpoint.afterHistory' && injected === 0) {
        injected++;
        throw new Error('injected crash between history and instance row');
      }
    });
    try {
      const id = new EntityId('Tally', 'k');
      await hub.client.signalEntity(id, 'add');
      const deadline = Date.now() + 30_000;
      let state: number | undefined;
      while (Date.now() < deadline && state !== 1) {
        state = (await hub.client.readEntityState<number>(id)).entityState;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(injected).toBe(1);
      expect(state).toBe(1);
    } finally {
      await hub.stop();
    }
  }, 60_000);
});
