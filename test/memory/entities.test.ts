import { FunctionRegistry } from '../../src/runtime/registry';
import { EntityContext } from '../../src/entities/context';
import { EntityId } from '../../src/entities/entityId';
import { OrchestrationContext } from '../../src/orchestration/context';
import { MemoryTestHub, startMemoryHub, waitForStatus } from '../support/testHub';

function counter(context: EntityContext<number>): void {
  const current = context.df.getState(() => 0) ?? 0;
  switch (context.df.operationName) {
    case 'add':
      context.df.setState(current + context.df.getInput<number>()!);
      break;
    case 'reset':
      context.df.setState(0);
      break;
    case 'get':
      context.df.return(current);
      break;
    case 'fail':
      context.df.setState(current + 1000);
      throw new Error('counter refused');
    case 'delete':
      context.df.destructOnExit();
      break;
    case 'forward':
      context.df.setState(current + 1);
      context.df.signalEntity(new EntityId('counter', context.df.getInput<string>()!), 'add', 10);
      break;
  }
}

function account(context: EntityContext<number>): void {
  const balance = context.df.getState(() => 0) ?? 0;
  if (context.df.operationName === 'deposit') context.df.setState(balance + context.df.getInput<number>()!);
  if (context.df.operationName === 'withdraw') {
    const amount = context.df.getInput<number>() ?? 0;
    if (amount > balance) throw new Error('insufficient funds');
    context.df.setState(balance - amount);
  }
  if (context.df.operationName === 'balance') context.df.return(balance);
}

function registry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerEntity('Counter', counter as (c: EntityContext) => void);
  r.registerEntity('Account', account as (c: EntityContext) => void);
  r.registerOrchestration('UsesCounter', function* (context: OrchestrationContext) {
    const id = new EntityId('counter', context.df.getInput<string>()!);
    context.df.signalEntity(id, 'add', 5);
    const value = yield context.df.callEntity(id, 'get');
    let error = '';
    try {
      yield context.df.callEntity(id, 'fail');
    } catch (e) {
      error = (e as Error).message;
    }
    const after = yield context.df.callEntity(id, 'get');
    return { value, error, after };
  });
  r.registerOrchestration('Transfer', function* (context: OrchestrationContext) {
    const { from, to, amount } = context.df.getInput<{ from: string; to: string; amount: number }>();
    const a = new EntityId('account', from);
    const b = new EntityId('account', to);
    const lock: { release(): void } = yield context.df.lock([b, a]);
    const locked = context.df.isLocked();
    const balance: number = yield context.df.callEntity(a, 'balance');
    if (balance < amount) {
      lock.release();
      return { ok: false, locked };
    }
    yield context.df.Task.all([context.df.callEntity(a, 'withdraw', amount), context.df.callEntity(b, 'deposit', amount)]);
    lock.release();
    return { ok: true, lockedCount: locked.ownedLocks.length, stillLocked: context.df.isLocked().isLocked };
  });
  r.registerOrchestration('LocksThenFails', function* (context: OrchestrationContext) {
    yield context.df.lock([new EntityId('account', context.df.getInput<string>()!)]);
    throw new Error('failing while holding a lock');
  });
  return r;
}

