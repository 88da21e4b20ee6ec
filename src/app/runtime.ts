import { DurableClient, ManagementSettings } from '../client/durableClient';
import { DurableSettings, connectionStringFor, loadSettings } from '../config/settings';
import { DurableEngine } from '../engine/engine';
import { TaskHub } from '../storage/taskHub';
import { registry } from './registry';

/**
 * The process-wide durable runtime of a function app: settings from the app's host.json, the
 * storage connection from the app settings, one task hub handle, and (in workers) one engine.
 */
class DurableRuntime {
  private settingsCache: DurableSettings | undefined;
  private hubCache: TaskHub | undefined;
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

  hub(): TaskHub {
    if (!this.hubCache) {
      const settings = this.settings();
      this.hubCache = new TaskHub(connectionStringFor(settings), settings.hubName, settings.partitionCount);
    }
    return this.hubCache;
  }

  client(): DurableClient {
    return new DurableClient(this.hub(), registry, { systemKey: this.managementKey(), ...this.managementOptions }, (o) =>
      this.clientFor(o.taskHubName ?? this.settings().hubName, o.connectionName),
    );
  }

  /** A client of another task hub, on the app's storage connection or on the one an app setting names. */
  clientFor(hubName: string, connectionName?: string): DurableClient {
    const settings = connectionName ? { ...this.settings(), connectionName } : this.settings();
    return new DurableClient(
      new TaskHub(connectionStringFor(settings), hubName, settings.partitionCount),
      registry,
      { systemKey: this.managementKey(), ...this.managementOptions, ...(connectionName ? { connectionName } : {}) },
      (o) => this.clientFor(o.taskHubName ?? hubName, o.connectionName ?? connectionName),
    );
  }

  configureManagement(options: ManagementSettings): void {
    this.managementOptions = { ...this.managementOptions, ...options };
  }

  /** The key management requests must carry, from the app setting `DurableTaskManagementKey` (unset: none). */
  managementKey(): string | undefined {
    return process.env.DurableTaskManagementKey || undefined;
  }

  get engine(): DurableEngine | undefined {
    return this.engineCache;
  }

  /** Starts the engine once; concurrent callers share the same start. */
  startEngine(): Promise<DurableEngine> {
    if (!this.engineStart) {
      const settings = this.settings();
      const engine = new DurableEngine(settings, connectionStringFor(settings), registry);
      this.engineCache = engine;
      this.engineStart = engine.start().then(() => engine);
    }
    return this.engineStart;
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
    this.hubCache = undefined;
  }
}

export const runtime = new DurableRuntime();
