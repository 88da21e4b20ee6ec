/**
 * Type-level test: code written for durable-functions 3.x, touching every public API. It must
 * compile against the SDK's own types (proving it is valid SDK code) and against this package,
 * under TypeScript 4.7 and 5.x (test/types/typecheck.test.ts). Never executed.
 */
import * as df from 'durable-functions';
import {
  ActivityHandler,
  ActivityOptions,
  ActivityTrigger,
  AggregatedError,
  CallHttpOptions,
  CosmosDBDurableClientHandler,
  CosmosDBDurableClientOptions,
  CosmosDBv3DurableClientOptions,
  CosmosDBv4DurableClientOptions,
  DummyEntityContext,
  DummyOrchestrationContext,
  DurableClient,
  DurableClientHandler,
  DurableClientInput,
  DurableClientOptions,
  DurableEntityContext,
  DurableError,
  DurableLock,
  DurableOrchestrationContext,
  DurableOrchestrationStatus,
  EntityContext,
  EntityHandler,
  EntityId,
  EntityOptions,
  EntityStateResponse,
  EntityTrigger,
  EventGridDurableClientHandler,
  EventGridDurableClientOptions,
  EventHubDurableClientHandler,
  EventHubDurableClientOptions,
  ExceptionPropertiesProvider,
  FailureDetails,
  GetStatusOptions,
  HttpDurableClientHandler,
  HttpDurableClientOptions,
  HttpManagementPayload,
  LockingRulesViolationError,
  LockState,
  ManagedIdentityTokenSource,
  OrchestrationContext,
  OrchestrationFilter,
  OrchestrationHandler,
  OrchestrationOptions,
  OrchestrationRuntimeStatus,
  OrchestrationTrigger,
  PurgeHistoryResult,
  RegisteredActivity,
  RegisteredActivityTask,
  RegisteredOrchestration,
  RegisteredOrchestrationTask,
  RetryOptions,
  ServiceBusQueueDurableClientHandler,
  ServiceBusQueueDurableClientOptions,
  ServiceBusTopicDurableClientHandler,
  ServiceBusTopicDurableClientOptions,
  StartNewOptions,
  StorageBlobDurableClientHandler,
  StorageBlobDurableClientOptions,
  StorageQueueDurableClientHandler,
  StorageQueueDurableClientOptions,
  Task,
  TaskFailedError,
  TaskHubOptions,
  TimerDurableClientHandler,
  TimerDurableClientOptions,
  TimerTask,
  TokenSource,
  WaitForCompletionOptions,
} from 'durable-functions';
import { HttpRequest, HttpResponse, InvocationContext, input as fnInput, output, trigger as fnTrigger } from '@azure/functions';

// --- app.activity / app.orchestration return registered callables -------------------------------
const activityOptions: ActivityOptions = {
  handler: (input: string): string => `Hello ${input}`,
  extraInputs: [fnInput.storageBlob({ path: 'c/b', connection: 'Storage' })],
  extraOutputs: [output.storageQueue({ queueName: 'q', connection: 'Storage' })],
};
const sayHello: RegisteredActivity = df.app.activity('SayHello', activityOptions);
const plainHandler: ActivityHandler = async (input: unknown, context: InvocationContext) => {
  context.log(input);
  return 1;
};
df.app.activity('Plain', { handler: plainHandler, trigger: df.trigger.activity(), return: output.generic({ type: 'x' }) });

const childHandler: OrchestrationHandler = function* (context: OrchestrationContext) {
  return context.df.getInput<number>();
};
const child: RegisteredOrchestration = df.app.orchestration('Child', childHandler);
const orchestrationOptions: OrchestrationOptions = { handler: childHandler, trigger: df.trigger.orchestration(), extraInputs: [], extraOutputs: [] };
df.app.orchestration('ChildWithOptions', orchestrationOptions);

