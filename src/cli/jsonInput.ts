import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from './args';

/** A flag value that is inline JSON, or `@file.json` naming a file of JSON (func durable's convention). */
export function readJsonFlag(value: string | undefined, flag: string, cwd: string): unknown {
  if (value === undefined) return undefined;
  let text = value;
  let source = `--${flag}`;
  if (value.startsWith('@')) {
    const file = path.resolve(cwd, value.slice(1));
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`Cannot read ${file} for --${flag}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
    }
    source = file;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
}
