import { DurableClient } from '../client/durableClient';
import { statusBody } from '../client/managementApi';
import { DurableOrchestrationStatus, OrchestrationRuntimeStatus } from '../client/status';
import { DEFAULT_HUB_NAME, applyLocalSettings, loadSettings } from '../config/settings';
import { StorageConnection, StorageConnectionError, storageConnectionFor } from '../config/storageConnection';
import { AzureStorageBackend } from '../backend/azureStorage/azureStorageBackend';
import { Flags, ParsedArgs, UsageError } from './args';
import { readJsonFlag } from './jsonInput';
import { Output } from './output';

const GLOBAL_FLAGS = ['connection-string-setting', 'task-hub-name', 'json', 'help'] as const;

interface Command {
  summary: string;
  flags: string[];
  run(client: DurableClient, flags: Flags, out: Output, cwd: string): Promise<void>;
}

function runtimeStatuses(flags: Flags): OrchestrationRuntimeStatus[] {
  const known = Object.values(OrchestrationRuntimeStatus) as string[];
  return flags.all('runtime-status').map((s) => {
    const match = known.find((k) => k.toLowerCase() === s.toLowerCase());
    if (!match) throw new UsageError(`Unknown runtime status '${s}'; expected one of ${known.join(', ')}.`);
    return match as OrchestrationRuntimeStatus;
  });
}

function describeStatus(status: DurableOrchestrationStatus, showInput: boolean, showOutput: boolean): string[] {
  const lines = [
    `Instance ID:   ${status.instanceId}`,
    `Name:          ${status.name}`,
    `Status:        ${status.runtimeStatus}`,
    `Created:       ${status.createdTime.toISOString()}`,
    `Last updated:  ${status.lastUpdatedTime.toISOString()}`,
  ];
  if (status.customStatus !== null && status.customStatus !== undefined) lines.push(`Custom status: ${JSON.stringify(status.customStatus)}`);
  if (showInput) lines.push(`Input:         ${JSON.stringify(status.input)}`);
  if (showOutput) lines.push(`Output:        ${JSON.stringify(status.output)}`);
  return lines;
}