df.app.orchestration('Everything', function* (context: OrchestrationContext) {
  const d: DurableOrchestrationContext = context.df;
  const retry = new RetryOptions(1000, 3);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 10000;
  retry.retryTimeoutInMilliseconds = 60000;
  const first: number = retry.firstRetryIntervalInMilliseconds + retry.maxNumberOfAttempts;

  const t1: RegisteredActivityTask = sayHello('Tokyo');
  const greeting: string = yield t1;
  const withRetry: Task = sayHello('Seattle').withRetry(retry);
  yield withRetry;
  const c1: RegisteredOrchestrationTask = child(5, `${d.instanceId}:child`);
  yield c1.withRetry(retry);
  yield child();

  yield d.callActivity('SayHello', 'x');
  yield d.callActivityWithRetry('SayHello', retry, 'x');
  yield d.callSubOrchestrator('Child', 1, 'id', 'v2');
  yield d.callSubOrchestratorWithRetry('Child', retry, 1, 'id2', 'v2');
  yield d.callSubOrchestrator('Child');

  const httpOptions: CallHttpOptions = {
    method: 'GET',
    url: 'https://management.azure.com/subscriptions?api-version=2019-06-01',
    headers: { accept: 'application/json' },
    body: { a: 1 },
    tokenSource: new ManagedIdentityTokenSource('https://management.core.windows.net'),
    enablePolling: true,
    asynchronousPatternEnabled: true,
  };
  const source: TokenSource = new df.ManagedIdentityTokenSource('https://graph.microsoft.com');
  const resource: string = source.resource;
  yield d.callHttp(httpOptions);

  const timer: TimerTask = d.createTimer(new Date(d.currentUtcDateTime.getTime() + 1000));
  const event: Task = d.waitForExternalEvent('Approval');
  const winner: Task = yield d.Task.any([timer, event]);
  if (winner === event) timer.cancel();
  const canceled: boolean = timer.isCanceled;
  const all: unknown[] = yield d.Task.all([d.callActivity('A'), d.callActivity('B')]);
  const state: boolean = all[0] === undefined && winner.isCompleted && !winner.isFaulted && winner.result !== 1;

  const counter = new EntityId('Counter', 'k');
  const entityName: string = counter.name + counter.key + counter.toString();
  const value: number = yield d.callEntity(counter, 'get');
  d.signalEntity(counter, 'add', 1);
  const lock: DurableLock = yield d.lock(counter, new EntityId('Counter', 'j'));
  const lockState: LockState = d.isLocked();
  const owned: EntityId[] = lockState.ownedLocks;
  const locked: boolean = lockState.isLocked && lock.ownedLocks.length > 0;
  lock.release();
  yield d.lock([counter]);

  try {
    yield d.callActivity('Fails');
  } catch (e) {
    if (e instanceof TaskFailedError) {
      const details: FailureDetails = e.failureDetails;
      const caused: boolean = details.isCausedBy('TypeError');
      const parts = [details.errorType, details.errorMessage, details.stackTrace, details.isNonRetriable, details.properties, details.innerFailure];
      const where: [string | undefined, number | undefined] = [e.taskName, e.taskId];
      context.log(caused, parts, where);
    }
    if (e instanceof LockingRulesViolationError) context.log(LockingRulesViolationError.code);
  }

  const guid: string = d.newGuid(d.instanceId);
  d.setCustomStatus({ step: 1 });
  const custom: unknown = d.customStatus;
  const meta: [string, string | undefined, string | undefined, boolean, Date] = [d.instanceId, d.parentInstanceId, d.version, d.isReplaying, d.currentUtcDateTime];
  context.log(greeting, first, resource, canceled, state, entityName, value, owned, locked, guid, custom, meta);
  d.continueAsNew({ again: true });
  return 'done';
});

// --- entities ------------------------------------------------------------------------------------
const counterHandler: EntityHandler<number> = (context: EntityContext<number>) => {
  const d: DurableEntityContext<number> = context.df;
  const current: number = d.getState(() => 0) ?? 0;
  const meta: [string, string, EntityId, string | undefined, boolean] = [d.entityName, d.entityKey, d.entityId, d.operationName, d.isNewlyConstructed];
  switch (d.operationName) {
    case 'add':
      d.setState(current + (d.getInput<number>() ?? 0));
      break;
    case 'get':
      d.return(current);
      d.return<string>('as text');
      break;
    case 'delete':
      d.destructOnExit();
      break;
    case 'notify':
      d.signalEntity(new EntityId('Other', 'k'), 'ping', { from: d.entityKey });
      break;
  }
  context.log(meta);
};
df.app.entity('Counter', counterHandler);
const entityOptions: EntityOptions<number> = { handler: counterHandler, trigger: df.trigger.entity() };
df.app.entity<number>('Counter2', entityOptions);

// --- exception properties (3.5) -------------------------------------------------------------------
const provider: ExceptionPropertiesProvider = { getExceptionProperties: (error: unknown) => (error instanceof Error ? { name: error.name } : undefined) };
df.app.setExceptionPropertiesProvider(provider);
df.app.setExceptionPropertiesProvider(undefined);

