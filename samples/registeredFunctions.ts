/**
 * The registered-function style and orchestration versions (durable-functions 3.x):
 * `app.activity` / `app.orchestration` return callables to yield instead of naming functions
 * by string, with `.withRetry(options)` for retries; `startNew(..., { version })` and
 * callSubOrchestrator's `version` argument reach the orchestrator as `context.df.version`.
 *   POST /api/orchestrators/GreetAll        ["Tokyo","Seattle"]  → greetings from a versioned child
 *   POST /api/orchestrators-versioned/GreetAll/2.0  (same, started with version "2.0")
 */
import * as df from '../src';
import { HttpRequest, HttpResponse } from '@azure/functions';

const greet = df.app.activity('Greet', {
  handler: (input: { city: string; style: string }) => (input.style === 'formal' ? `Good day, ${input.city}.` : `Hello ${input.city}!`),
});

/** The child picks its greeting style from the version it was started with. */
const greetCities = df.app.orchestration('GreetCities', function* (context) {
  const cities = context.df.getInput<string[]>() ?? [];
  const style = context.df.version?.startsWith('2.') ? 'formal' : 'casual';
  const greetings: string[] = [];
  for (const city of cities) {
    greetings.push(yield greet({ city, style }).withRetry(new df.RetryOptions(1000, 3)));
  }
  return { version: context.df.version || '(none)', greetings };
});

df.app.orchestration('GreetAll', function* (context) {
  const cities = context.df.getInput<string[]>() ?? ['Tokyo', 'Seattle'];
  // Registered callable: same as callSubOrchestrator('GreetCities', cities).
  const latest = yield greetCities(cities);
  // Explicit version for the child, whatever this instance's own version is.
  const formal = yield context.df.callSubOrchestrator('GreetCities', cities, `${context.df.instanceId}:formal`, '2.0');
  return { ownVersion: context.df.version || '(none)', latest, formal };
});

df.app.client.http('StartVersioned', {
  route: 'orchestrators-versioned/{orchestratorName}/{version}',
  methods: ['POST'],
  handler: async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponse> => {
    const body = await request.text();
    const instanceId = await client.startNew(request.params.orchestratorName, {
      input: body ? JSON.parse(body) : undefined,
      version: request.params.version,
    });
    return client.createCheckStatusResponse(request, instanceId);
  },
});
