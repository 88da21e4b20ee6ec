import * as http from 'http';
import { randomUUID } from 'crypto';
import { handleManagementRequest, managementResponseText } from '../client/managementApi';
import { DurableClient } from '../client/durableClient';
import { LocalCoreApi, RegisteredFunction, RpcBinding, RpcHttpData } from './coreApi';
import { compileRoute, CompiledRoute } from './routes';

interface HttpFunction {
  fn: RegisteredFunction;
  triggerName: string;
  methods: Set<string> | undefined;
  route: CompiledRoute;
}

export interface FunctionHostOptions {
  port: number;
  routePrefix: string;
  /** Client behind `/runtime/webhooks/durabletask`; omitted, those routes answer 404. */
  managementClient?: () => DurableClient;
  /** Key the management API requires (never logged). */
  managementKey?: string;
}

/**
 * Serves the HTTP triggers an app registered through `@azure/functions`, invoking them through the
 * library's own programming model (the path the Functions worker uses), on `/<routePrefix>/...`.
 */
export class LocalFunctionHost {
  private server: http.Server | undefined;
  private readonly routes: HttpFunction[] = [];

  constructor(
    private readonly core: LocalCoreApi,
    private readonly options: FunctionHostOptions,
  ) {}

  /** Reads the registered functions; call after the app's entry point has been loaded. */
  indexFunctions(): string[] {
    this.routes.length = 0;
    const lines: string[] = [];
    for (const fn of this.core.functions.values()) {
      const trigger = Object.entries(fn.bindings).find(([, b]) => /trigger$/i.test(b.type));
      if (!trigger) continue;
      const [triggerName, binding] = trigger;
      if (binding.type.toLowerCase() !== 'httptrigger') {
        lines.push(`${fn.name}: ${binding.type} (not served by the local host)`);
        continue;
      }
      const routeTemplate = String(binding.route ?? fn.name);
      const methods = Array.isArray(binding.methods) ? new Set(binding.methods.map((m: string) => m.toUpperCase())) : undefined;
      this.routes.push({ fn, triggerName, methods, route: compileRoute(routeTemplate) });
      const prefix = this.options.routePrefix ? `/${this.options.routePrefix}` : '';
      lines.push(`${fn.name}: [${methods ? [...methods].join(',') : 'ALL'}] http://localhost:${this.options.port}${prefix}/${routeTemplate}`);
    }
    return lines;
  }

  async listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: Error) => {
        console.error(`Request ${req.method} ${req.url} failed: ${e.stack ?? e.message}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('Internal Server Error');
      });
    });
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
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(400, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' });
      res.end(JSON.stringify({ Message: `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.` }));
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `localhost:${this.port}`}`);
    const method = (req.method ?? 'GET').toUpperCase();

    if (this.options.managementClient) {
      const headers: Record<string, string | undefined> = {};
      for (const [key, value] of Object.entries(req.headers)) headers[key] = Array.isArray(value) ? value.join(', ') : value;
      const managed = await handleManagementRequest(
        this.options.managementClient(),
        { method, url, body: body.toString('utf8'), headers },
        { systemKey: this.options.managementKey },
      );
      if (managed) {
        const text = managementResponseText(managed) ?? '';
        res.writeHead(managed.status, managed.headers);
        res.end(text);
        return;
      }
    }

    const prefix = this.options.routePrefix ? `/${this.options.routePrefix}` : '';
    if (!url.pathname.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) return notFound(res);
    const path = url.pathname.slice(prefix.length + 1);
    for (const route of this.routes) {
      const params = route.route.match(path);
      if (!params) continue;
      if (route.methods && !route.methods.has(method)) continue;
      await this.invoke(route, req, res, url, method, params, body);
      return;
    }
    notFound(res);
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

function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not Found');
}

/** The Functions host's own request limit is 100 MB. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

/** The body, or undefined when it is over the limit (the rest is read and dropped, not buffered). */
function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
