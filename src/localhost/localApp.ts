import * as fs from 'fs';
import * as path from 'path';
import { runtime } from '../app/runtime';
import { ensureHostIntegration } from '../app/hostIntegration';
import { applyLocalSettings, httpRoutePrefix } from '../config/settings';
import { WEBHOOK_PATH } from '../client/managementUrls';
import { isDevelopmentStorage } from '../backend/azureStorage/connection';
import { RunningAzurite, STANDARD_PORTS, isPortOpen, startAzurite } from './azurite';
import { installLocalCoreApi } from './coreApi';
import { LocalFunctionHost } from './functionHost';
import { startTriggerListeners } from './triggers';

export interface LocalAppOptions {
  appRoot: string;
  port?: number;
  /** Start Azurite when the app uses development storage and nothing listens on its ports (default true). */
  startAzurite?: boolean;
  log?: (line: string) => void;
}

export interface LocalApp {
  host: LocalFunctionHost;
  baseUrl: string;
  azurite?: RunningAzurite;
  stop(): Promise<void>;
}

/** Entry files of the app: package.json `main`, which may end in a `*.js` pattern as the host allows. */
export function appEntryFiles(appRoot: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main) throw new Error(`${appRoot}/package.json has no "main": the Functions host needs it to find the app's functions.`);
  const main = path.join(appRoot, pkg.main);
  if (!main.includes('*')) {
    if (!fs.existsSync(main)) throw new Error(`The app entry point ${main} does not exist; build the app first (npm run build).`);
    return [main];
  }
  const dir = path.dirname(main);
  const pattern = new RegExp(`^${path.basename(main).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => pattern.test(f)).map((f) => path.join(dir, f)) : [];
}

async function ensureDevelopmentStorage(log: (line: string) => void): Promise<RunningAzurite | undefined> {
  const open = await Promise.all([isPortOpen(STANDARD_PORTS.blob), isPortOpen(STANDARD_PORTS.queue), isPortOpen(STANDARD_PORTS.table)]);
  if (open.every(Boolean)) {
    log('Using the Azurite already listening on ports 10000-10002.');
    return undefined;
  }
  if (open.some(Boolean)) {
    throw new Error('Some of the Azurite ports 10000-10002 are in use by something that is not a complete Azurite; free them or start Azurite yourself.');
  }
  log('Starting an in-memory Azurite on ports 10000-10002...');
  return startAzurite(STANDARD_PORTS);
}

/** Runs a function app the way `func start` would: settings, storage, registration, engine, HTTP. */
export async function startLocalApp(options: LocalAppOptions): Promise<LocalApp> {
  const log = options.log ?? ((line: string) => console.log(line));
  const appRoot = path.resolve(options.appRoot);
  process.env.AzureWebJobsScriptRoot = appRoot;
  applyLocalSettings(appRoot);
  runtime.reset();
  const settings = runtime.settings();
  const connection = process.env[settings.connectionName] ?? '';
  let azurite: RunningAzurite | undefined;
  if (options.startAzurite !== false && isDevelopmentStorage(connection) && /UseDevelopmentStorage=true/i.test(connection)) {
    azurite = await ensureDevelopmentStorage(log);
  }

  const core = installLocalCoreApi();
  // The package may have been imported before the core module existed in this process.
  ensureHostIntegration();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app's entry files load as the Functions worker loads them
  for (const file of appEntryFiles(appRoot)) require(file);
  // The local host serves the management API where the extension does.
  runtime.configureManagement({ webhookPath: WEBHOOK_PATH });
  await core.runHooks('appStart');
  await runtime.startEngine();

  const host = new LocalFunctionHost(core, {
    port: options.port ?? 7071,
    routePrefix: httpRoutePrefix(appRoot),
    managementClient: () => runtime.client(),
    managementKey: runtime.managementKey(),
  });
  const lines = host.indexFunctions();
  await host.listen();
  // Queue and timer triggers run as the host runs them (the durable wake-up path uses both).
  const triggers = startTriggerListeners(core, { queues: runtime.wakeUpSettings().queues, log });
  lines.push(...triggers.map((t) => t.description));
  const baseUrl = `http://localhost:${host.port}`;
  // Generated management URLs point here unless DurableTaskManagementBaseUrl says otherwise, never at a request's Host.
  runtime.configureManagement({ baseUrl });
  log(`Task hub '${settings.hubName}' (${settings.partitionCount} partitions). Functions:`);
  for (const line of lines) log(`  ${line}`);
  log(`Management API: ${baseUrl}/runtime/webhooks/durabletask/instances/{instanceId}`);
  log(`Dashboard: ${baseUrl}/runtime/webhooks/durabletask/dashboard/${runtime.managementKey() ? '?code=<DurableTaskManagementKey>' : ''}`);
  return {
    host,
    baseUrl,
    azurite,
    stop: async () => {
      await host.close();
      await Promise.all(triggers.map((t) => t.stop()));
      await runtime.stopEngine();
      await core.runHooks('appTerminate');
      await azurite?.stop();
    },
  };
}