// --- client functions ----------------------------------------------------------------------------
async function useClient(client: DurableClient, request: HttpRequest): Promise<HttpResponse> {
  const hub: string = client.taskHubName;
  const origins: string[] = client.uniqueWebhookOrigins;
  const start: StartNewOptions = { instanceId: 'id', input: { a: 1 }, version: '1.0' };
  const id: string = await client.startNew('Everything', start);
  await client.startNew('Everything');
  const statusOptions: GetStatusOptions = { showHistory: true, showHistoryOutput: true, showInput: false };
  const status: DurableOrchestrationStatus = await client.getStatus(id, statusOptions);
  const fields = [status.name, status.instanceId, status.createdTime, status.lastUpdatedTime, status.input, status.output, status.customStatus, status.history];
  const running: boolean = status.runtimeStatus === OrchestrationRuntimeStatus.Running || status.runtimeStatus === df.OrchestrationRuntimeStatus.Suspended;
  const filter: OrchestrationFilter = { createdTimeFrom: new Date(0), createdTimeTo: new Date(), runtimeStatus: [OrchestrationRuntimeStatus.Completed] };
  const statuses: DurableOrchestrationStatus[] = [...(await client.getStatusAll()), ...(await client.getStatusBy(filter))];
  const purged: PurgeHistoryResult = await client.purgeInstanceHistory(id);
  const purgedMany: number = (await client.purgeInstanceHistoryBy(filter)).instancesDeleted + purged.instancesDeleted;
  const hubOptions: TaskHubOptions = { taskHubName: 'OtherHub', connectionName: 'OtherStorage' };
  await client.raiseEvent(id, 'Approval', true);
  await client.raiseEvent(id, 'Approval', true, hubOptions);
  await client.terminate(id, 'reason');
  await client.suspend(id, 'reason');
  await client.resume(id, 'reason');
  await client.rewind(id, 'reason');
  await client.rewind(id, 'reason', hubOptions);
  const entity = new EntityId('Counter', 'k');
  await client.signalEntity(entity);
  await client.signalEntity(entity, 'add', 1, hubOptions);
  const read: EntityStateResponse<number> = await client.readEntityState<number>(entity, hubOptions);
  const exists: boolean = read.entityExists && read.entityState === 1;
  const made = new EntityStateResponse<number>(true, 1);
  const payload: HttpManagementPayload = client.createHttpManagementPayload(id);
  const urls: string[] = [payload.id, payload.statusQueryGetUri, payload.sendEventPostUri, payload.terminatePostUri, payload.rewindPostUri, payload.purgeHistoryDeleteUri, payload.suspendPostUri, payload.resumePostUri];
  const check: HttpResponse = client.createCheckStatusResponse(request, id);
  client.createCheckStatusResponse(undefined, id);
  const waitOptions: WaitForCompletionOptions = { timeoutInMilliseconds: 10000, retryIntervalInMilliseconds: 1000 };
  console.log(hub, origins, fields, running, statuses, purgedMany, exists, made, urls, check);
  return client.waitForCompletionOrCreateCheckStatusResponse(request, id, waitOptions);
}

