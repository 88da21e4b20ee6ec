import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..', '..');

/**
 * Builds our engine as of git `ref` in a temporary folder, with today's bench worker compiled in, so
 * one run can compare the engine before and after a change on the same emulator. Returns the worker script.
 */
export function buildBaseline(ref: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-baseline-'));
  const archive = execFileSync('git', ['archive', ref], { cwd: REPO, maxBuffer: 512 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  fs.mkdirSync(path.join(dir, 'bench', 'sideBySide'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'bench', 'sideBySide', 'nodeWorker.ts'), path.join(dir, 'bench', 'sideBySide', 'nodeWorker.ts'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, stdio: 'inherit' });
  return path.join(dir, 'dist', 'bench', 'sideBySide', 'nodeWorker.js');
}
