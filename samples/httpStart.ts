/**
 * HTTP starters: start any orchestrator by name and answer 202 with the status-query URLs.
 */
import { HttpRequest, HttpResponse, InvocationContext, app } from '@azure/functions';
import * as df from '../src';
import { DurableClient } from '../src';

async function readJsonBody(request: HttpRequest): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const text = await request.text();
  if (!text) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `Request body is not valid JSON: ${(e as Error).message}` };
  }
}

async function start(request: HttpRequest, client: DurableClient, context: InvocationContext): Promise<HttpResponse> {
  const body = await readJsonBody(request);
  if (!body.ok) return new HttpResponse({ status: 400, jsonBody: { error: body.message } });
  try {
    const instanceId = await client.startNew(request.params.orchestratorName, {
      input: body.value,
      instanceId: request.params.instanceId,
    });
    context.log(`Started orchestration '${request.params.orchestratorName}' with ID '${instanceId}'.`);
    return client.createCheckStatusResponse(request, instanceId);
  } catch (e) {
    return new HttpResponse({ status: 400, jsonBody: { error: (e as Error).message } });
  }
}

// durable-functions 3.x style: the client arrives as the handler's second argument.
df.app.client.http('HttpStart', {
  route: 'orchestrators/{orchestratorName}/{instanceId?}',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: start,
});

// The other 3.x style: a plain app.http with the durable client input and df.getClient(context).
app.http('HttpStartAndWait', {
  route: 'orchestrators-wait/{orchestratorName}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponse> => {
    const client = df.getClient(context);
    const body = await readJsonBody(request);
    if (!body.ok) return new HttpResponse({ status: 400, jsonBody: { error: body.message } });
    try {
      const instanceId = await client.startNew(request.params.orchestratorName, { input: body.value });
      return await client.waitForCompletionOrCreateCheckStatusResponse(request, instanceId, {
        timeoutInMilliseconds: 10_000,
        retryIntervalInMilliseconds: 200,
      });
    } catch (e) {
      return new HttpResponse({ status: 400, jsonBody: { error: (e as Error).message } });
    }
  },
});
