/**
 * Pattern 6, aggregator: a durable entity holding a counter, signalled from HTTP.
 *   POST /api/counter/{key}/{operation}  body = operation input (add: a number)
 *   GET  /api/counter/{key}              the entity's state
 */
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import * as df from '../src';
import { DurableClient, EntityContext } from '../src';

df.app.entity(
  'Counter',
  df.entity((context: EntityContext<number>) => {
    const current = context.df.getState(() => 0) ?? 0;
    switch (context.df.operationName) {
      case 'add': {
        const amount = context.df.getInput<number>();
        if (typeof amount !== 'number') throw new Error('add expects a number');
        context.df.setState(current + amount);
        break;
      }
      case 'reset':
        context.df.setState(0);
        break;
      case 'get':
        context.df.return(current);
        break;
      default:
        throw new Error(`Counter has no operation '${context.df.operationName}'`);
    }
  }),
);

/** A key the task hub cannot hold is the caller's mistake: 400 with the reason, not a 500. */
function badEntityKey(e: unknown): HttpResponse {
  if (e instanceof df.InvalidInstanceIdError || e instanceof TypeError) return new HttpResponse({ status: 400, jsonBody: { error: e.message } });
  throw e;
}

df.app.client.http('CounterSignal', {
  route: 'counter/{key}/{operation}',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (request: HttpRequest, client: DurableClient, _context: InvocationContext): Promise<HttpResponse> => {
    const text = await request.text();
    let input: unknown;
    try {
      input = text ? JSON.parse(text) : undefined;
    } catch (e) {
      return new HttpResponse({ status: 400, jsonBody: { error: `Request body is not valid JSON: ${(e as Error).message}` } });
    }
    try {
      await client.signalEntity(new df.EntityId('Counter', request.params.key), request.params.operation, input);
    } catch (e) {
      return badEntityKey(e);
    }
    return new HttpResponse({ status: 202 });
  },
});

df.app.client.http('CounterRead', {
  route: 'counter/{key}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (request: HttpRequest, client: DurableClient): Promise<HttpResponse> => {
    let entity: df.EntityId;
    try {
      entity = new df.EntityId('Counter', request.params.key);
    } catch (e) {
      return badEntityKey(e);
    }
    const state = await client.readEntityState<number>(entity);
    return new HttpResponse({ status: state.entityExists ? 200 : 404, jsonBody: state });
  },
});
