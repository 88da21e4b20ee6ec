import { ReplayState } from './replay';
import { AtomicTask, DurableTask, DurableTimerTask, SequentialTask } from './tasks';
import { TokenSource, TokenSourceJson, toTokenSourceJson } from './tokenSource';
import { bearerTokenFor } from './managedIdentity';

/** Name of the built-in activity that performs durable HTTP calls (the extension's name for it). */
export const HTTP_ACTIVITY = 'BuiltIn::HttpActivity';

export interface DurableHttpRequest {
  method: string;
  url: string;
  content?: string;
  headers?: Record<string, string>;
  timeout?: number;
  asynchronousPatternEnabled?: boolean;
  /** The resource to get a bearer token for when the request runs. */
  tokenSource?: TokenSourceJson;
}

export interface DurableHttpResponse {
  statusCode: number;
  content?: string;
  headers?: Record<string, string>;
}

/** Options of context.df.callHttp, as in durable-functions 3.x. */
export interface CallHttpOptions {
  method: string;
  url: string;
  body?: string | object;
  headers?: { [key: string]: string };
  tokenSource?: TokenSource;
  enablePolling?: boolean;
  asynchronousPatternEnabled?: boolean;
}

const DEFAULT_POLL_INTERVAL_MS = 5_000;

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers[key] : undefined;
}

export function toDurableHttpRequest(options: CallHttpOptions): DurableHttpRequest {
  if (!options || typeof options.url !== 'string' || typeof options.method !== 'string') {
    throw new TypeError('callHttp requires { method, url }.');
  }
  try {
    new URL(options.url);
  } catch {
    throw new TypeError(`callHttp: '${options.url}' is not an absolute URL.`);
  }
  const content = options.body === undefined || typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return {
    method: options.method.toUpperCase(),
    url: options.url,
    content,
    headers: options.headers,
    asynchronousPatternEnabled: options.enablePolling ?? options.asynchronousPatternEnabled ?? true,
    ...(options.tokenSource ? { tokenSource: toTokenSourceJson(options.tokenSource) } : {}),
  };
}

/**
 * A durable HTTP call: an HTTP activity, and while it answers 202 with a Location, a durable timer
 * (Retry-After seconds, else 5 s) followed by a GET of that Location.
 */
export class DurableHttpTask extends SequentialTask {
  private pendingPoll: DurableHttpRequest | undefined;

  constructor(
    private readonly request: DurableHttpRequest,
    private readonly replay: ReplayState,
  ) {
    super(new AtomicTask({ kind: 'callActivity', name: HTTP_ACTIVITY, input: request }), (task) => replay.scheduleNow(task));
  }

  protected onStepSettled(step: DurableTask): void {
    if (step.isFaulted) {
      this.fail(step.error ?? new Error('The HTTP call failed.'));
      return;
    }
    if (step instanceof DurableTimerTask && this.pendingPoll) {
      const poll = this.pendingPoll;
      this.pendingPoll = undefined;
      this.continueWith(new AtomicTask({ kind: 'callActivity', name: HTTP_ACTIVITY, input: poll }));
      return;
    }
    const response = step.result as DurableHttpResponse;
    const location = headerValue(response?.headers, 'Location');
    if (response?.statusCode === 202 && location && this.request.asynchronousPatternEnabled !== false) {
      const retryAfter = Number(headerValue(response.headers, 'Retry-After'));
      const delay = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : DEFAULT_POLL_INTERVAL_MS;
      this.pendingPoll = {
        method: 'GET',
        url: new URL(location, this.request.url).toString(),
        headers: this.request.headers,
        asynchronousPatternEnabled: true,
        ...(this.request.tokenSource ? { tokenSource: this.request.tokenSource } : {}),
      };
      this.continueWith(new DurableTimerTask({ kind: 'createTimer', fireAt: new Date(this.replay.currentUtcDateTime.getTime() + delay) }));
      return;
    }
    this.complete(response);
  }
}

/** The built-in activity: performs the request with fetch and returns status, body text and headers. */
export async function runHttpActivity(input: DurableHttpRequest): Promise<DurableHttpResponse> {
  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  if (input.tokenSource) headers.Authorization = `Bearer ${await bearerTokenFor(input.tokenSource)}`;
  const response = await fetch(input.url, {
    method: input.method,
    headers,
    body: input.method === 'GET' || input.method === 'HEAD' ? undefined : input.content,
    redirect: 'manual',
    signal: AbortSignal.timeout(input.timeout ?? 90_000),
  });
  const responseHeaders: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    responseHeaders[key] = value;
  });
  return { statusCode: response.status, content: await response.text(), headers: responseHeaders };
}