const httpHandler: HttpDurableClientHandler = async (request, client, context) => {
  context.log(request.url);
  return useClient(client, request);
};
const httpOptions: HttpDurableClientOptions = { route: 'orchestrators/{name}', methods: ['POST'], extraInputs: [df.input.durableClient()], handler: httpHandler };
df.app.client.http('HttpStart', httpOptions);
df.app.client.http('HttpStartInline', {
  route: 'start',
  handler: async (request: HttpRequest, client: DurableClient): Promise<HttpResponse> => {
    const instanceId = await client.startNew(request.params.name, { input: await request.text() });
    return client.createCheckStatusResponse(request, instanceId);
  },
});
const timerHandler: TimerDurableClientHandler = async (timer, client) => {
  if (!timer.isPastDue) await client.startNew('Everything');
};
const timerOptions: TimerDurableClientOptions = { schedule: '0 */5 * * * *', handler: timerHandler };
df.app.client.timer('Timer', timerOptions);
const blobHandler: StorageBlobDurableClientHandler = async (blob: unknown, client: DurableClient) => void (await client.startNew('Everything', { input: blob }));
const blobOptions: StorageBlobDurableClientOptions = { path: 'c/{name}', connection: 'Storage', handler: blobHandler };
df.app.client.storageBlob('Blob', blobOptions);
const queueHandler: StorageQueueDurableClientHandler = async (entry: unknown, client: DurableClient) => void (await client.startNew('Everything', { input: entry }));
const queueOptions: StorageQueueDurableClientOptions = { queueName: 'q', connection: 'Storage', handler: queueHandler };
df.app.client.storageQueue('Queue', queueOptions);
const sbqHandler: ServiceBusQueueDurableClientHandler = async (message: unknown, client: DurableClient) => void (await client.startNew('Everything', { input: message }));
const sbqOptions: ServiceBusQueueDurableClientOptions = { queueName: 'q', connection: 'SB', handler: sbqHandler };
df.app.client.serviceBusQueue('SbQueue', sbqOptions);
const sbtHandler: ServiceBusTopicDurableClientHandler = async (message: unknown, client: DurableClient) => void (await client.startNew('Everything', { input: message }));
const sbtOptions: ServiceBusTopicDurableClientOptions = { topicName: 't', subscriptionName: 's', connection: 'SB', handler: sbtHandler };
df.app.client.serviceBusTopic('SbTopic', sbtOptions);
const ehHandler: EventHubDurableClientHandler = async (messages: unknown, client: DurableClient) => void (await client.startNew('Everything', { input: messages }));
const ehOptions: EventHubDurableClientOptions = { eventHubName: 'h', connection: 'EH', cardinality: 'many', handler: ehHandler };
df.app.client.eventHub('EventHub', ehOptions);
const egHandler: EventGridDurableClientHandler = async (event, client: DurableClient) => void (await client.startNew('Everything', { input: event.data, instanceId: event.id }));
const egOptions: EventGridDurableClientOptions = { handler: egHandler };
df.app.client.eventGrid('EventGrid', egOptions);
const cosmosHandler: CosmosDBDurableClientHandler = async (documents: unknown[], client: DurableClient) => void (await client.startNew('Everything', { input: documents.length }));
const cosmosV3: CosmosDBv3DurableClientOptions = { connectionStringSetting: 'C', databaseName: 'd', collectionName: 'c', createLeaseCollectionIfNotExists: true, handler: cosmosHandler };
const cosmosV4: CosmosDBv4DurableClientOptions = { connection: 'C', databaseName: 'd', containerName: 'c', createLeaseContainerIfNotExists: true, handler: cosmosHandler };
const cosmos: CosmosDBDurableClientOptions = Math.random() > 0.5 ? cosmosV3 : cosmosV4;
df.app.client.cosmosDB('Cosmos', cosmos);
const genericHandler: DurableClientHandler = async (triggerInput, client: DurableClient, context: InvocationContext) => {
  context.log(triggerInput.anything);
  await client.startNew('Everything');
};
const genericOptions: DurableClientOptions = { trigger: fnTrigger.generic({ type: 'someTrigger' }), handler: genericHandler };
df.app.client.generic('Generic', genericOptions);
df.app.client.generic('GenericWithInput', { trigger: fnTrigger.generic({ type: 'someTrigger' }), handler: genericHandler });

// --- getClient, input and trigger descriptors ----------------------------------------------------
const clientInput: DurableClientInput = df.input.durableClient();
const clientType: 'durableClient' = clientInput.type;
const triggers: [OrchestrationTrigger, ActivityTrigger, EntityTrigger] = [df.trigger.orchestration(), df.trigger.activity(), df.trigger.entity()];
function fromContext(context: InvocationContext): DurableClient {
  return df.getClient(context);
}

// --- errors and unit-test helpers ----------------------------------------------------------------
const aggregated = new AggregatedError([new Error('a'), new DurableError('b')]);
const errors: Error[] = aggregated.errors;
const violation = new LockingRulesViolationError('nope', { cause: new Error('x') });
const failed = new TaskFailedError({ errorType: 'TypeError', errorMessage: 'boom', isNonRetriable: false, isCausedBy: () => false });
const dummy = new DummyOrchestrationContext();
const dummyNamed = new DummyOrchestrationContext('fn', 'id', (level, ...args) => console.log(level, args));
const dummyDf: DurableOrchestrationContext = dummy.df;
const dummyEntity = new DummyEntityContext<number>();
const dummyEntityNamed = new DummyEntityContext<number>('fn', 'id');
const dummyEntityDf: DurableEntityContext<number> = dummyEntity.df;
const asOrchestrationContext: OrchestrationContext = dummyNamed;
const asEntityContext: EntityContext<number> = dummyEntityNamed;
const lockState = new LockState(false, []);

export {
  useClient,
  fromContext,
  clientType,
  triggers,
  errors,
  violation,
  failed,
  dummyDf,
  dummyEntityDf,
  asOrchestrationContext,
  asEntityContext,
  lockState,
};
