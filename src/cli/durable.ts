#!/usr/bin/env node
/**
 * `durable`: the `func durable` commands for a task hub, without Core Tools.
 * Run in the function app's folder (for host.json and local.settings.json).
 */
import { parseArgs, switchValue, UsageError } from './args';
import { runCommand } from './commands';
import { Output } from './output';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let json = false;
  try {
    const parsed = parseArgs(argv);
    json = switchValue(parsed.flags, 'json');
    await runCommand(parsed, new Output(json), process.cwd(), process.env);
    return 0;
  } catch (e) {
    const message = e instanceof UsageError || e instanceof Error ? e.message : String(e);
    if (json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    process.stderr.write(`durable: ${message}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code));
