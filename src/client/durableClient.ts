import { HttpRequest, HttpResponse } from '@azure/functions';
import { FunctionRegistry } from '../runtime/registry';
import { EventType, HistoryEvent, OrchestrationInstance, newEvent } from '../history/events';
import { ACTIVE_STATUSES, TERMINAL_STATUSES, isActive, isTerminal } from '../history/status';
import { Backend } from '../backend/backend';
import { InstanceNotFoundError } from '../backend/errors';
import { toJsonText } from '../util/json';
import { newCompactId } from '../util/uuid';
import { sleep } from '../util/sleep';
import { randomUUID } from 'crypto';
import { EntityId, entityInstanceId } from '../entities/entityId';
import { OPERATION_EVENT, RELEASE_EVENT, ReleaseMessage, RequestMessage, parseSchedulerState } from '../entities/messages';
import { fromJsonText } from '../util/json';
import { validateInstanceId, validateOrchestrationInstanceId } from './instanceId';
import { DurableOrchestrationStatus, OrchestrationRuntimeStatus, toStatus } from './status';
import { HttpManagementPayload, WEBHOOK_PATH, keyForCaller, managementPayload, managementBaseUrl } from './managementUrls';
import { HeadersLike } from './managementAuth';
import { OrchestrationFilter } from './orchestrationFilter';
import { historyView } from './historyView';
import { SpanKind, inSpan, startParentContext } from '../engine/tracing';

export interface StartNewOptions {
  instanceId?: string;
  input?: unknown;
  /** Version recorded on the instance; the orchestrator reads it as context.df.version. */
  version?: string;
}

/** Routes a client call to another task hub and/or storage connection (an app setting name). */
export interface TaskHubOptions {
  taskHubName?: string;
  connectionName?: string;
}

/** Builds the client of another task hub or connection (set by the runtime; standalone clients have none). */
export type HubClientResolver = (options: TaskHubOptions) => DurableClient;

export interface GetStatusOptions {
  showHistory?: boolean;
  showHistoryOutput?: boolean;
  /** Our addition (the dashboard's timeline): the history as stored events instead of the extension's view. */
  rawHistory?: boolean;
  showInput?: boolean;
}

export interface WaitForCompletionOptions {
  timeoutInMilliseconds?: number;
  retryIntervalInMilliseconds?: number;
}

/** Where the client's management URLs point, and the key they carry. */
export interface ManagementSettings {
  baseUrl?: string;
  webhookPath?: string;
  systemKey?: string;
  connectionName?: string;
}

/** readEntityState's answer, as durable-functions' EntityStateResponse. */
export class EntityStateResponse<T> {
  constructor(
    public entityExists: boolean,
    public entityState?: T,
  ) {}
}

export interface EntityQuery {
  entityName?: string;
  lastOperationFrom?: Date;
  pageSize?: number;
  continuationToken?: string;
  fetchState?: boolean;
  includeDeleted?: boolean;
}

export interface EntityMetadata {
  entityId: EntityId;
  lastOperationTime: Date;
  lockedBy?: string;
  backlogQueueSize: number;
  state?: unknown;
}

export interface EntityQueryResult {
  entities: EntityMetadata[];
  continuationToken?: string;
}

export interface CleanEntityStorageResult {
  numberOfEmptyEntitiesRemoved: number;
  numberOfOrphanedLocksRemoved: number;
}

/** Result of a purge, as durable-functions' PurgeHistoryResult. */
export class PurgeHistoryResult {
  constructor(readonly instancesDeleted: number) {}
}

/** Starts and manages orchestration instances of one task hub, as durable-functions' DurableClient. */
export class DurableClient {
  /** @internal */
  constructor(
    readonly backend: Backend,
    /** When given, startNew rejects orchestrator names this app does not define. */
    private readonly registry?: FunctionRegistry,
    private readonly management: ManagementSettings = {},
    private readonly resolveHub?: HubClientResolver,
  ) {}

  get taskHubName(): string {
    return this.backend.hubName;
  }

