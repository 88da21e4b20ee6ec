/**
 * SDK behaviours that need no storage: the unit-test helpers, registered-function callables, the
 * exception properties provider, and managed identity tokens on durable HTTP calls.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { InvocationContext } from '@azure/functions';
import * as sdk from 'durable-functions';
import * as ours from '../../src';
import { registeredActivity, registeredOrchestration } from '../../src/app/registered';
import { EventType, HistoryEvent, newEvent } from '../../src/history/events';
import { OrchestrationContext } from '../../src/orchestration/context';
import { runOrchestrator } from '../../src/orchestration/runOrchestrator';
import { runHttpActivity, toDurableHttpRequest } from '../../src/orchestration/durableHttp';
import { resetCredential } from '../../src/orchestration/managedIdentity';
import { setExceptionPropertiesProvider, withExceptionProperties } from '../../src/orchestration/exceptionProperties';
import { toFailureDetails } from '../../src/orchestration/errors';

const t0 = new Date('2026-01-01T00:00:00Z');
const start = (input: unknown = null): HistoryEvent[] => [
  newEvent({ EventType: EventType.OrchestratorStarted }, t0),
  newEvent({ EventType: EventType.ExecutionStarted, OrchestrationInstance: { InstanceId: 'i', ExecutionId: 'e' }, Name: 'O', Version: '', Input: JSON.stringify(input) }, t0),
];

describe('unit-test helpers behave as the SDK\'s', () => {
  test.each([
    ['DummyOrchestrationContext', new ours.DummyOrchestrationContext(), new sdk.DummyOrchestrationContext()],
    ['DummyEntityContext', new ours.DummyEntityContext(), new sdk.DummyEntityContext()],
  ])('%s: an InvocationContext with df undefined and the SDK defaults', (_name, mine, theirs) => {
    expect(mine).toBeInstanceOf(InvocationContext);
    expect(mine.df).toBeUndefined();
    expect(theirs.df).toBeUndefined();
    expect(mine.functionName).toBe(theirs.functionName);
    expect(typeof mine.invocationId).toBe(typeof theirs.invocationId);
  });

  test('constructor arguments and log handler are honoured', () => {
    const lines: unknown[][] = [];
    const context = new ours.DummyOrchestrationContext('MyOrchestrator', 'inv-1', (level, ...args) => lines.push([level, ...args]));
    context.log('hello');
    expect([context.functionName, context.invocationId]).toEqual(['MyOrchestrator', 'inv-1']);
    expect(lines).toEqual([['information', 'hello']]);
  });
});

describe('registered activity and orchestration callables', () => {
  const hello = registeredActivity('Hello');
  const child = registeredOrchestration('Child');

  test('calling them schedules the function like callActivity / callSubOrchestrator', () => {
    const fn = function* (context: OrchestrationContext) {
      yield hello('Tokyo');
      yield child({ n: 1 }, 'child-id');
      return context.df.instanceId;
    };
    const r = runOrchestrator('O', fn, [], start());
    expect(r.newActions).toEqual([{ id: 0, action: { kind: 'callActivity', name: 'Hello', input: 'Tokyo' } }]);
    const r2 = runOrchestrator('O', fn, [...start(), newEvent({ EventType: EventType.TaskScheduled, EventId: 0, Name: 'Hello', Version: '', Input: null }, t0)], [
      newEvent({ EventType: EventType.OrchestratorStarted }, t0),
      newEvent({ EventType: EventType.TaskCompleted, TaskScheduledId: 0, Result: '"Hello Tokyo"' }, t0),
    ]);
    expect(r2.newActions).toEqual([{ id: 1, action: { kind: 'callSubOrchestrator', name: 'Child', input: { n: 1 }, instanceId: 'child-id' } }]);
  });

  test('.withRetry retries on failure; on an already yielded task it throws the SDK message', () => {
    const retry = new ours.RetryOptions(1000, 2);
    const fn = function* () {
      yield hello('x').withRetry(retry);
      const task = hello('y');
      yield task;
      task.withRetry(retry);
    };
    const failed = runOrchestrator('O', fn, [...start(), newEvent({ EventType: EventType.TaskScheduled, EventId: 0, Name: 'Hello', Version: '', Input: null }, t0)], [
      newEvent({ EventType: EventType.OrchestratorStarted }, t0),
      newEvent({ EventType: EventType.TaskFailed, TaskScheduledId: 0, Reason: 'r', Details: null, FailureDetails: toFailureDetails(new Error('once')) }, t0),
    ]);
    expect(failed.newActions).toEqual([{ id: 1, action: { kind: 'createTimer', fireAt: new Date(t0.getTime() + 1000) } }]);

    const past = [...start(), newEvent({ EventType: EventType.TaskScheduled, EventId: 0, Name: 'Hello', Version: '', Input: null }, t0)];
    const done = runOrchestrator('O', fn, past, [newEvent({ EventType: EventType.OrchestratorStarted }, t0), newEvent({ EventType: EventType.TaskCompleted, TaskScheduledId: 0, Result: '1' }, t0)]);
    const second = runOrchestrator('O', fn, [...past, newEvent({ EventType: EventType.OrchestratorStarted }, t0), newEvent({ EventType: EventType.TaskCompleted, TaskScheduledId: 0, Result: '1' }, t0), newEvent({ EventType: EventType.TaskScheduled, EventId: 1, Name: 'Hello', Version: '', Input: null }, t0)], [
      newEvent({ EventType: EventType.OrchestratorStarted }, t0),
      newEvent({ EventType: EventType.TaskCompleted, TaskScheduledId: 1, Result: '2' }, t0),
    ]);
    expect(done.newActions).toEqual([{ id: 1, action: { kind: 'callActivity', name: 'Hello', input: 'y' } }]);
    expect(second.outcome.kind === 'failed' && second.outcome.failure.ErrorMessage).toBe(
      'Invalid use of `.withRetry`: attempted to create a retriable task from an already scheduled task. A task with ID 1 to call activity Hello has already been scheduled. Make sure to only invoke `.withRetry` on tasks that have not previously been yielded.',
    );
  });

  test('outside orchestrator code a registered orchestration explains itself', () => {
    expect(() => child()).toThrow(/only be used inside orchestrator code/);
  });
});

describe('exception properties provider', () => {
  afterEach(() => setExceptionPropertiesProvider(undefined));

  test('properties of an activity error reach FailureDetails.Properties; a throwing provider adds nothing', () => {
    setExceptionPropertiesProvider({ getExceptionProperties: (e) => (e instanceof RangeError ? { code: 42 } : undefined) });
    expect(toFailureDetails(withExceptionProperties(new RangeError('out')))).toMatchObject({ ErrorType: 'RangeError', ErrorMessage: 'out', Properties: { code: 42 } });
    // None: null, as DT.Core 3.11.2 serializes FailureDetails (interop scenario 4f).
    expect(toFailureDetails(withExceptionProperties(new TypeError('no'))).Properties).toBeNull();
    setExceptionPropertiesProvider({ getExceptionProperties: () => { throw new Error('provider bug'); } });
    expect(toFailureDetails(withExceptionProperties(new RangeError('out'))).Properties).toBeNull();
    // The members and their order of DT.Core's FailureDetails JSON, as written by a .NET worker.
    expect(Object.keys(toFailureDetails(new Error('x')))).toEqual(['ErrorType', 'ErrorMessage', 'StackTrace', 'InnerFailure', 'IsNonRetriable', 'Properties']);
    expect(() => setExceptionPropertiesProvider(42 as never)).toThrow(/getExceptionProperties/);
  });
});

describe('callHttp with a managed identity token source', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetCredential();
  });

  test('the request records only the resource; the HTTP activity sends a bearer token from the identity endpoint', async () => {
    const request = toDurableHttpRequest({ method: 'get', url: 'http://127.0.0.1/x', tokenSource: new ours.ManagedIdentityTokenSource('https://management.core.windows.net') });
    expect(request.tokenSource).toEqual({ kind: 'AzureManagedIdentity', resource: 'https://management.core.windows.net' });
    expect(JSON.stringify(request)).not.toMatch(/token"/i);

    const identityRequests: string[] = [];
    const identity = http.createServer((req, res) => {
      identityRequests.push(`${req.url} ${req.headers['x-identity-header']}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'token-abc', expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource: 'https://management.core.windows.net', token_type: 'Bearer' }));
    });
    let seenAuthorization: string | undefined;
    const target = http.createServer((req, res) => {
      seenAuthorization = req.headers.authorization;
      res.end('[]');
    });
    await Promise.all([new Promise<void>((r) => identity.listen(0, '127.0.0.1', r)), new Promise<void>((r) => target.listen(0, '127.0.0.1', r))]);
    try {
      process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`;
      process.env.IDENTITY_HEADER = 'secret-header';
      delete process.env.MSI_ENDPOINT;
      delete process.env.AZURE_CLIENT_ID;
      const response = await runHttpActivity({ ...request, url: `http://127.0.0.1:${(target.address() as AddressInfo).port}/subscriptions` });
      expect(response.statusCode).toBe(200);
      expect(seenAuthorization).toBe('Bearer token-abc');
      expect(identityRequests[0]).toMatch(/resource=https%3A%2F%2Fmanagement\.core\.windows\.net.* secret-header$/);
    } finally {
      identity.close();
      target.close();
    }
  });

  test('a token source that is not one is refused with a clear error', () => {
    expect(() => toDurableHttpRequest({ method: 'GET', url: 'http://127.0.0.1/x', tokenSource: {} as never })).toThrow(/ManagedIdentityTokenSource/);
    expect(() => new ours.ManagedIdentityTokenSource('')).toThrow(/resource/);
  });
});
