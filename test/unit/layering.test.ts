/** The lint rules that keep src/ layered must reject an upward import (and accept a downward one). */
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

/** Lints `code` as if it were `file`, with the project's own eslint and config (as CI runs it). */
async function lint(file: string, code: string): Promise<string[]> {
  const bin = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const run = spawnSync(process.execPath, [bin, '--format', 'json', '--stdin', '--stdin-filename', path.join(root, file)], { cwd: root, input: code, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return result.messages.filter((m) => m.ruleId === 'import/no-restricted-paths').map((m) => m.message);
}

describe('import layering', () => {
  test('a low layer importing a higher one fails lint', async () => {
    const messages = await lint('src/history/probe.ts', "import { DurableEngine } from '../engine/engine';\nexport type X = DurableEngine;\n");
    expect(messages.join('\n')).toContain('imports run downward only');
  }, 60_000);

  test('the engine may not import a storage provider, only the Backend interface', async () => {
    const upward = await lint('src/engine/probe.ts', "import { AzureStorageBackend } from '../backend/azureStorage/azureStorageBackend';\nexport type X = AzureStorageBackend;\n");
    expect(upward.join('\n')).toContain('use the Backend interface');
    const allowed = await lint('src/engine/probe.ts', "import { Backend } from '../backend/backend';\nexport type X = Backend;\n");
    expect(allowed).toEqual([]);
  }, 60_000);
});
