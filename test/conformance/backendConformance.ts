/**
 * Behaviour every backend must show, run once per backend (memory tier and Azurite tier).
 * Each test goes through the engine and the client only, so it says nothing about storage layout.
 */
import { InstanceAlreadyExistsError, InvalidQueryError } from '../../src/backend/errors';
import { EntityId } from '../../src/entities/entityId';
import { EventType, newEvent } from '../../src/history/events';
import { OrchestrationContext } from '../../src/orchestration/context';
import { Task } from '../../src/orchestration/tasks';
import { FunctionRegistry } from '../../src/runtime/registry';
import { EntityContext } from '../../src/entities/context';
import { OrchestrationRuntimeStatus } from '../../src/client/status';
import { AnyTestHub, waitForStatus } from '../support/testHub';

export function conformanceRegistry(): FunctionRegistry {
  const r = new FunctionRegistry();
  r.registerActivity('Hello', (name: string) => `Hello ${name}`);
  r.registerActivity('Boom', () => {
    throw new TypeError('boom');
  });
  r.registerOrchestration('Chain', function* (context: OrchestrationContext) {
    const names = context.df.getInput<string[]>();
    const out: string[] = [];
    for (const n of names) out.push(yield context.df.callActivity('Hello', n));
    return out;
  });
  r.registerOrchestration('WaitForGo', function* (context: OrchestrationContext) {
    const value: unknown = yield context.df.waitForExternalEvent('Go');
    return value;
  });
  r.registerOrchestration('ShortTimer', function* (context: OrchestrationContext) {
    const start = context.df.currentUtcDateTime.getTime();
    yield context.df.createTimer(new Date(start + 300));
    return context.df.currentUtcDateTime.getTime() - start >= 300;
  });
  r.registerOrchestration('LongTimer', function* (context: OrchestrationContext) {
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 120_000));
    return 'late';
  });
  r.registerOrchestration('Parent', function* (context: OrchestrationContext) {
    const ok: string[] = yield context.df.callSubOrchestrator('Chain', ['sub'], `${context.df.instanceId}-child`);
    try {
      yield context.df.callSubOrchestrator('Failing', null, `${context.df.instanceId}-failing`);
      return 'no error';
    } catch (e) {
      return { ok, caught: (e as Error).message.includes('boom') };
    }
  });
  r.registerOrchestration('Failing', function* (context: OrchestrationContext) {
    yield context.df.callActivity('Boom');
  });
  r.registerOrchestration('Counter', function* (context: OrchestrationContext) {
    const n = context.df.getInput<number>();
    if (n < 3) {
      yield context.df.callActivity('Hello', String(n));
      context.df.continueAsNew(n + 1);
    }
    return n;
  });
  r.registerOrchestration('FanOut', function* (context: OrchestrationContext) {
    const tasks: Task[] = [];
    for (let i = 0; i < 20; i++) tasks.push(context.df.callActivity('Hello', String(i)));
    const results: string[] = yield context.df.Task.all(tasks);
    return results.length;
  });
  r.registerEntity('Adder', (context: EntityContext) => {
    const current = (context.df.getState(() => 0) as number) ?? 0;
    if (context.df.operationName === 'add') context.df.setState(current + (context.df.getInput() as number));
    context.df.return(context.df.getState(() => 0));
  });
  r.registerOrchestration('CallsAdder', function* (context: OrchestrationContext) {
    const id = new EntityId('Adder', context.df.getInput<string>());
    yield context.df.callEntity(id, 'add', 5);
    const total: number = yield context.df.callEntity(id, 'get');
    return total;
  });
  return r;
}

