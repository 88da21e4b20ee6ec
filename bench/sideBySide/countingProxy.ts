import * as http from 'http';
import { AzuritePorts, devConnectionString, freePorts } from '../../src/localhost/azurite';

export type Service = keyof AzuritePorts;
export type Counts = Record<Service, number>;

/**
 * A pass-through HTTP proxy in front of Azurite's three services that counts requests: the storage
 * operations a workload costs, whichever engine sends them. Both engines talk to Azurite through it.
 */
export class CountingProxy {
  readonly counts: Counts = { blob: 0, queue: 0, table: 0 };
  /** Requests by kind ("GET queue messages", "POST table $batch", ...), for a breakdown of a workload. */
  readonly kinds = new Map<string, number>();
  private readonly servers: http.Server[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  private constructor(readonly ports: AzuritePorts) {}

  static async start(target: AzuritePorts): Promise<CountingProxy> {
    const proxy = new CountingProxy(await freePorts());
    for (const service of ['blob', 'queue', 'table'] as Service[]) {
      const server = http.createServer((req, res) => proxy.forward(service, target[service], req, res));
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve) => server.listen(proxy.ports[service], '127.0.0.1', resolve));
      proxy.servers.push(server);
    }
    return proxy;
  }

  get connectionString(): string {
    return devConnectionString(this.ports);
  }

  total(): number {
    return this.counts.blob + this.counts.queue + this.counts.table;
  }

  snapshot(): Counts {
    return { ...this.counts };
  }

  private forward(service: Service, port: number, req: http.IncomingMessage, res: http.ServerResponse): void {
    this.counts[service]++;
    const kind = `${req.method} ${service} ${requestKind(req.url ?? '')}`;
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.send(port, req, Buffer.concat(chunks), res, true));
  }

  /** Sends one request upstream; a kept-alive socket the emulator closed meanwhile is retried once on a new one. */
  private send(port: number, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, retry: boolean): void {
    const upstream = http.request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${port}` }, agent: this.agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (e: NodeJS.ErrnoException) => {
      if (retry && upstream.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return this.send(port, req, body, res, false);
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e.message));
    });
    upstream.end(body);
  }

  async stop(): Promise<void> {
    for (const s of this.servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    this.agent.destroy();
  }
}

/** What a request addresses, without names: "messages", "messages/{id}", "{table}", "$batch", "{table}(key)". */
function requestKind(url: string): string {
  const [path, query] = url.split('?');
  const parts = path.split('/').filter(Boolean).slice(1);
  const last = parts[parts.length - 1] ?? '';
  if (parts.includes('messages')) return parts[parts.length - 1] === 'messages' ? 'messages' : 'messages/{id}';
  if (last === '$batch') return '$batch';
  if (last.includes('(')) return last.includes("PartitionKey=") ? '{table}(key)' : '{table}()';
  return (query ?? '').includes('comp=') ? `?${/comp=([a-z]+)/.exec(query)?.[1]}` : parts.length > 1 ? '{container}/{blob}' : '{name}';
}