export const commands: Record<string, Command> = {
  'start-new': {
    summary: 'Start a new instance of an orchestrator function.',
    flags: ['function-name', 'input', 'id'],
    async run(client, flags, out, cwd) {
      const id = await client.startNew(flags.required('function-name'), {
        input: readJsonFlag(flags.string('input'), 'input', cwd),
        instanceId: flags.string('id'),
      });
      out.result({ id }, [`Started '${flags.required('function-name')}' with instance ID '${id}'.`]);
    },
  },
  'get-runtime-status': {
    summary: 'Show the status of an instance.',
    flags: ['id', 'show-input', 'show-output'],
    async run(client, flags, out) {
      const id = flags.required('id');
      const status = await client.tryGetStatus(id, { showInput: flags.bool('show-input') });
      if (!status) throw new UsageError(`No instance with ID '${id}' was found in task hub '${client.taskHubName}'.`);
      const body = statusBody(status);
      if (!flags.bool('show-input')) delete body.input;
      if (!flags.bool('show-output')) delete body.output;
      out.result(body, describeStatus(status, flags.bool('show-input'), flags.bool('show-output')));
    },
  },
  'get-history': {
    summary: 'Show the history events of an instance.',
    flags: ['id'],
    async run(client, flags, out) {
      const id = flags.required('id');
      // The history rows as stored, like Core Tools' get-history (not the HTTP API's merged view).
      const history = await client.getRawHistory(id);
      if (!history) throw new UsageError(`No instance with ID '${id}' was found in task hub '${client.taskHubName}'.`);
      const lines = history.map((e, i) => {
        const detail = [e.Name, e.TaskScheduledId !== undefined ? `task ${String(e.TaskScheduledId)}` : undefined, e.Result, e.Reason]
          .filter((v) => v !== undefined && v !== null && v !== '')
          .map(String)
          .join('  ');
        return `${String(i).padStart(3)}  ${String(e.Timestamp)}  ${String(e.EventType).padEnd(34)}${detail}`;
      });
      out.result(history, lines.length ? lines : ['(no history)']);
    },
  },
  'get-instances': {
    summary: 'List instances, newest filters first: created-after/before, runtime-status, top, continuation-token.',
    flags: ['created-after', 'created-before', 'runtime-status', 'top', 'continuation-token'],
    async run(client, flags, out) {
      const page = await client.listInstances({
        createdTimeFrom: flags.date('created-after'),
        createdTimeTo: flags.date('created-before'),
        runtimeStatus: runtimeStatuses(flags),
        pageSize: flags.int('top', 1, 1000) ?? 10,
        continuationToken: flags.string('continuation-token'),
      });
      const lines = page.statuses.map((s) => `${s.instanceId}  ${s.name}  ${s.runtimeStatus}  ${s.createdTime.toISOString()}`);
      if (lines.length === 0) lines.push('(no instances)');
      if (page.continuationToken) lines.push(`Continuation token: ${page.continuationToken}`);
      out.result({ instances: page.statuses.map(statusBody), continuationToken: page.continuationToken ?? null }, lines);
    },
  },
  terminate: {
    summary: 'Terminate a running instance.',
    flags: ['id', 'reason'],
    async run(client, flags, out) {
      const id = flags.required('id');
      await client.terminate(id, flags.string('reason') ?? '');
      out.result({ id, terminated: true }, [`Termination of '${id}' requested.`]);
    },
  },
  'raise-event': {
    summary: 'Send an event to a running instance.',
    flags: ['id', 'event-name', 'event-data'],
    async run(client, flags, out, cwd) {
      const id = flags.required('id');
      const name = flags.required('event-name');
      await client.raiseEvent(id, name, readJsonFlag(flags.string('event-data'), 'event-data', cwd));
      out.result({ id, eventName: name }, [`Raised event '${name}' to '${id}'.`]);
    },
  },
  rewind: {
    summary: 'Rewind a failed instance: its failed tasks run again.',
    flags: ['id', 'reason'],
    async run(client, flags, out) {
      const id = flags.required('id');
      await client.rewind(id, flags.string('reason') ?? '');
      out.result({ id, rewound: true }, [`Rewind of '${id}' requested.`]);
    },
  },
  'purge-history': {
    summary: 'Delete the history of finished instances (created-after/before, runtime-status).',
    flags: ['created-after', 'created-before', 'runtime-status'],
    async run(client, flags, out) {
      const result = await client.purgeInstanceHistoryBy(
        {
          createdTimeFrom: flags.date('created-after') ?? new Date(0),
          createdTimeTo: flags.date('created-before'),
          runtimeStatus: runtimeStatuses(flags),
        },
        (n) => out.progress(`Purged ${n} instance(s)...`),
      );
      out.progressDone();
      out.result({ instancesDeleted: result.instancesDeleted }, [`Purged ${result.instancesDeleted} instance(s).`]);
    },
  },
  'delete-task-hub': {
    summary: 'Delete every table, queue and container of the task hub.',
    flags: [],
    async run(client, _flags, out) {
      await client.deleteTaskHub((artifact) => out.progress(`Deleted ${artifact}`));
      out.progressDone();
      out.result({ deleted: client.taskHubName }, [`Deleted task hub '${client.taskHubName}'.`]);
    },
  },
};

export function usage(command?: string): string {
  const globals = '  --connection-string-setting <name>  app setting with the storage connection (default AzureWebJobsStorage)\n' +
    `  --task-hub-name <name>              task hub (default: host.json hubName, else WEBSITE_SITE_NAME sanitized, else ${DEFAULT_HUB_NAME})\n` +
    '  --json                              machine-readable output';
  if (command && commands[command]) {
    const c = commands[command];
    return `durable ${command} ${c.flags.map((f) => `[--${f} <value>]`).join(' ')}\n  ${c.summary}\n\nGlobal flags:\n${globals}\n`;
  }
  const list = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(20)}${c.summary}`).join('\n');
  return `Usage: durable <command> [flags]\n\nCommands:\n${list}\n\nGlobal flags:\n${globals}\n`;
}

/** Resolves the hub and connection the way func durable does, then runs the command. */
export async function runCommand(parsed: ParsedArgs, out: Output, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (!parsed.command || parsed.flags.has('help') || parsed.command === 'help') {
    out.text(usage(parsed.command === 'help' ? undefined : parsed.command));
    return;
  }
  const command = commands[parsed.command];
  if (!command) throw new UsageError(`Unknown command '${parsed.command}'. Run 'durable --help' for the list.`);
  const flags = new Flags(parsed.flags, parsed.command, [...command.flags, ...GLOBAL_FLAGS]);
  applyLocalSettings(cwd, env);
  const settings = loadSettings(cwd, env);
  const connectionName = flags.string('connection-string-setting') ?? settings.connectionName;
  let connection: StorageConnection;
  try {
    connection = storageConnectionFor(connectionName, env);
  } catch (e) {
    if (e instanceof StorageConnectionError) throw new UsageError(`${e.message} (environment or local.settings.json)`);
    throw e;
  }
  const hubName = flags.string('task-hub-name') ?? settings.hubName;
  const client = new DurableClient(AzureStorageBackend.fromSettings({ ...settings, hubName }, connection));
  await command.run(client, flags, out, cwd);
}
