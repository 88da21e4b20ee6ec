import { Backend, OrchestrationWorkItem } from '../backend/backend';
import { CheckpointConflictError, isTransientStorageError } from '../backend/errors';
import { isEntityInstanceId } from '../entities/entityId';
import { runActivityTraced } from './tracedActivity';
import { contextFromStored, inSpan, SpanKind } from './tracing';
import { EntityStep } from '../runtime/entityStep';
import { OrchestrationStep } from '../runtime/orchestrationStep';
import { FunctionRegistry } from '../runtime/registry';
import { Logger, createLogger } from '../util/log';
import { EventType, ExecutionStartedEvent, HistoryEvent } from '../history/events';
import { DurableSettings, TimerLimits } from '../config/settings';
import { MIN_DEDUPE_RETENTION_MS } from '../entities/messages';

export interface EngineOptions {
  workerId: string;
  maxConcurrentOrchestrations: number;
  maxConcurrentActivities: number;
  /** How long entities remember applied request ids (default MIN_DEDUPE_RETENTION_MS). */
  entityDedupeRetentionMs?: number;
  /** When durable timers are split into chains (tests shorten it). */
  timerLimits?: TimerLimits;
}

/** Delay before the messages of a failed work item are delivered again; doubles per attempt. */
const RETRY_FAILED_WORK_ITEM_MS = 1_000;
const MAX_RETRY_DELAY_MS = 30_000;
/**
 * Deliveries after which a work item that keeps failing is a poison message: the orchestration
 * fails with a clear error (or, when that cannot be written either, its messages are parked).
 * The Functions host's queue trigger gives up after the same count (maxDequeueCount 5).
 */
export const MAX_WORK_ITEM_ATTEMPTS = 5;

/**
 * How long `stop()` may take by default. The Functions host gives a worker about 5 s between asking
 * it to shut down and killing it; leave room for the worker's own exit.
 */
export const DEFAULT_STOP_TIMEOUT_MS = 4_000;

function retryDelay(attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, RETRY_FAILED_WORK_ITEM_MS * 2 ** Math.max(0, attempt - 1));
}

/**
 * The durable engine of one worker process: a few dispatcher loops over the backend. Each loop
 * takes a work item, runs it through the runtime core and hands the checkpoint back; everything
 * about storage, ownership and redelivery is the backend's.
 */
export class DurableEngine {
  private readonly log: Logger;
  private readonly orchestrations: OrchestrationStep;
  private readonly entities: EntityStep;
  private readonly loops: Promise<void>[] = [];
  private state: 'new' | 'running' | 'stopped' = 'new';

  /** An engine with the concurrency limits of an app's host.json settings. */
  static fromSettings(backend: Backend, registry: FunctionRegistry, settings: DurableSettings): DurableEngine {
    return new DurableEngine(backend, registry, {
      workerId: settings.workerId,
      maxConcurrentOrchestrations: settings.maxConcurrentOrchestratorFunctions,
      maxConcurrentActivities: settings.maxConcurrentActivityFunctions,
      // A duplicate arrives within about one visibility timeout of the original (see MIN_DEDUPE_RETENTION_MS).
      entityDedupeRetentionMs: Math.max(MIN_DEDUPE_RETENTION_MS, 2 * Math.max(settings.controlQueueVisibilityTimeoutMs, settings.workItemQueueVisibilityTimeoutMs) + 60_000),
      timerLimits: settings.timerLimits,
    });
  }