  /** Origins of the management URLs this client hands out (the SDK's field). */
  get uniqueWebhookOrigins(): string[] {
    const payload = this.createHttpManagementPayload('INSTANCEID');
    return [...new Set(Object.values(payload).filter((v) => /^https?:\/\//.test(v)).map((v) => new URL(v).origin))];
  }

  /** This client, or the one of the task hub / connection the options name. */
  private routed(options: TaskHubOptions | undefined): DurableClient {
    if (!options || ((!options.taskHubName || options.taskHubName === this.backend.hubName) && !options.connectionName)) return this;
    if (!this.resolveHub) {
      throw new Error('This client cannot reach other task hubs or connections (taskHubName/connectionName options); create a client for that hub instead.');
    }
    return this.resolveHub({ taskHubName: options.taskHubName ?? this.backend.hubName, connectionName: options.connectionName });
  }

  async startNew(orchestratorFunctionName: string, options: StartNewOptions = {}): Promise<string> {
    if (typeof orchestratorFunctionName !== 'string' || orchestratorFunctionName.length === 0) {
      throw new TypeError('startNew requires the name of an orchestrator function.');
    }
    let name = orchestratorFunctionName;
    if (this.registry) {
      const registered = this.registry.orchestration(orchestratorFunctionName);
      if (!registered) {
        throw new Error(`The function '${orchestratorFunctionName}' doesn't exist, is disabled, or is not an orchestrator function.`);
      }
      name = registered.name;
    }
    const instanceId = options.instanceId ?? newCompactId();
    validateInstanceId(instanceId);
    if (options.version !== undefined && typeof options.version !== 'string') throw new TypeError('startNew: version must be a string.');
    return this.createInstance(name, instanceId, toJsonText(options.input), options.version);
  }

  /** Deletes every table, queue and container of the task hub (all instances and their history). */
  async deleteTaskHub(onProgress?: (artifact: string) => void): Promise<void> {
    await this.backend.deleteTaskHub(onProgress);
  }

  /** Starts a finished instance again with its original input, by default under a new instance id. */
  async restart(instanceId: string, restartWithNewInstanceId = true): Promise<string> {
    validateOrchestrationInstanceId(instanceId, 'restart');
    const state = await this.requireInstance(instanceId);
    const newId = restartWithNewInstanceId ? newCompactId() : instanceId;
    return this.createInstance(state.name, newId, state.input ?? null);
  }

  /** Replays a Failed instance from its failures: failed tasks run again, completed ones are kept. */
  async rewind(instanceId: string, reason: string, options?: TaskHubOptions): Promise<void> {
    if (this.routed(options) !== this) return this.routed(options).rewind(instanceId, reason);
    validateOrchestrationInstanceId(instanceId, 'rewind');
    const state = await this.requireInstance(instanceId);
    if (state.runtimeStatus !== 'Failed') {
      throw new Error(`Instance '${instanceId}' is ${state.runtimeStatus}; only Failed instances can be rewound.`);
    }
    await this.backend.rewindInstance(instanceId, state.executionId, reason ?? '');
  }

  private async createInstance(name: string, instanceId: string, input: string | null, version = ''): Promise<string> {
    const instance: OrchestrationInstance = { InstanceId: instanceId, ExecutionId: newCompactId() };
    const parent = startParentContext(this.invocationTrace?.traceParent, this.invocationTrace?.traceState);
    await inSpan(`create_orchestration:${name}`, SpanKind.PRODUCER, parent, { 'durabletask.task.instance_id': instanceId }, async (trace) => {
      const start = newEvent(
        {
          EventType: EventType.ExecutionStarted,
          OrchestrationInstance: instance,
          Name: name,
          Version: version,
          Input: input,
          Generation: 0,
          GenerateNewTrace: false,
          ...(trace ? { ParentTraceContext: trace } : {}),
        },
        this.backend.clock.now(),
      );
      await this.backend.createInstance(start, { refuseIfStatus: ACTIVE_STATUSES });
    });
    return instanceId;
  }

  /**
   * @internal The trace context of the function invocation this client was obtained in
   * (df.getClient(context)); a start made through it joins that trace.
   */
  invocationTrace: { traceParent?: string; traceState?: string } | undefined;

  /**
   * The status of an instance. Like durable-functions, an unknown instance is an error; use
   * tryGetStatus to get undefined instead.
   */
  async getStatus(instanceId: string, options: GetStatusOptions = {}): Promise<DurableOrchestrationStatus> {
    const status = await this.tryGetStatus(instanceId, options);
    if (!status) {
      throw new Error(
        `DurableClient error: no instance with ID '${instanceId}' was found in task hub '${this.backend.hubName}'. ` +
          `This usually means we could not find any data associated with the instanceId provided: ${instanceId}.`,
      );
    }
    return status;
  }

  /** The status of an instance, or undefined when the task hub has no such instance. */
  async tryGetStatus(instanceId: string, options: GetStatusOptions = {}): Promise<DurableOrchestrationStatus | undefined> {
    validateInstanceId(instanceId, true);
    const state = await this.backend.getInstance(instanceId);
    if (!state) return undefined;
    let history: unknown[] | undefined;
    if (options.showHistory) {
      const events = await this.backend.getHistory(instanceId);
      history = options.rawHistory ? events.map((e) => rawHistoryRow(e, !!options.showHistoryOutput)) : historyView(events, !!options.showHistoryOutput);
    }
    return toStatus(state, { showInput: options.showInput, history });
  }

  /**
   * @internal The raw history rows of an instance (DurableTask's events, enum names), what
   * `func durable get-history` prints; the HTTP API's showHistory uses the extension's view instead.
   */
  async getRawHistory(instanceId: string): Promise<Record<string, unknown>[] | undefined> {
    validateInstanceId(instanceId, true);
    if (!(await this.backend.getInstance(instanceId))) return undefined;
    return (await this.backend.getHistory(instanceId)).map((e) => rawHistoryRow(e, true));
  }

  /** Every instance of the task hub (all pages). */
  async getStatusAll(): Promise<DurableOrchestrationStatus[]> {
    return this.getStatusBy({});
  }

  /** Instances matching the filter; without a continuationToken all pages are read. */
  async getStatusBy(filter: OrchestrationFilter): Promise<DurableOrchestrationStatus[]> {
    const out: DurableOrchestrationStatus[] = [];
    let token = filter.continuationToken;
    do {
      const page = await this.backend.queryInstances({ ...filter, continuationToken: token });
      out.push(...page.instances.map((s) => toStatus(s)));
      token = page.continuationToken;
    } while (token && filter.continuationToken === undefined);
    return out;
  }

  /** One page of instances and the token of the next (for the HTTP API's x-ms-continuation-token). */
  async listInstances(filter: OrchestrationFilter): Promise<{ statuses: DurableOrchestrationStatus[]; continuationToken?: string }> {
    const page = await this.backend.queryInstances(filter);
    return { statuses: page.instances.map((s) => toStatus(s)), continuationToken: page.continuationToken };
  }

  /** Deletes the instance row, its history rows and its blobs. */
  async purgeInstanceHistory(instanceId: string): Promise<PurgeHistoryResult> {
    validateInstanceId(instanceId, true);
    const state = await this.backend.getInstance(instanceId);
    if (!state) return new PurgeHistoryResult(0);
    if (!isTerminal(state.runtimeStatus)) {
      throw new Error(`Instance '${instanceId}' is ${state.runtimeStatus}; only completed, failed or terminated instances can be purged.`);
    }
    return new PurgeHistoryResult((await this.backend.purgeInstance(instanceId, state.etag)) ? 1 : 0);
  }

  /** Purges finished instances created in the time range (non-terminal statuses are never purged). */
  async purgeInstanceHistoryBy(filter: OrchestrationFilter, onProgress?: (deleted: number) => void): Promise<PurgeHistoryResult> {
    if (!filter.createdTimeFrom) throw new Error('purgeInstanceHistoryBy requires createdTimeFrom.');
    const terminal = [...TERMINAL_STATUSES] as OrchestrationRuntimeStatus[];
    const requested = filter.runtimeStatus?.length ? filter.runtimeStatus : terminal;
    const statuses = requested.filter((s) => isTerminal(s));
    if (statuses.length === 0) return new PurgeHistoryResult(0);
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.backend.queryInstances({ ...filter, runtimeStatus: statuses, continuationToken: token, pageSize: 100 });
      for (const state of page.instances) {
        if (await this.backend.purgeInstance(state.instanceId, state.etag)) deleted++;
        onProgress?.(deleted);
      }
      token = page.continuationToken;
    } while (token);
    return new PurgeHistoryResult(deleted);
  }

  /** One-way operation on an entity; the entity is created by its first operation. */
  async signalEntity(entityId: EntityId, operationName?: string, operationContent?: unknown, options?: TaskHubOptions): Promise<void> {
    if (this.routed(options) !== this) return this.routed(options).signalEntity(entityId, operationName, operationContent);
    if (!(entityId instanceof EntityId)) throw new TypeError('signalEntity requires an EntityId (new df.EntityId(name, key)).');
    validateInstanceId(entityInstanceId(entityId), true);
    const op = operationName ?? '';
    const request: RequestMessage = { op, signal: true, input: toJsonText(operationContent), id: randomUUID(), parent: null, timestamp: new Date().toISOString() };
    await this.backend.sendMessage({
      instance: { InstanceId: entityInstanceId(entityId), ExecutionId: '' },
      target: 'control',
      event: newEvent({ EventType: EventType.EventRaised, Name: OPERATION_EVENT, Input: toJsonText(request) }),
    });
  }

  async readEntityState<T = unknown>(entityId: EntityId, options?: TaskHubOptions): Promise<EntityStateResponse<T>> {
    if (this.routed(options) !== this) return this.routed(options).readEntityState<T>(entityId);
    if (!(entityId instanceof EntityId)) throw new TypeError('readEntityState requires an EntityId.');
    const state = await this.backend.getInstance(entityInstanceId(entityId));
    const scheduler = parseSchedulerState(state?.input);
    return new EntityStateResponse<T>(scheduler.exists, scheduler.exists ? (fromJsonText(scheduler.state) as T) : undefined);
  }

  /** Entities of the task hub (optionally of one entity name), one page at a time. */
  async listEntities(query: EntityQuery = {}): Promise<EntityQueryResult> {
    const prefix = query.entityName ? `@${query.entityName.toLowerCase()}@` : '@';
    const page = await this.backend.queryInstances({
      instanceIdPrefix: prefix,
      pageSize: query.pageSize,
      continuationToken: query.continuationToken,
    });
    const entities: EntityMetadata[] = [];
    for (const instance of page.instances) {
      const scheduler = parseSchedulerState(instance.input);
      if (!scheduler.exists && !query.includeDeleted) continue;
      if (query.lastOperationFrom && instance.lastUpdatedTime < query.lastOperationFrom) continue;
      entities.push({
        entityId: EntityId.fromInstanceId(instance.instanceId),
        lastOperationTime: instance.lastUpdatedTime,
        lockedBy: scheduler.lockedBy ?? undefined,
        backlogQueueSize: scheduler.queue?.length ?? 0,
        state: query.fetchState && scheduler.exists ? fromJsonText(scheduler.state) : undefined,
      });
    }
    return { entities, continuationToken: page.continuationToken };
  }

  /**
   * Removes entities that have no state, no queued requests and no lock, and releases locks held
   * by orchestrations that no longer run.
   */
  async cleanEntityStorage(removeEmptyEntities = true, releaseOrphanedLocks = true): Promise<CleanEntityStorageResult> {
    let numberOfEmptyEntitiesRemoved = 0;
    let numberOfOrphanedLocksRemoved = 0;
    let token: string | undefined;
    do {
      const page = await this.backend.queryInstances({ instanceIdPrefix: '@', continuationToken: token, pageSize: 100 });
      for (const instance of page.instances) {
        const scheduler = parseSchedulerState(instance.input);
        if (releaseOrphanedLocks && scheduler.lockedBy) {
          const holder = await this.backend.getInstance(scheduler.lockedBy);
          if (!holder || !isActive(holder.runtimeStatus)) {
            const release: ReleaseMessage = { parent: scheduler.lockedBy, id: 'orphaned-lock' };
            await this.backend.sendMessage({
              instance: { InstanceId: instance.instanceId, ExecutionId: '' },
              target: 'control',
              event: newEvent({ EventType: EventType.EventRaised, Name: RELEASE_EVENT, Input: toJsonText(release) }),
            });
            numberOfOrphanedLocksRemoved++;
          }
        }
        if (removeEmptyEntities && !scheduler.exists && !scheduler.lockedBy && (scheduler.queue?.length ?? 0) === 0) {
          if (await this.backend.purgeInstance(instance.instanceId, instance.etag)) numberOfEmptyEntitiesRemoved++;
        }
      }
      token = page.continuationToken;
    } while (token);
    return { numberOfEmptyEntitiesRemoved, numberOfOrphanedLocksRemoved };
  }

  async raiseEvent(instanceId: string, eventName: string, eventData?: unknown, options?: TaskHubOptions): Promise<void> {
    if (this.routed(options) !== this) return this.routed(options).raiseEvent(instanceId, eventName, eventData);
    validateOrchestrationInstanceId(instanceId, 'raiseEvent');
    if (typeof eventName !== 'string' || eventName.length === 0) throw new TypeError('raiseEvent requires an event name.');
    const state = await this.requireInstance(instanceId);
    await this.backend.sendMessage({
      instance: { InstanceId: instanceId, ExecutionId: state.executionId },
      target: 'control',
      event: newEvent({ EventType: EventType.EventRaised, Name: eventName, Input: toJsonText(eventData) }),
    });
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    validateOrchestrationInstanceId(instanceId, 'terminate');
    const state = await this.requireInstance(instanceId);
    if (isTerminal(state.runtimeStatus)) return;
    await this.backend.sendMessage({
      instance: { InstanceId: instanceId, ExecutionId: state.executionId },
      target: 'control',
      event: newEvent({ EventType: EventType.ExecutionTerminated, Input: toJsonText(reason) }),
    });
  }

  /** Suspends a running instance: it records new events but does not act on them until resumed. */
  async suspend(instanceId: string, reason: string): Promise<void> {
    await this.sendLifecycleEvent(instanceId, EventType.ExecutionSuspended, reason);
  }

  async resume(instanceId: string, reason: string): Promise<void> {
    await this.sendLifecycleEvent(instanceId, EventType.ExecutionResumed, reason);
  }

  private async sendLifecycleEvent(
    instanceId: string,
    type: EventType.ExecutionSuspended | EventType.ExecutionResumed,
    reason: string,
  ): Promise<void> {
    validateOrchestrationInstanceId(instanceId, type === EventType.ExecutionSuspended ? 'suspend' : 'resume');
    const state = await this.requireInstance(instanceId);
    if (isTerminal(state.runtimeStatus)) {
      throw new Error(`Instance '${instanceId}' is ${state.runtimeStatus} and cannot be ${type === EventType.ExecutionSuspended ? 'suspended' : 'resumed'}.`);
    }
    await this.backend.sendMessage({
      instance: { InstanceId: instanceId, ExecutionId: state.executionId },
      target: 'control',
      event: newEvent({ EventType: type, Reason: reason ?? null }),
    });
  }

  /** The management URLs of an instance, on the origin of `request` when given. */
  createHttpManagementPayload(instanceId: string, request?: { url: string; headers?: HeadersLike }): HttpManagementPayload {
    validateInstanceId(instanceId, true);
    return managementPayload(
      {
        baseUrl: managementBaseUrl(request?.url, this.management.baseUrl),
        webhookPath: this.management.webhookPath ?? WEBHOOK_PATH,
        taskHub: this.backend.hubName,
        connection: this.management.connectionName ?? 'Storage',
        systemKey: keyForCaller(this.management.systemKey, request),
      },
      instanceId,
    );
  }

  /** 202 Accepted with a Location header and the management URLs as body. */
  createCheckStatusResponse(request: HttpRequest | undefined, instanceId: string): HttpResponse {
    const payload = this.createHttpManagementPayload(instanceId, request);
    return new HttpResponse({
      status: 202,
      jsonBody: payload,
      headers: { Location: payload.statusQueryGetUri, 'Retry-After': '10' },
    });
  }

  /** Waits up to the timeout: 200 with the output when the instance finished, else the 202 response. */
  async waitForCompletionOrCreateCheckStatusResponse(
    request: HttpRequest | undefined,
    instanceId: string,
    options: WaitForCompletionOptions = {},
  ): Promise<HttpResponse> {
    const timeout = options.timeoutInMilliseconds ?? 10_000;
    const interval = options.retryIntervalInMilliseconds ?? 1_000;
    if (interval > timeout) {
      throw new Error(`Total timeout ${timeout} (ms) should be bigger than retry timeout ${interval} (ms)`);
    }
    const deadline = Date.now() + timeout;
    for (;;) {
      const status = await this.tryGetStatus(instanceId);
      if (status) {
        switch (status.runtimeStatus) {
          case OrchestrationRuntimeStatus.Completed:
            return new HttpResponse({ status: 200, jsonBody: status.output ?? null });
          case OrchestrationRuntimeStatus.Canceled:
          case OrchestrationRuntimeStatus.Terminated:
            return new HttpResponse({ status: 200, jsonBody: status });
          case OrchestrationRuntimeStatus.Failed:
            return new HttpResponse({ status: 500, jsonBody: status });
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) return this.createCheckStatusResponse(request, instanceId);
      await sleep(Math.min(interval, left));
    }
  }

  private async requireInstance(instanceId: string) {
    const state = await this.backend.getInstance(instanceId);
    if (!state) throw new InstanceNotFoundError(instanceId, this.backend.hubName);
    return state;
  }
}

/** A stored history event as `func durable get-history` prints it: type names, no IsPlayed. */
function rawHistoryRow(event: HistoryEvent, withOutput: boolean): Record<string, unknown> {
  const entry: Record<string, unknown> = { ...event, EventType: EventType[event.EventType] };
  delete entry.IsPlayed;
  if (!withOutput) delete entry.Result;
  return entry;
}
