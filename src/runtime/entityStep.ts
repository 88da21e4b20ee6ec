import { instanceLogHandler } from '../util/hostLog';
import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'crypto';
import { EventRaisedEvent, EventType, ExecutionStartedEvent, HistoryEvent, OrchestrationInstance, newEvent } from '../history/events';
import { Checkpoint, OrchestrationWorkItem, OutboundMessage } from '../backend/backend';
import { InstanceState } from '../history/instanceState';
import { FunctionRegistry } from './registry';
import { derivedExecutionId } from './executionIds';
import { fromJsonText, toJsonText } from '../util/json';
import { Logger } from '../util/log';
import { uuidV5 } from '../util/uuid';
import { DurableEntityContext, EntityContext } from '../entities/context';
import { EntityId, entityInstanceId } from '../entities/entityId';
import {
  LOCK_GRANTED,
  OPERATION_EVENT,
  MIN_DEDUPE_RETENTION_MS,
  RELEASE_EVENT,
  ReleaseMessage,
  RequestMessage,
  ResponseMessage,
  SchedulerState,
  parseSchedulerState,
  serializeSchedulerState,
} from '../entities/messages';

/**
 * The runtime core of one entity work item: applies a batch of operations in delivery order; a
 * request from another orchestration than the lock holder waits in the entity's queue. The new
 * state is committed as a fresh execution (history rows 0.., the scheduler state as its input), so
 * an entity's history never grows. The checkpoint goes through the same backend commit as an
 * orchestration's.
 */
export class EntityStep {
  constructor(
    private readonly registry: FunctionRegistry,
    private readonly log: Logger,
    /** How long applied request ids are remembered (see MIN_DEDUPE_RETENTION_MS). */
    private readonly dedupeRetentionMs: number = MIN_DEDUPE_RETENTION_MS,
  ) {}

  async run(item: OrchestrationWorkItem, now: Date): Promise<Checkpoint> {
    const instanceId = item.instanceId;
    const entity = EntityId.fromInstanceId(instanceId);
    const previous = item.history.find((e): e is ExecutionStartedEvent => e.EventType === EventType.ExecutionStarted);
    const scheduler = parseSchedulerState(previous?.Input);
    const outbound: OutboundMessage[] = [];
    // Derived from the batch, so a retried work item writes the same execution id.
    const self: OrchestrationInstance = { InstanceId: instanceId, ExecutionId: derivedExecutionId(`${instanceId}:${item.messages.map((m) => m.id).join(',')}`) };
    const batch = new EntityBatch(entity, scheduler, this.registry, outbound, self, this.log, now, this.dedupeRetentionMs);
    for (const m of item.messages) {
      const event = m.event;
      if (event.EventType !== EventType.EventRaised) continue; // ExecutionStarted and others carry nothing for an entity
      await batch.receive(event);
    }
    // The first start's time is carried forward: it is the entity's creation time.
    const createdTime = previous ? new Date(previous.Timestamp) : now;
    if (item.messages.length === 0) {
      // Only redeliveries of committed messages: make sure the state row says what history says.
      const restored = item.restoreState && previous && item.executionId ? this.state(instanceId, entity.name, item.executionId, previous.Input ?? '', createdTime, now) : undefined;
      return { outbox: [], consumed: [], deferred: [], state: restored };
    }
    const input = serializeSchedulerState(batch.state);
    const history: HistoryEvent[] = [
      newEvent({ EventType: EventType.OrchestratorStarted }, now),
      newEvent({ EventType: EventType.ExecutionStarted, OrchestrationInstance: self, Name: entity.name, Version: '', Input: input }, createdTime),
      newEvent({ EventType: EventType.OrchestratorCompleted }, now),
    ];
    return {
      outbox: outbound,
      history: { executionId: self.ExecutionId, firstRow: 0, events: history },
      state: this.state(instanceId, entity.name, self.ExecutionId, input, createdTime, now),
      consumed: item.messages,
      deferred: [],
    };
  }

  private state(instanceId: string, name: string, executionId: string, input: string, createdTime: Date, now: Date): InstanceState {
    return { instanceId, name, version: '', executionId, input, runtimeStatus: 'Running', createdTime, lastUpdatedTime: now, generation: 0, tags: null, parentInstanceId: '' };
  }
}

/** Event name of a scheduled signal: "op@" + its due time (ISO 8601, UTC). */
const SCHEDULED_OPERATION_PREFIX = `${OPERATION_EVENT}@`;
/** A scheduled signal this close to its time runs now (queue delays are coarse). */
const EARLY_SIGNAL_TOLERANCE_MS = 1000;

/** Namespace of the ids of signals that entity operations send. */
const SIGNAL_ID_NAMESPACE = '6f1d4a62-8b51-4c9e-9d1e-0c3b7f5a2e41';

class EntityBatch {
  constructor(
    private readonly entity: EntityId,
    readonly state: SchedulerState,
    private readonly registry: FunctionRegistry,
    private readonly outbound: OutboundMessage[],
    private readonly self: OrchestrationInstance,
    private readonly log: Logger,
    private readonly now: Date,
    dedupeRetentionMs: number,
  ) {
    state.queue ??= [];
    // Forget ids older than the retention (ids from states written before times were kept count as applied now).
    const processed = (state.processed ??= []);
    const times = (state.processedAt ??= []);
    if (times.length < processed.length) times.unshift(...new Array<number>(processed.length - times.length).fill(now.getTime()));
    let expired = 0;
    while (expired < times.length && times[expired] < now.getTime() - dedupeRetentionMs) expired++;
    processed.splice(0, expired);
    times.splice(0, expired);
    this.seen = new Set(processed);
  }

