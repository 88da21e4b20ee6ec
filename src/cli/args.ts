/** Command-line parsing for `durable <command> --flag value ...`, the `func durable` syntax. */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  command: string | undefined;
  flags: Map<string, string[]>;
}

/** Flags that are switches: present means true, or an explicit true/false may follow. */
const SWITCHES = new Set(['show-input', 'show-output', 'json', 'help']);

export function parseArgs(argv: string[]): ParsedArgs {
  const flags = new Map<string, string[]>();
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (command === undefined) command = arg;
      else throw new UsageError(`Unexpected argument '${arg}'.`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)).toLowerCase();
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (SWITCHES.has(name)) value = /^(true|false)$/i.test(argv[i + 1] ?? '') ? argv[++i] : 'true';
    else {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`Flag --${name} needs a value.`);
      value = argv[++i];
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { command, flags };
}

/** A switch's value: absent is false; only true/false (any case) are accepted, so a typo is never read as "off". */
export function switchValue(flags: Map<string, string[]>, name: string): boolean {
  const values = flags.get(name);
  if (!values) return false;
  const value = values[values.length - 1];
  if (!/^(true|false)$/i.test(value)) throw new UsageError(`Flag --${name} takes true or false, got '${value}'.`);
  return value.toLowerCase() === 'true';
}

/** Typed access to the flags of one command, rejecting flags the command does not know. */
export class Flags {
  constructor(
    private readonly flags: Map<string, string[]>,
    command: string,
    allowed: readonly string[],
  ) {
    for (const name of flags.keys()) {
      if (!allowed.includes(name)) throw new UsageError(`Unknown flag --${name} for '${command}'. Known flags: ${allowed.map((f) => `--${f}`).join(', ')}.`);
    }
  }

  string(name: string): string | undefined {
    const values = this.flags.get(name);
    return values ? values[values.length - 1] : undefined;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw new UsageError(`Missing required flag --${name}.`);
    return value;
  }

  all(name: string): string[] {
    return (this.flags.get(name) ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  }

  bool(name: string): boolean {
    return switchValue(this.flags, name);
  }

  int(name: string, min: number, max: number): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`Flag --${name} must be an integer from ${min} to ${max}, got '${value}'.`);
    return n;
  }

  date(name: string): Date | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new UsageError(`Flag --${name} is not a valid date/time: '${value}'.`);
    return date;
  }
}
