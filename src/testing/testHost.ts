import { MemoryBackend } from '../backend/memory/memoryBackend';
import { DurableClient } from '../client/durableClient';
import { DurableOrchestrationStatus } from '../client/status';
import { DurableEngine } from '../engine/engine';
import { EventType, HistoryEvent } from '../history/events';
import { isTerminal } from '../history/status';
import { ActivityHandler, FunctionRegistry, registry as appRegistry } from '../runtime/registry';
import { TestRegistry } from './testRegistry';
import { VirtualClock } from './virtualClock';

export interface TestHostOptions {
  /** Functions to run; by default every function the app registered through `df.app.*`. */
  registry?: FunctionRegistry;
  /** Where virtual time starts (default: the real time at start). */
  startTime?: Date;
}

export interface WaitOptions {
  /** Skip durable timers whenever nothing else can run (default true). */
  skipTimers?: boolean;
  /** Real milliseconds to wait before giving up (default 10 s). */
  timeoutMs?: number;
}

/** A history event with its type as a name, for readable assertions. */
export type NamedHistoryEvent = Omit<HistoryEvent, 'EventType'> & { EventType: keyof typeof EventType };

/**
 * Runs an app's orchestrations, activities and entities in this process on the in-memory backend,
 * with a virtual clock: a 72-hour durable timer fires as soon as nothing else can happen.
 */
export class TestHost {
  readonly clock: VirtualClock;
  readonly backend: MemoryBackend;
  readonly client: DurableClient;
  private readonly registry: TestRegistry;
  private readonly engine: DurableEngine;

  private constructor(options: TestHostOptions) {
    this.clock = new VirtualClock(options.startTime);
    this.backend = new MemoryBackend({ hubName: 'TestHub', clock: this.clock });
    this.registry = new TestRegistry(options.registry ?? appRegistry);
    this.client = new DurableClient(this.backend, this.registry);
    this.engine = new DurableEngine(this.backend, this.registry, { workerId: 'test-host', maxConcurrentOrchestrations: 4, maxConcurrentActivities: 4 });
  }

  static async start(options: TestHostOptions = {}): Promise<TestHost> {
    const host = new TestHost(options);
    await host.engine.start();
    return host;
  }

  async stop(): Promise<void> {
    await this.engine.stop();
  }

  /** Replaces an activity of the app for this host (the app's own handler is not called). */
  mockActivity(name: string, handler: ActivityHandler): void {
    this.registry.mockActivity(name, handler);
  }

  /** Moves virtual time forward; timers due by then fire. */
  advanceTime(ms: number): void {
    this.clock.advanceBy(ms);
  }

  /** Waits until the instance finishes (Completed, Failed, Terminated), skipping timers while idle. */
  waitForCompletion(instanceId: string, options: WaitOptions = {}): Promise<DurableOrchestrationStatus> {
    return this.waitFor(instanceId, (s) => isTerminal(s.runtimeStatus), 'finish', options);
  }

  /** Waits until the instance has the given status (e.g. 'Running' before raising an event). */
  waitForStatus(instanceId: string, status: string, options: WaitOptions = {}): Promise<DurableOrchestrationStatus> {
    return this.waitFor(instanceId, (s) => s.runtimeStatus === status, `reach ${status}`, options);
  }

  /** Waits until nothing can run without time passing (every instance is waiting on a timer or an event). */
  async waitForIdle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.settled())) {
      if (Date.now() > deadline) throw new Error(`The test host did not become idle within ${timeoutMs} ms.`);
    }
  }

  /** The instance's history with event type names. */
  async history(instanceId: string): Promise<NamedHistoryEvent[]> {
    const events = await this.backend.getHistory(instanceId);
    return events.map((e) => ({ ...e, EventType: EventType[e.EventType] as keyof typeof EventType }));
  }

  private async waitFor(
    instanceId: string,
    done: (s: DurableOrchestrationStatus) => boolean,
    what: string,
    options: WaitOptions,
  ): Promise<DurableOrchestrationStatus> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const status = await this.client.tryGetStatus(instanceId);
      if (status && done(status)) return status;
      if (Date.now() > deadline) {
        throw new Error(`Instance '${instanceId}' did not ${what} in time; it is ${status?.runtimeStatus ?? 'unknown'} at virtual time ${this.clock.now().toISOString()}.`);
      }
      if (await this.settled()) {
        const due = options.skipTimers === false ? undefined : this.backend.nextDueTime();
        if (!due) {
          const latest = await this.client.tryGetStatus(instanceId);
          if (latest && done(latest)) return latest;
          throw new Error(`Instance '${instanceId}' cannot ${what}: it is ${latest?.runtimeStatus ?? 'unknown'} and nothing is scheduled (is it waiting for an event?).`);
        }
        this.clock.advanceTo(due);
      }
    }
  }

  /** Lets the engine run, then says whether it is idle. */
  private async settled(): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.backend.isIdle();
  }
}
