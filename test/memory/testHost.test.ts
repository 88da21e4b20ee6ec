/**
 * The testing host on the samples: orchestrations run in process with virtual time, so the
 * human-interaction sample's 72-hour approval timeout resolves at once.
 */
import '../../samples/humanInteraction';
import '../../samples/functionChaining';
import { TestHost } from '../../src/testing';

describe('testing host (virtual time) on the samples', () => {
  let host: TestHost;
  beforeEach(async () => {
    host = await TestHost.start({ startTime: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => host.stop());

  test('approval in time: the event wins and no escalation runs', async () => {
    const id = await host.client.startNew('ApprovalWorkflow', { input: { requestId: 'r-1' } });
    await host.waitForStatus(id, 'Running');
    await host.client.raiseEvent(id, 'ApprovalEvent', true);
    const status = await host.waitForCompletion(id);
    expect(status.output).toEqual({ requestId: 'r-1', approved: true });
    const names = (await host.history(id)).map((e) => e.EventType);
    expect(names).not.toContain('TimerFired');
  });

  test('no approval: the 72-hour timer fires in virtual time and the request escalates', async () => {
    const started = Date.now();
    const id = await host.client.startNew('ApprovalWorkflow', { input: { requestId: 'r-2' } });
    const status = await host.waitForCompletion(id);
    expect(status.output).toEqual({ requestId: 'r-2', approved: false, escalation: 'escalated r-2 to the manager' });
    expect(status.customStatus).toBe('Escalated');
    // 72 virtual hours passed; the test itself took seconds at most.
    expect(host.clock.now().getTime() - new Date('2026-01-01T00:00:00Z').getTime()).toBeGreaterThanOrEqual(72 * 3600_000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('activity mocks replace the app’s activities for this host', async () => {
    const seen: string[] = [];
    host.mockActivity('SayHello', (city: string) => {
      seen.push(city);
      return `Mocked ${city}`;
    });
    const id = await host.client.startNew('HelloCities');
    const status = await host.waitForCompletion(id);
    expect(seen.length).toBeGreaterThan(0);
    expect((status.output as string[]).every((s) => s.startsWith('Mocked '))).toBe(true);
    expect(() => host.mockActivity('NoSuchActivity', () => 1)).toThrow("the app registers no activity with that name");
  });

  test('waiting on an instance that can only progress through an event fails with a clear message', async () => {
    const id = await host.client.startNew('ApprovalWorkflow', { input: { requestId: 'r-3' } });
    await expect(host.waitForCompletion(id, { skipTimers: false })).rejects.toThrow('nothing is scheduled');
  });
});