  private readonly seen: Set<string>;

  async receive(event: EventRaisedEvent): Promise<void> {
    const name = event.Name;
    let body: unknown;
    try {
      body = fromJsonText(event.Input, `entity message '${name}'`);
    } catch (e) {
      this.log.error(`Entity ${entityInstanceId(this.entity)}: dropping malformed '${name}' message: ${(e as Error).message}`);
      return;
    }
    if (name === RELEASE_EVENT) {
      const release = body as ReleaseMessage;
      if (this.state.lockedBy && release?.parent === this.state.lockedBy) {
        this.state.lockedBy = null;
        await this.drainQueue();
      }
      return;
    }
    if (name.startsWith(SCHEDULED_OPERATION_PREFIX) && body && typeof body === 'object') {
      // A signal scheduled for later (DT.Core / the extension name it "op@<UTC time>"); the queue
      // normally delivers it at that time. One that arrives early is sent back to wait for it.
      const due = Date.parse(name.slice(SCHEDULED_OPERATION_PREFIX.length));
      if (Number.isNaN(due)) {
        this.log.warn(`Entity ${entityInstanceId(this.entity)}: ignoring event '${name}' (unreadable time).`);
        return;
      }
      if (due > this.now.getTime() + EARLY_SIGNAL_TOLERANCE_MS) {
        this.outbound.push({
          instance: { InstanceId: entityInstanceId(this.entity), ExecutionId: '' },
          target: 'control',
          event: { ...event },
          sender: this.self,
          delayMs: due - this.now.getTime(),
        });
        return;
      }
    } else if (name !== OPERATION_EVENT || !body || typeof body !== 'object') {
      this.log.warn(`Entity ${entityInstanceId(this.entity)}: ignoring event '${name}'.`);
      return;
    }
    const request = body as RequestMessage;
    if (this.state.lockedBy && request.parent !== this.state.lockedBy) {
      this.state.queue!.push(request);
      return;
    }
    await this.execute(request);
  }

  /** Runs queued requests in order until one is blocked by a new lock holder. */
  private async drainQueue(): Promise<void> {
    const queue = this.state.queue!;
    while (queue.length > 0) {
      const next = queue[0];
      if (this.state.lockedBy && next.parent !== this.state.lockedBy) return;
      queue.shift();
      await this.execute(next);
    }
  }

  private async execute(request: RequestMessage): Promise<void> {
    // Orchestrations and entities re-send the same request id after a crash: apply it once.
    if (request.id && this.seen.has(request.id)) return;
    if (request.id) {
      this.seen.add(request.id);
      this.state.processed!.push(request.id);
      this.state.processedAt!.push(this.now.getTime());
    }
    if (!request.op && request.lockset) {
      this.grantLock(request);
      return;
    }
    const response = await this.runOperation(request);
    if (!request.signal && request.parent) {
      this.send(request.parent, request.id, toJsonText(response));
    }
  }

  private grantLock(request: RequestMessage): void {
    const lockset = request.lockset!;
    const pos = request.pos ?? 0;
    this.state.lockedBy = request.parent ?? null;
    if (pos + 1 < lockset.length) {
      const next = lockset[pos + 1];
      const forward: RequestMessage = { ...request, pos: pos + 1 };
      this.send(entityInstanceId(next), OPERATION_EVENT, toJsonText(forward));
    } else if (request.parent) {
      const granted: ResponseMessage = { result: JSON.stringify(LOCK_GRANTED), exceptionType: null };
      this.send(request.parent, request.id, toJsonText(granted));
    }
  }

  private async runOperation(request: RequestMessage): Promise<ResponseMessage> {
    const op = String(request.op);
    const registered = this.registry.entity(this.entity.name);
    if (!registered) {
      return { result: JSON.stringify(`The entity function '${this.entity.name}' is not registered in this function app.`), exceptionType: 'EntityFunctionNotFound' };
    }
    let input: unknown;
    let previous: unknown;
    try {
      input = fromJsonText(request.input, `input of operation '${op}'`);
      // Each operation sees its own copy, so a failed operation cannot leave partial changes behind.
      previous = this.state.exists ? fromJsonText(this.state.state, 'entity state') : undefined;
    } catch (e) {
      return { result: JSON.stringify((e as Error).message), exceptionType: 'Error' };
    }
    const df = new DurableEntityContext(this.entity, op, input, this.state.exists, previous);
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: registered.name,
      logHandler: instanceLogHandler(registered.name, entityInstanceId(this.entity)),
    }) as EntityContext;
    context.df = df;
    try {
      await registered.handler(context);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      return { result: JSON.stringify(error.message), exceptionType: error.name || 'Error' };
    }
    const effects = df.finish();
    const stateText = effects.exists ? toJsonText(effects.state) : null;
    this.state.exists = effects.exists;
    this.state.state = stateText;
    effects.signals.forEach((signal, index) => {
      // Derived from the request that caused it, so a retried batch re-sends the same id.
      const id = uuidV5(`${request.id}:${index}`, SIGNAL_ID_NAMESPACE);
      const message: RequestMessage = { op: signal.operationName, signal: true, input: toJsonText(signal.input), id, parent: null };
      this.send(entityInstanceId(signal.entity), OPERATION_EVENT, toJsonText(message));
    });
    return { result: toJsonText(effects.result), exceptionType: null };
  }

  private send(instanceId: string, eventName: string, input: string | null): void {
    this.outbound.push({
      instance: { InstanceId: instanceId, ExecutionId: '' },
      target: 'control',
      event: newEvent({ EventType: EventType.EventRaised, Name: eventName, Input: input }, this.now),
      sender: this.self,
    });
  }
}
