/**
 * An entity applies a request once, however many operations it applied between the original and a
 * redelivery or re-send of it; remembered ids are forgotten only after the retention time.
 */
import { InboundMessage, OrchestrationWorkItem } from '../../src/backend/backend';
import { EntityContext } from '../../src/entities/context';
import { OPERATION_EVENT, RequestMessage, parseSchedulerState } from '../../src/entities/messages';
import { EventType, ExecutionStartedEvent, HistoryEvent, newEvent } from '../../src/history/events';
import { EntityStep } from '../../src/runtime/entityStep';
import { FunctionRegistry } from '../../src/runtime/registry';
import { createLogger } from '../../src/util/log';

const ID = '@counter@k';
let messageNumber = 0;

function signal(requestId: string, amount: number): InboundMessage {
  const request: RequestMessage = { op: 'add', signal: true, input: JSON.stringify(amount), id: requestId, parent: null };
  return {
    id: `m${++messageNumber}`,
    instance: { InstanceId: ID, ExecutionId: '' },
    event: newEvent({ EventType: EventType.EventRaised, Name: OPERATION_EVENT, Input: JSON.stringify(request) }),
    dequeueCount: 1,
  };
}

/** Applies batches to the entity as the engine would, carrying the committed history forward. */
class EntityRun {
  history: HistoryEvent[] = [];
  constructor(private readonly step: EntityStep) {}

  async apply(messages: InboundMessage[], now: Date): Promise<void> {
    const started = this.history.find((e): e is ExecutionStartedEvent => e.EventType === EventType.ExecutionStarted);
    const item: OrchestrationWorkItem = { instanceId: ID, executionId: started?.OrchestrationInstance.ExecutionId, history: this.history, messages, awaitingStart: false };
    const checkpoint = await this.step.run(item, now);
    this.history = checkpoint.history!.events;
  }

  get scheduler() {
    const started = this.history.find((e): e is ExecutionStartedEvent => e.EventType === EventType.ExecutionStarted);
    return parseSchedulerState(started?.Input);
  }

  get value(): number {
    return JSON.parse(this.scheduler.state ?? '0') as number;
  }
}

function counterRegistry(): FunctionRegistry {
  const registry = new FunctionRegistry();
  registry.registerEntity('Counter', (context: EntityContext) => {
    context.df.setState((context.df.getState(() => 0) as number) + (context.df.getInput<number>() ?? 0));
  });
  return registry;
}

describe('entity de-duplication', () => {
  test('a request redelivered after 400 other operations is not applied again', async () => {
    const run = new EntityRun(new EntityStep(counterRegistry(), createLogger('test'), 10 * 60_000));
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const first = signal('req-first', 1);
    await run.apply([first], new Date(t0));
    for (let batch = 0; batch < 8; batch++) {
      await run.apply(Array.from({ length: 50 }, (_, i) => signal(`req-${batch}-${i}`, 1)), new Date(t0 + (batch + 1) * 1000));
    }
    expect(run.value).toBe(401);
    // The first request comes again (redelivered after a crash before its delete, or re-sent).
    await run.apply([{ ...first, id: `m${++messageNumber}` }], new Date(t0 + 60_000));
    expect(run.value).toBe(401);
  });

  test('remembered ids are forgotten after the retention, so the state does not grow for ever', async () => {
    const retention = 60_000;
    const run = new EntityRun(new EntityStep(counterRegistry(), createLogger('test'), retention));
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    await run.apply(Array.from({ length: 100 }, (_, i) => signal(`old-${i}`, 1)), new Date(t0));
    expect(run.scheduler.processed).toHaveLength(100);
    await run.apply([signal('new', 1)], new Date(t0 + retention + 1));
    expect(run.scheduler.processed).toEqual(['new']);
    expect(run.scheduler.processedAt).toEqual([t0 + retention + 1]);
    expect(run.value).toBe(101);
  });
});
