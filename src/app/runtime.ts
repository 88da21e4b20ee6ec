import { DurableClient, ManagementSettings } from '../client/durableClient';
import { managementAccess } from '../client/managementAuth';
import { validBaseUrl } from '../client/managementUrls';
import { DurableSettings, loadSettings } from '../config/settings';
import { storageConnectionFor } from '../config/storageConnection';
import { WakeUpSettings, loadWakeUpSettings } from '../config/wakeUp';
import { InvocationContext, LogLevel } from '@azure/functions';
import { DurableEngine } from '../engine/engine';
import { Backend } from '../backend/backend';
import { AzureStorageBackend } from '../backend/azureStorage/azureStorageBackend';
import { runActivityTraced } from '../engine/tracedActivity';
import { registry } from '../runtime/registry';

/**
 * The process-wide durable runtime of a function app: settings from the app's host.json, the
 * storage connection from the app settings, one task hub handle, and (in workers) one engine.
 */
class DurableRuntime {
  private settingsCache: DurableSettings | undefined;
  private wakeUpCache: WakeUpSettings | undefined;
  private backendCache: AzureStorageBackend | undefined;
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
    return this.ownBackend();
  }

  private createBackend(hubName: string, connectionName?: string): AzureStorageBackend {
    const settings = connectionName ? { ...this.settings(), connectionName } : this.settings();
    const triggers = this.wakeUpSettings();
    // Only the app's own hub has the wake-up and activity triggers.
    const ownHub = hubName === this.settings().hubName && !connectionName;
    const encoding = { messageEncoding: triggers.queues.messageEncoding };
    return new AzureStorageBackend({
      ...settings,
      hubName,
      connection: storageConnectionFor(settings.connectionName),
      wakeUp: triggers.enabled && ownHub ? encoding : undefined,
      activityTrigger: triggers.activityTrigger && ownHub ? encoding : undefined,
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
      // With the activity trigger the host runs activities; the engine takes none from the queue.
      const limits = this.wakeUpSettings().activityTrigger ? { ...settings, maxConcurrentActivityFunctions: 0 } : settings;
      const engine = DurableEngine.fromSettings(this.createBackend(settings.hubName), registry, limits);
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

  /**
   * One activity, delivered by the app's queue trigger on `<hub>-workitems` (docs/adr/0013): runs it
   * inside the host's invocation (its id and log pipeline) and sends the answer to the orchestration.
   * The activity's own failure is an answer (TaskFailed), not a failed invocation; only a message that
   * is not an activity, or an answer that cannot be sent, fails it, so the host retries it and finally
   * keeps it in `<hub>-workitems-poison`.
   */
  async runTriggeredActivity(message: unknown, trigger: InvocationContext): Promise<void> {
    // The platform woke the app for this work: make sure the engine that applies the answer runs too.
    this.ensureEngine().catch(() => undefined);
    const backend = this.ownBackend();
    const { instance, event } = await backend.triggeredActivity(message);
    // The activity's trace is its orchestration's (the host's own trace of this queue message is unrelated).
    const answer = await runActivityTraced(
      registry,
      instance.InstanceId,
      event,
      (functionName, traceContext) =>
        new InvocationContext({
          invocationId: trigger.invocationId,
          functionName,
          traceContext,
          logHandler: (level, ...args) => forwardLog(trigger, level, args),
        }),
    );
    await backend.answerTriggeredActivity(instance, answer);
  }

  private ownBackend(): AzureStorageBackend {
    this.backendCache ??= this.createBackend(this.settings().hubName);
    return this.backendCache;
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

/** An activity's log line goes through the trigger's invocation, so the host records it with that invocation. */
function forwardLog(trigger: InvocationContext, level: LogLevel, args: unknown[]): void {
  switch (level) {
    case 'trace':
      return trigger.trace(...args);
    case 'debug':
      return trigger.debug(...args);
    case 'information':
      return trigger.info(...args);
    case 'warning':
      return trigger.warn(...args);
    case 'error':
    case 'critical':
      return trigger.error(...args);
    default:
      return;
  }
}

export const runtime = new DurableRuntime();
