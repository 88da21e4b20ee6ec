import * as http from 'http';
import { randomUUID } from 'crypto';
import { MAX_MANAGEMENT_BODY_BYTES, handleManagementRequest, managementResponseText } from '../client/managementApi';
import { DurableClient } from '../client/durableClient';
import { AuthLevel, keysEqual, managementAccess, parseAuthLevel, presentedKey, redactKeys } from '../client/managementAuth';
import { WEBHOOK_PATH } from '../client/managementUrls';
import { LocalCoreApi, RegisteredFunction, RpcBinding, RpcHttpData } from './coreApi';
import { LocalKeys, hasKeysFor, isAuthorized, localKeysFromEnv } from './keys';
import { BadRouteParameterError, compileRoute, CompiledRoute } from './routes';
import { LISTENED_TRIGGER_TYPES } from './triggers';

interface HttpFunction {
  fn: RegisteredFunction;
  triggerName: string;
  methods: Set<string> | undefined;
  route: CompiledRoute;
  authLevel: AuthLevel;
}

export interface FunctionHostOptions {
  port: number;
  routePrefix: string;
  /** Client behind `/runtime/webhooks/durabletask`; omitted, those routes answer 404. */
  managementClient?: () => DurableClient;
  /** Key the management API requires (never logged); default: the app settings (see managementAccess). */
  managementKey?: string;
  /** Level the management webhook path requires when no key is set; default: the app settings. */
  managementAuthLevel?: AuthLevel;
  /** Keys accepted for `function` / `admin` functions; default: from the environment (see keys.ts). */
  keys?: LocalKeys;
  /** A request whose headers take longer is answered 408 and closed (default 15 s). */
  headersTimeoutMs?: number;
  /** A request whose body takes longer is answered 408 and closed (default 60 s). */
  requestTimeoutMs?: number;
}

/** The Functions host's own request limit is 100 MB. */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;

/** host[:port] or [v6]:port: anything else in a Host header is a malformed request. */
const VALID_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request's body never completed: the client aborted, or the request timeout closed it. */
class RequestAbortedError extends Error {}

/**
 * Serves the HTTP triggers an app registered through `@azure/functions`, invoking them through the
 * library's own programming model (the path the Functions worker uses), on `/<routePrefix>/...`.
 * As the host does, it checks a function's authLevel and the body limit from the headers, before
 * any of the body is read.
 */
export class LocalFunctionHost {
  private server: http.Server | undefined;
  private readonly routes: HttpFunction[] = [];
  private readonly keys: LocalKeys;
  private readonly management: { key?: string; authLevel: AuthLevel };

  constructor(
    private readonly core: LocalCoreApi,
    private readonly options: FunctionHostOptions,
  ) {
    this.keys = options.keys ?? localKeysFromEnv();
    const access = managementAccess();
    const key = options.managementKey ?? access.key;
    this.management = { key, authLevel: key ? 'anonymous' : (options.managementAuthLevel ?? access.authLevel) };
  }

  /** Reads the registered functions; call after the app's entry point has been loaded. */
  indexFunctions(): string[] {
    this.routes.length = 0;
    const lines: string[] = [];
    for (const fn of this.core.functions.values()) {
      const trigger = Object.entries(fn.bindings).find(([, b]) => /trigger$/i.test(b.type));
      if (!trigger) continue;
      const [triggerName, binding] = trigger;
      if (binding.type.toLowerCase() !== 'httptrigger') {
        // Queue and timer triggers are run by their listeners (triggers.ts), which describe themselves.
        if (!LISTENED_TRIGGER_TYPES.has(binding.type.toLowerCase())) lines.push(`${fn.name}: ${binding.type} (not served by the local host)`);
        continue;
      }
      const routeTemplate = String(binding.route ?? fn.name);
      const methods = Array.isArray(binding.methods) ? new Set(binding.methods.map((m: string) => m.toUpperCase())) : undefined;
      // The host's default for an httpTrigger without authLevel is function.
      const authLevel = parseAuthLevel(String(binding.authLevel ?? 'function'), `authLevel of function '${fn.name}'`);
      this.routes.push({ fn, triggerName, methods, route: compileRoute(routeTemplate), authLevel });
      const prefix = this.options.routePrefix ? `/${this.options.routePrefix}` : '';
      const auth = authLevel === 'anonymous' ? '' : ` (${authLevel}${hasKeysFor(authLevel, fn.name, this.keys) ? '' : '; no key configured, every call answers 401'})`;
      lines.push(`${fn.name}: [${methods ? [...methods].join(',') : 'ALL'}] http://localhost:${this.options.port}${prefix}/${routeTemplate}${auth}`);
    }
    return lines;
  }