  constructor(
    readonly backend: Backend,
    readonly registry: FunctionRegistry,
    readonly options: EngineOptions,
  ) {
    this.log = createLogger(`durable:${backend.hubName}:${options.workerId}`);
    this.orchestrations = new OrchestrationStep(registry, this.log, options.timerLimits);
    this.entities = new EntityStep(registry, this.log, options.entityDedupeRetentionMs);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`The engine was already ${this.state}.`);
    this.state = 'running';
    await this.backend.createIfNotExists();
    await this.backend.startWorker({
      workerId: this.options.workerId,
      maxConcurrentOrchestrations: this.options.maxConcurrentOrchestrations,
      maxConcurrentActivities: this.options.maxConcurrentActivities,
    });
    for (let i = 0; i < this.options.maxConcurrentOrchestrations; i++) this.loops.push(this.orchestrationLoop());
    for (let i = 0; i < this.options.maxConcurrentActivities; i++) this.loops.push(this.activityLoop());
    this.log.info(`Engine started on task hub '${this.backend.hubName}'.`);
  }

  /**
   * Graceful stop within `timeoutMs` (default: inside the Functions host's 5 s shutdown grace): the
   * backend stops handing out work, lets in-flight work finish while time allows, releases ownership
   * and gives back (makes visible to other workers) what could not finish. Resolves by the deadline
   * even if an activity's code is still running; its late result is then dropped by the backend.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    await this.backend.stopWorker({ deadline });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
    const finished = await Promise.race([Promise.all(this.loops).then(() => true), late]);
    clearTimeout(timer);
    this.log.info(finished ? 'Engine stopped.' : 'Engine stopped; work that was still running was given back to the task hub.');
  }

  private async orchestrationLoop(): Promise<void> {
    for (;;) {
      const item = await this.backend.nextOrchestrationWorkItem();
      if (!item) return;
      await this.processOrchestration(item);
    }
  }

  private async processOrchestration(item: OrchestrationWorkItem): Promise<void> {
    try {
      const now = this.backend.clock.now();
      if (isEntityInstanceId(item.instanceId)) {
        await this.backend.completeOrchestrationWorkItem(item, await this.entities.run(item, now));
      } else {
        const started = executionStartedOf(item);
        await inSpan(
          `orchestration:${started?.Name ?? ''}`,
          SpanKind.SERVER,
          contextFromStored(started?.ParentTraceContext),
          { 'durabletask.type': 'orchestration', 'durabletask.task.instance_id': item.instanceId },
          (trace) => this.backend.completeOrchestrationWorkItem(item, this.orchestrations.run(item, now, trace)),
        );
      }
    } catch (e) {
      const attempt = Math.max(1, ...item.messages.map((m) => m.dequeueCount));
      if (e instanceof CheckpointConflictError) {
        // Another worker committed first: not a fault of the messages, so no attempt is counted against them.
        this.log.warn(e.message);
      } else if (isTransientStorageError(e)) {
        // Storage is unreachable: retried soon, never counted as a poison attempt (an outage is no bad message).
        this.log.warn(`Work item of instance '${item.instanceId}' could not be committed (storage unavailable: ${(e as Error).message}); retried.`);
        await this.backend.abandonOrchestrationWorkItem(item, RETRY_FAILED_WORK_ITEM_MS).catch(() => undefined);
        return;
      } else if (attempt >= MAX_WORK_ITEM_ATTEMPTS) {
        await this.poison(item, e as Error, attempt);
        return;
      } else {
        // One line per retry; the stack only on the first, so a failing item cannot flood the log.
        const detail = attempt === 1 ? ((e as Error).stack ?? String(e)) : (e as Error).message;
        this.log.warn(`Work item of instance '${item.instanceId}' failed (attempt ${attempt} of ${MAX_WORK_ITEM_ATTEMPTS}), retried in ${retryDelay(attempt)} ms: ${detail}`);
      }
      // The messages stay in the backend and the work item is retried from what was committed.
      await this.backend.abandonOrchestrationWorkItem(item, retryDelay(attempt)).catch((abandonError) => {
        this.log.warn(`Could not give back the work item of '${item.instanceId}': ${(abandonError as Error).message}`);
      });
    }
  }

  /**
   * A work item failed on every delivery. An orchestration ends Failed with the error (visible in
   * its status); when that cannot be committed either, or for entities, the messages are parked.
   */
  private async poison(item: OrchestrationWorkItem, error: Error, attempts: number): Promise<void> {
    const reason = `The work item of instance '${item.instanceId}' failed ${attempts} times; last error: ${error.message}`;
    this.log.error(`${reason}. Giving up on its ${item.messages.length} message(s).`);
    const failure = { ErrorType: 'PoisonWorkItem', ErrorMessage: reason, StackTrace: error.stack ?? null, InnerFailure: null, IsNonRetriable: true, Properties: null };
    const checkpoint = isEntityInstanceId(item.instanceId) ? undefined : this.orchestrations.fail(item, failure, this.backend.clock.now());
    if (checkpoint) {
      try {
        await this.backend.completeOrchestrationWorkItem(item, checkpoint);
        return;
      } catch (e) {
        this.log.error(`Could not record the failure of '${item.instanceId}' (${(e as Error).message}); parking its messages.`);
      }
    }
    await this.backend.parkOrchestrationWorkItem(item, reason).catch((e) => {
      this.log.error(`Could not park the messages of '${item.instanceId}': ${(e as Error).message}`);
    });
  }

  private async activityLoop(): Promise<void> {
    for (;;) {
      const item = await this.backend.nextActivityWorkItem();
      if (!item) return;
      const answer = await runActivityTraced(this.registry, item.instance.InstanceId, item.event);
      try {
        await this.backend.completeActivityWorkItem(item, answer);
      } catch (e) {
        this.log.error(`Activity '${item.event.Name}' of '${item.instance.InstanceId}' could not be completed: ${(e as Error).message}`);
        await this.backend.abandonActivityWorkItem(item, RETRY_FAILED_WORK_ITEM_MS).catch(() => undefined);
      }
    }
  }
}

/** The ExecutionStarted of the execution a work item runs: in its history, or among its new messages. */
function executionStartedOf(item: OrchestrationWorkItem): ExecutionStartedEvent | undefined {
  const isStart = (e: HistoryEvent): e is ExecutionStartedEvent => e.EventType === EventType.ExecutionStarted;
  return item.history.find(isStart) ?? item.messages.map((m) => m.event).find(isStart);
}
