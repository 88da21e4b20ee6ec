import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { DEV_ACCOUNT, RunningAzurite, freePorts, startAzurite } from '../../src/localhost/azurite';
import { uniqueHubName } from '../support/testHub';

const probe = path.join(__dirname, '../../dist/test/fixtures/identityProbe.js');
const CLIENT_ID = '0b6f6a4e-1c8d-4f6e-9d3a-4e7f00c0ffee';
const IDENTITY_HEADER = 'identity-header-secret';

interface TokenRequest {
  resource: string | null;
  clientId: string | null;
  header: string | undefined;
}

/**
 * A double of the App Service managed-identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER, what the
 * Functions platform gives an app with an identity): hands out unsigned storage tokens and records
 * what was asked.
 */
function identityEndpoint(requests: TokenRequest[]): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const resource = url.searchParams.get('resource');
    requests.push({
      resource,
      clientId: url.searchParams.get('client_id'),
      header: req.headers['x-identity-header'] as string | undefined,
    });
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const jwt = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: resource, iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/', iat: now, nbf: now - 60, exp: now + 3600 })}.`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ access_token: jwt, expires_on: String(now + 3600), resource, token_type: 'Bearer', client_id: CLIENT_ID }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function runProbe(hubName: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [probe, hubName], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('identity-based storage connection (AzureWebJobsStorage__*)', () => {
  let dir: string;
  let azurite: RunningAzurite;
  let identity: http.Server;
  const tokenRequests: TokenRequest[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-identity-'));
    // A throw-away certificate for 127.0.0.1: Azurite takes bearer tokens over HTTPS only.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    azurite = await startAzurite(await freePorts(), {
      https: { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), oauth: true },
    });
    identity = await identityEndpoint(tokenRequests);
  });

  afterAll(async () => {
    await azurite?.stop();
    await new Promise((r) => identity?.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('service URIs + credential=managedidentity + clientId: the engine runs an orchestration with tokens for that identity', async () => {
    const { ports } = azurite;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      DF_LOG_LEVEL: 'warn',
      NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem'),
      // No AzureWebJobsStorage connection string at all: only the identity settings.
      AzureWebJobsStorage__blobServiceUri: `https://127.0.0.1:${ports.blob}/${DEV_ACCOUNT}`,
      AzureWebJobsStorage__queueServiceUri: `https://127.0.0.1:${ports.queue}/${DEV_ACCOUNT}`,
      AzureWebJobsStorage__tableServiceUri: `https://127.0.0.1:${ports.table}/${DEV_ACCOUNT}`,
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: CLIENT_ID,
      IDENTITY_ENDPOINT: `http://127.0.0.1:${(identity.address() as { port: number }).port}/msi/token`,
      IDENTITY_HEADER: IDENTITY_HEADER,
    };
    const hubName = uniqueHubName('Ident');
    const result = await runProbe(hubName, env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
    expect(report.runtimeStatus).toBe('Completed');
    expect(report.output).toEqual(['echo:5', 'echo:70000']);
    // The large input went through a blob: all three services were reached with the identity.
    expect(report.containers).toContain(`${hubName.toLowerCase()}-largemessages`);
    // A token for another audience is refused by the account.
    expect([401, 403]).toContain(report.refusedStatus);
    expect(report.described).toContain(`managed identity (client id ${CLIENT_ID})`);
    // Tokens were asked for Azure Storage, for the configured user-assigned identity, with the platform's header.
    expect(tokenRequests.length).toBeGreaterThan(0);
    for (const r of tokenRequests)
      expect(r).toEqual({ resource: 'https://storage.azure.com', clientId: CLIENT_ID, header: IDENTITY_HEADER });
  });

  test('a half-configured identity connection stops the probe with a message naming the missing setting', async () => {
    const result = await runProbe(uniqueHubName('Ident'), {
      PATH: process.env.PATH,
      AzureWebJobsStorage__queueServiceUri: `https://127.0.0.1:${azurite.ports.queue}/${DEV_ACCOUNT}`,
      AzureWebJobsStorage__credential: 'managedidentity',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("has no blob, table endpoint: set 'AzureWebJobsStorage__accountName'");
  });
});