  async listen(): Promise<void> {
    this.server = http.createServer(
      {
        headersTimeout: this.options.headersTimeoutMs ?? 15_000,
        requestTimeout: this.options.requestTimeoutMs ?? 60_000,
        // How often the two timeouts above are checked (Node's default is 30 s).
        connectionsCheckingInterval: Math.min(1_000, this.options.requestTimeoutMs ?? 1_000),
      },
      (req, res) => {
        this.handle(req, res).catch((e: Error) => {
          if (e instanceof HttpError) return refuse(req, res, e.status, e.message);
          // The client went away or the request timed out (Node has answered 408): nothing to say.
          if (e instanceof RequestAbortedError) return;
          // The URL may carry a key in ?code=: never log it.
          console.error(`Request ${req.method} ${redactKeys(req.url ?? '')} failed: ${e.stack ?? e.message}`);
          if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('Internal Server Error');
        });
      },
    );
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, () => resolve());
    });
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const host = req.headers.host ?? `localhost:${this.port}`;
    if (!VALID_HOST.test(host)) throw new HttpError(400, 'The Host header is malformed.');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${host}`);
    } catch {
      throw new HttpError(400, 'The request URL is malformed.');
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const presented = presentedKey(url, req.headers);

    if (this.options.managementClient && url.pathname.toLowerCase().startsWith(WEBHOOK_PATH)) {
      const { key, authLevel } = this.management;
      const allowed = key ? keysEqual(presented, key) : isAuthorized(authLevel, 'DurableTaskManagement', presented, this.keys);
      if (!allowed) throw new HttpError(401, 'A valid key is required (query parameter "code" or header "x-functions-key").');
      const body = await readBody(req, MAX_MANAGEMENT_BODY_BYTES, 400);
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      // The key was checked above; the router checks it again only when one is configured.
      const managed = await handleManagementRequest(this.options.managementClient(), { method, url, body: body.toString('utf8'), headers }, { systemKey: key });
      if (managed) {
        const text = managementResponseText(managed) ?? '';
        res.writeHead(managed.status, managed.headers);
        res.end(text);
        return;
      }
    }

    const prefix = this.options.routePrefix ? `/${this.options.routePrefix}` : '';
    if (!url.pathname.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) return notFound(req, res);
    const path = url.pathname.slice(prefix.length + 1);
    for (const route of this.routes) {
      let params: Record<string, string> | undefined;
      try {
        params = route.route.match(path);
      } catch (e) {
        if (e instanceof BadRouteParameterError) throw new HttpError(400, e.message);
        throw e;
      }
      if (!params) continue;
      if (route.methods && !route.methods.has(method)) continue;
      if (!isAuthorized(route.authLevel, route.fn.name, presented, this.keys)) throw new HttpError(401, 'Unauthorized.');
      const body = await readBody(req, MAX_BODY_BYTES, 413);
      await this.invoke(route, req, res, url, method, params, body);
      return;
    }
    notFound(req, res);
  }

  private async invoke(
    route: HttpFunction,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    method: string,
    params: Record<string, string>,
    body: Buffer,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const httpData: RpcHttpData = { method, url: url.toString(), headers, params, query, body: { bytes: body } };
    const invocationId = randomUUID();
    const model = this.core.programmingModel().getInvocationModel({
      invocationId,
      request: { invocationId, functionId: route.fn.name, inputData: [{ name: route.triggerName, data: { http: httpData } }], triggerMetadata: {} },
      metadata: { name: route.fn.name, bindings: route.fn.bindings as Record<string, RpcBinding> },
      log: (level, category, message) => this.core.log(level, category, message),
    });
    const { context, inputs } = await model.getArguments();
    const result = await model.invokeFunction(context, inputs, route.fn.callback);
    const response = await model.getResponse(context, result);
    const out = response.returnValue?.http;
    if (!out) {
      res.writeHead(204);
      res.end();
      return;
    }
    const status = Number(out.statusCode ?? 200);
    res.writeHead(status, out.headers ?? {});
    const bytes = out.body?.bytes ?? (out.body?.string !== undefined ? Buffer.from(out.body.string) : undefined);
    res.end(bytes ? Buffer.from(bytes) : undefined);
  }
}

function notFound(req: http.IncomingMessage, res: http.ServerResponse): void {
  refuse(req, res, 404, 'Not Found');
}

/**
 * Answers without reading the body: the rest of it is discarded as it arrives (never buffered)
 * and the connection is closed afterwards, so a refused upload costs neither memory nor a socket
 * for longer than the request timeout.
 */
function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string): void {
  if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' });
  res.end(JSON.stringify({ Message: text }));
  req.resume();
}

/** The body, refused with `status` when its declared or actual size passes `limit`. */
function readBody(req: http.IncomingMessage, limit: number, status: number): Promise<Buffer> {
  const tooBig = () => new HttpError(status, `The request body exceeds the limit of ${limit} bytes.`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooBig());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      chunks.length = 0;
      reject(tooBig());
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => reject(new RequestAbortedError('The request body did not complete.')));
  });
}