/** Registers the suite's tests; `start` makes a fresh hub running `conformanceRegistry()`. */
export function backendConformance(label: string, start: () => Promise<AnyTestHub>): void {
  describe(`backend conformance: ${label}`, () => {
    let hub: AnyTestHub;
    beforeAll(async () => {
      hub = await start();
    });
    afterAll(() => hub.stop());

    test('a chain of activities completes, and its history holds one schedule and one completion per step', async () => {
      const id = await hub.client.startNew('Chain', { input: ['a', 'b', 'c'] });
      const status = await waitForStatus(hub.client, id);
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toEqual(['Hello a', 'Hello b', 'Hello c']);
      const history = await hub.backend.getHistory(id);
      expect(history.filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(3);
      expect(history.filter((e) => e.EventType === EventType.TaskCompleted)).toHaveLength(3);
      expect(history[0].EventType).toBe(EventType.OrchestratorStarted);
    });

    test('a start with the id of a running instance is refused; after it finishes the id can start again', async () => {
      const id = `dup-${Date.now()}`;
      await hub.client.startNew('WaitForGo', { instanceId: id, input: 1 });
      await expect(hub.client.startNew('WaitForGo', { instanceId: id })).rejects.toBeInstanceOf(InstanceAlreadyExistsError);
      await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
      await hub.client.raiseEvent(id, 'Go', 'first');
      expect((await waitForStatus(hub.client, id)).output).toBe('first');
      await hub.client.startNew('WaitForGo', { instanceId: id });
      await waitForStatus(hub.client, id, 20_000, new Set(['Running']));
      await hub.client.raiseEvent(id, 'Go', 'second');
      expect((await waitForStatus(hub.client, id)).output).toBe('second');
      // As DT.AzureStorage: the new start of an existing id is its next generation (workers use it to tell a
      // start whose row is being written from a stale one).
      expect((await hub.backend.getInstance(id))?.generation).toBe(1);
      const history = await hub.backend.getHistory(id);
      expect(history.find((e) => e.EventType === EventType.ExecutionStarted)).toMatchObject({ Generation: 1 });
    });

    test('an event raised right after the start is not lost', async () => {
      const id = await hub.client.startNew('WaitForGo');
      await hub.client.raiseEvent(id, 'Go', { early: true });
      expect((await waitForStatus(hub.client, id)).output).toEqual({ early: true });
    });

    test('a durable timer fires no earlier than its time', async () => {
      const id = await hub.client.startNew('ShortTimer');
      expect((await waitForStatus(hub.client, id)).output).toBe(true);
    });

    test('a short timer is not held back by a longer one scheduled before it', async () => {
      const long = await hub.client.startNew('LongTimer');
      await waitForStatus(hub.client, long, 20_000, new Set(['Running']));
      const started = Date.now();
      const short = await hub.client.startNew('ShortTimer');
      expect((await waitForStatus(hub.client, short, 20_000)).output).toBe(true);
      expect(Date.now() - started).toBeLessThan(15_000);
      await hub.client.terminate(long, 'done');
    });

    test('sub-orchestrations return results and failures to the parent', async () => {
      const id = await hub.client.startNew('Parent');
      const status = await waitForStatus(hub.client, id);
      expect(status.output).toEqual({ ok: ['Hello sub'], caught: true });
      expect((await hub.client.getStatus(`${id}-failing`)).runtimeStatus).toBe('Failed');
    });

    test('continue-as-new runs generations and keeps one generation of history', async () => {
      const id = await hub.client.startNew('Counter', { input: 0 });
      expect((await waitForStatus(hub.client, id)).output).toBe(3);
      const history = await hub.backend.getHistory(id);
      expect(history.filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
      // As DT.Core: the generation after the last activity ran in the same work item, framed by its own
      // OrchestratorStarted/Completed, and only it was written, from row 0, under a new execution id.
      expect(history.map((e) => EventType[e.EventType])).toEqual([
        'OrchestratorStarted',
        'ExecutionStarted',
        'OrchestratorCompleted',
        'ExecutionCompleted',
        'OrchestratorCompleted',
      ]);
      const started = history[1];
      expect(started.EventType === EventType.ExecutionStarted && started.Input).toBe('3');
      expect(history[3].EventId).toBe(0);
      const status = (await hub.backend.getInstance(id))!;
      expect(started.EventType === EventType.ExecutionStarted && started.OrchestrationInstance.ExecutionId).toBe(status.executionId);
      expect(status.input).toBe('3');
    });

    test('fan-out of 20 activities fans back in', async () => {
      const id = await hub.client.startNew('FanOut');
      expect((await waitForStatus(hub.client, id)).output).toBe(20);
    });

    test('terminate ends a running instance; suspend holds events until resume', async () => {
      const t = await hub.client.startNew('WaitForGo');
      await waitForStatus(hub.client, t, 20_000, new Set(['Running']));
      await hub.client.terminate(t, 'stop it');
      const terminated = await waitForStatus(hub.client, t);
      expect(terminated.runtimeStatus).toBe('Terminated');
      expect(terminated.output).toBe('stop it');

      const s = await hub.client.startNew('WaitForGo');
      await waitForStatus(hub.client, s, 20_000, new Set(['Running']));
      await hub.client.suspend(s, 'hold');
      await waitForStatus(hub.client, s, 20_000, new Set(['Suspended']));
      await hub.client.raiseEvent(s, 'Go', 'held');
      await new Promise((r) => setTimeout(r, 300));
      expect((await hub.client.getStatus(s)).runtimeStatus).toBe('Suspended');
      await hub.client.resume(s, 'go on');
      expect((await waitForStatus(hub.client, s)).output).toBe('held');
    });

    test('entity signals add up exactly and orchestrations call entities', async () => {
      const key = `k${Date.now()}`;
      const entity = new EntityId('Adder', key);
      await Promise.all(Array.from({ length: 50 }, (_, i) => hub.client.signalEntity(entity, 'add', i + 1)));
      const deadline = Date.now() + 30_000;
      let state: number | undefined;
      while (Date.now() < deadline) {
        state = (await hub.client.readEntityState<number>(entity)).entityState;
        if (state === 1275) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(state).toBe(1275);
      const id = await hub.client.startNew('CallsAdder', { input: key });
      expect((await waitForStatus(hub.client, id)).output).toBe(1280);
    });

    test('instance queries page with continuation tokens and filter by status and prefix', async () => {
      const prefix = `page-${Date.now()}-`;
      for (let i = 0; i < 5; i++) await hub.client.startNew('Chain', { instanceId: `${prefix}${i}`, input: [] });
      await Promise.all(Array.from({ length: 5 }, (_, i) => waitForStatus(hub.client, `${prefix}${i}`)));
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await hub.backend.queryInstances({ instanceIdPrefix: prefix, pageSize: 2, continuationToken: token });
        expect(page.instances.length).toBeLessThanOrEqual(2);
        seen.push(...page.instances.map((s) => s.instanceId));
        token = page.continuationToken;
      } while (token);
      expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}${i}`));
      const completed = await hub.client.getStatusBy({ instanceIdPrefix: prefix, runtimeStatus: [OrchestrationRuntimeStatus.Completed] });
      expect(completed).toHaveLength(5);
      const running = await hub.client.getStatusBy({ instanceIdPrefix: prefix, runtimeStatus: [OrchestrationRuntimeStatus.Running] });
      expect(running).toHaveLength(0);
      await expect(hub.backend.queryInstances({ pageSize: 0 })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(hub.backend.queryInstances({ runtimeStatus: ['Sleeping'] })).rejects.toBeInstanceOf(InvalidQueryError);
    });

    test('purge removes state and history; unknown instances read as absent', async () => {
      const id = await hub.client.startNew('Chain', { input: ['x'] });
      await waitForStatus(hub.client, id);
      expect((await hub.client.purgeInstanceHistory(id)).instancesDeleted).toBe(1);
      expect(await hub.backend.getInstance(id)).toBeUndefined();
      expect(await hub.backend.getHistory(id)).toEqual([]);
      expect((await hub.client.purgeInstanceHistory(id)).instancesDeleted).toBe(0);
    });

    test('a message to an instance that does not exist is dropped without harm', async () => {
      await hub.backend.sendMessage({
        instance: { InstanceId: `ghost-${Date.now()}`, ExecutionId: '' },
        target: 'control',
        event: newEvent({ EventType: EventType.EventRaised, Name: 'Go', Input: '1' }),
      });
      const id = await hub.client.startNew('Chain', { input: ['after ghost'] });
      expect((await waitForStatus(hub.client, id)).output).toEqual(['Hello after ghost']);
    });
  });
}
