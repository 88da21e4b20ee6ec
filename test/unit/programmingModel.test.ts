import { stripDurableBindings } from '../../src/app/hostIntegration';
import { durableClient } from '../../src/app/input';
import { EventType, HistoryEvent, newEvent } from '../../src/history/events';
import { runOrchestrator } from '../../src/orchestration/runOrchestrator';
import { OrchestrationContext } from '../../src/orchestration/context';

describe('programming model', () => {
  test('durable client inputs never reach the Functions host metadata', () => {
    const input = durableClient();
    expect(input.type).toBe('durableClient');
    const stripped = stripDurableBindings({
      name: 'Starter',
      bindings: {
        httpTrigger1: { type: 'httpTrigger', direction: 'in' },
        [input.name]: { type: 'durableClient', direction: 'in' },
        $return: { type: 'http', direction: 'out' },
      },
    });
    expect(Object.values(stripped.bindings).map((b) => b.type)).toEqual(['httpTrigger', 'http']);
  });

  test('context.log is silent while replaying and writes for new work', () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
    try {
      const fn = function* (context: OrchestrationContext) {
        context.log('before A');
        yield context.df.callActivity('A');
        context.log('after A');
      };
      const t = new Date('2026-01-01T00:00:00Z');
      const started: HistoryEvent[] = [
        newEvent({ EventType: EventType.OrchestratorStarted }, t),
        newEvent({ EventType: EventType.ExecutionStarted, OrchestrationInstance: { InstanceId: 'i', ExecutionId: 'e' }, Name: 'O', Version: '', Input: null }, t),
        newEvent({ EventType: EventType.TaskScheduled, EventId: 0, Name: 'A', Version: '', Input: null }, t),
      ];
      runOrchestrator('O', fn, started, [newEvent({ EventType: EventType.OrchestratorStarted }, t), newEvent({ EventType: EventType.TaskCompleted, TaskScheduledId: 0, Result: null }, t)]);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['[O] [i] after A']);
  });
});
