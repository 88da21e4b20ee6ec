import { DurableClient, ManagementSettings } from '../client/durableClient';
import { managementAccess } from '../client/managementAuth';
import { validBaseUrl } from '../client/managementUrls';
import { DurableSettings, loadSettings } from '../config/settings';
import { storageConnectionFor } from '../config/storageConnection';
import { WakeUpSettings, loadWakeUpSettings } from '../config/wakeUp';
import { DurableEngine } from '../engine/engine';
import { Backend } from '../backend/backend';
import { AzureStorageBackend } from '../backend/azureStorage/azureStorageBackend';
import { registry } from '../runtime/registry';

/**
 * The process-wide durable runtime of a function app: settings from the app's host.json, the
 * storage connection from the app settings, one task hub handle, and (in workers) one engine.
 */
class DurableRuntime {
  private settingsCache: DurableSettings | undefined;
  private wakeUpCache: WakeUpSettings | undefined;
  private backendCache: Backend | undefined;
  private engineCache: DurableEngine | undefined;
  private engineStart: Promise<DurableEngine> | undefined;
  private managementOptions: ManagementSettings = {};

  /** The app root is where host.json lives: the Functions host runs workers there. */
  appRoot(): string {
    return process.env.AzureWebJobsScriptRoot ?? process.cwd();
  }

  settings(): DurableSettings {
    this.settingsCache ??= loadSettings(this.appRoot());
    return this.settingsCache;
  }

  /** The platform wake-up path (app settings and host.json `extensions.queues`). */
  wakeUpSettings(): WakeUpSettings {
    this.wakeUpCache ??= loadWakeUpSettings(this.appRoot());
    return this.wakeUpCache;
  }

  /** The task hub of this app, as clients use it. */
  backend(): Backend {
    this.backendCache ??= this.createBackend(this.settings().hubName);
    return this.backendCache;
  }

  private createBackend(hubName: string, connectionName?: string): Backend {
    const settings = connectionName ? { ...this.settings(), connectionName } : this.settings();
    const wakeUp = this.wakeUpSettings();
    return new AzureStorageBackend({
      ...settings,
      hubName,
      connection: storageConnectionFor(settings.connectionName),
      // Only the app's own hub has the wake-up trigger.
      wakeUp: wakeUp.enabled && hubName === this.settings().hubName && !connectionName ? { messageEncoding: wakeUp.queues.messageEncoding } : undefined,
    });
  }

  client(): DurableClient {
    return new DurableClient(this.backend(), registry, this.managementSettings(), (o) =>
      this.clientFor(o.taskHubName ?? this.settings().hubName, o.connectionName),
    );
  }

  /** Where generated management URLs point and the key they may carry; the app setting wins over the host's default. */
  private managementSettings(): ManagementSettings {
    const baseUrl = validBaseUrl(process.env.DurableTaskManagementBaseUrl, 'DurableTaskManagementBaseUrl') ?? this.managementOptions.baseUrl;
    return { systemKey: this.managementKey(), ...this.managementOptions, baseUrl };
  }

  /** A client of another task hub, on the app's storage connection or on the one an app setting names. */
  clientFor(hubName: string, connectionName?: string): DurableClient {
    return new DurableClient(
      this.createBackend(hubName, connectionName),
      registry,
      { ...this.managementSettings(), ...(connectionName ? { connectionName } : {}) },
      (o) => this.clientFor(o.taskHubName ?? hubName, o.connectionName ?? connectionName),
    );
  }

  configureManagement(options: ManagementSettings): void {
    this.managementOptions = { ...this.managementOptions, ...options };
  }

  /** The key management requests must carry, from the app setting `DurableTaskManagementKey` (unset: none). */
  managementKey(): string | undefined {
    return managementAccess().key;
  }

  get engine(): DurableEngine | undefined {
    return this.engineCache;
  }

  /** Starts the engine once; concurrent callers share the same start. */
  startEngine(): Promise<DurableEngine> {
    if (!this.engineStart) {
      const settings = this.settings();
      // Its own backend object: a worker's backend is started and stopped with the engine.
      const engine = DurableEngine.fromSettings(this.createBackend(settings.hubName), registry, settings);
      this.engineCache = engine;
      this.engineStart = engine.start().then(() => engine);
    }
    return this.engineStart;
  }

  /**
   * Makes sure the engine runs (the wake-up triggers): resolves once it has started; a failed start
   * is forgotten so that the next call tries again, and rethrown so that the trigger's message is retried.
   */
  async ensureEngine(): Promise<void> {
    try {
      await this.startEngine();
    } catch (e) {
      await this.stopEngine().catch(() => undefined);
      throw e;
    }
  }

  async stopEngine(): Promise<void> {
    const engine = this.engineCache;
    this.engineCache = undefined;
    this.engineStart = undefined;
    await engine?.stop();
  }

  /** Forgets cached settings (tests and the local host switch apps or environments). */
  reset(): void {
    this.settingsCache = undefined;
    this.wakeUpCache = undefined;
    this.backendCache = undefined;
  }
}

export const runtime = new DurableRuntime();