async function waitForEntity<T>(hub: MemoryTestHub, id: EntityId, predicate: (state: T | undefined, exists: boolean) => boolean, timeoutMs = 60_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await hub.client.readEntityState<T>(id);
    if (predicate(r.entityState, r.entityExists)) return r.entityState;
    if (Date.now() > deadline) throw new Error(`entity ${id} never reached the expected state; last ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('durable entities on Azurite', () => {
  let hub: MemoryTestHub;
  beforeAll(async () => {
    hub = await startMemoryHub(registry());
  });
  afterAll(() => hub.stop());

  test('1,000 concurrent add signals end at the exact sum', async () => {
    const id = new EntityId('Counter', 'thousand');
    const started = Date.now();
    const sends: Promise<void>[] = [];
    for (let i = 1; i <= 1000; i++) sends.push(hub.client.signalEntity(id, 'add', i));
    await Promise.all(sends);
    const value = await waitForEntity<number>(hub, id, (s) => s === 500500, 120_000);
    const elapsed = Date.now() - started;
    expect(value).toBe(500500);
    console.log(`1000 signals applied in ${elapsed} ms: ${(1000 / (elapsed / 1000)).toFixed(0)} operations/s`);
  });

  test('an unknown entity reads as not existing; destructOnExit deletes the state', async () => {
    const id = new EntityId('counter', 'short-lived');
    expect(await hub.client.readEntityState(id)).toEqual({ entityExists: false, entityState: undefined });
    await hub.client.signalEntity(id, 'add', 3);
    await waitForEntity<number>(hub, id, (s) => s === 3);
    await hub.client.signalEntity(id, 'delete');
    await waitForEntity<number>(hub, id, (_, exists) => !exists);
  });

  test('orchestrations signal and call entities; a throwing operation rolls back and reports its error', async () => {
    const orchestration = await hub.client.startNew('UsesCounter', { input: 'orch' });
    const status = await waitForStatus(hub.client, orchestration);
    expect(status.output).toEqual({ value: 5, error: 'counter refused', after: 5 });
  });

  test('entities signal other entities', async () => {
    await hub.client.signalEntity(new EntityId('counter', 'source'), 'forward', 'target');
    expect(await waitForEntity<number>(hub, new EntityId('counter', 'target'), (s) => s === 10)).toBe(10);
    expect((await hub.client.readEntityState(new EntityId('counter', 'source'))).entityState).toBe(1);
  });

  test('transfers under lock keep the total; overlapping lock sets do not deadlock', async () => {
    await hub.client.signalEntity(new EntityId('account', 'A'), 'deposit', 100);
    await hub.client.signalEntity(new EntityId('account', 'B'), 'deposit', 100);
    await waitForEntity<number>(hub, new EntityId('account', 'B'), (s) => s === 100);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push(await hub.client.startNew('Transfer', { input: i % 2 === 0 ? { from: 'A', to: 'B', amount: 7 } : { from: 'B', to: 'A', amount: 3 } }));
    }
    const results = await Promise.all(ids.map((id) => waitForStatus(hub.client, id, 60_000)));
    expect(results.every((r) => r.runtimeStatus === 'Completed')).toBe(true);
    expect(results[0].output).toEqual({ ok: true, lockedCount: 2, stillLocked: false });
    const a = (await hub.client.readEntityState<number>(new EntityId('account', 'A'))).entityState!;
    const b = (await hub.client.readEntityState<number>(new EntityId('account', 'B'))).entityState!;
    expect(a + b).toBe(200);
    expect(a).toBe(100 - 5 * 7 + 5 * 3);
  });

  test('a failing orchestration releases its locks', async () => {
    await hub.client.signalEntity(new EntityId('account', 'C'), 'deposit', 1);
    const id = await hub.client.startNew('LocksThenFails', { input: 'C' });
    expect((await waitForStatus(hub.client, id)).runtimeStatus).toBe('Failed');
    // The entity is usable again by another orchestration's critical section.
    const transfer = await hub.client.startNew('Transfer', { input: { from: 'C', to: 'D', amount: 1 } });
    expect((await waitForStatus(hub.client, transfer, 30_000)).output).toMatchObject({ ok: true });
  });

  test('listing entities and cleaning empty ones', async () => {
    const empty = new EntityId('counter', 'to-clean');
    await hub.client.signalEntity(empty, 'add', 1);
    await waitForEntity<number>(hub, empty, (s) => s === 1);
    await hub.client.signalEntity(empty, 'delete');
    await waitForEntity<number>(hub, empty, (_, exists) => !exists);
    const listed = await hub.client.listEntities({ entityName: 'account', fetchState: true });
    expect(listed.entities.map((e) => e.entityId.key).sort()).toEqual(expect.arrayContaining(['A', 'B', 'C']));
    expect(listed.entities.find((e) => e.entityId.key === 'A')?.state).toBe(80);
    const cleaned = await hub.client.cleanEntityStorage(true, true);
    expect(cleaned.numberOfEmptyEntitiesRemoved).toBeGreaterThanOrEqual(1);
    expect(await hub.backend.getInstance('@counter@to-clean')).toBeUndefined();
  });
});
