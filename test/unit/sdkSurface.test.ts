/**
 * The public surface against durable-functions 3.x: runtime exports, the types an SDK app uses
 * (compiled under TypeScript 4.7 and 5.x), and the declaration closure (no storage SDK typings).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ours from '../../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { typecheck } = require('../../scripts/typecheckSdkUsage') as {
  typecheck: (target: 'ours' | 'sdk', version: '4.7' | '5.x', file?: string) => { ok: boolean; errors: string[] };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { closure } = require('../../scripts/dtsClosure') as { closure: (entry: string) => { files: string[]; packages: string[] } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { sdkSymbols, render, docFile } = require('../../scripts/sdkCompat') as {
  sdkSymbols: () => { name: string; runtime: boolean }[];
  render: () => string;
  docFile: string;
};

const root = path.join(__dirname, '..', '..');

describe('public surface vs durable-functions 3.x', () => {
  test('every runtime export of the SDK is a runtime export here, of the same kind', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require('durable-functions') as Record<string, unknown>;
    const missing = Object.keys(sdk).filter((name) => !(name in ours));
    expect(missing).toEqual([]);
    const kinds = Object.keys(sdk).map((name) => [name, typeof sdk[name], typeof (ours as Record<string, unknown>)[name]]);
    expect(kinds.filter(([, a, b]) => a !== b)).toEqual([]);
    for (const ns of ['app', 'trigger', 'input'] as const) {
      const sdkNs = sdk[ns] as Record<string, unknown>;
      expect(Object.keys(sdkNs).filter((k) => k !== 'wrapActivityHandler' && !(k in ours[ns]))).toEqual([]);
    }
    expect(Object.keys(sdk.app as { client: object }).length).toBeGreaterThan(0);
    expect(Object.keys((sdk.app as { client: object }).client).filter((k) => !(k in ours.app.client))).toEqual([]);
  });

  test('every declared SDK symbol is exported here (types included)', () => {
    const ourDts = closure(path.join(root, 'dist', 'src', 'index.d.ts'));
    expect(ourDts.files.length).toBeGreaterThan(5);
    const index = fs.readFileSync(path.join(root, 'dist', 'src', 'index.d.ts'), 'utf8');
    const symbols = sdkSymbols();
    expect(symbols.length).toBeGreaterThan(90);
    const missing = symbols.filter((s) => !new RegExp(`\\b${s.name}\\b`).test(index));
    expect(missing.map((s) => s.name)).toEqual([]);
  });

  test('docs/sdk-compat.md is current and lists no missing symbol', () => {
    const text = render();
    expect(fs.readFileSync(docFile, 'utf8')).toBe(text);
    expect(text).not.toContain('✗ missing');
  });

  test('the public declarations never reach storage SDK typings', () => {
    const { packages } = closure(path.join(root, 'dist', 'src', 'index.d.ts'));
    expect(packages).toEqual(['@azure/functions']);
  });

  test('SDK app code compiles against this package with TypeScript 5.x and 4.7 (and is valid SDK code)', () => {
    expect(typecheck('sdk', '5.x').errors).toEqual([]);
    expect(typecheck('ours', '5.x').errors).toEqual([]);
    expect(typecheck('ours', '4.7').errors).toEqual([]);
  });

  test('the type check catches an API that does not exist (negative control)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-neg-'));
    const file = path.join(dir, 'bad.ts');
    fs.writeFileSync(file, "import * as df from 'durable-functions';\ndf.app.activity('A', { handler: () => 1 })('x').withRetry(5);\n");
    try {
      const r = typecheck('ours', '5.x', file);
      expect(r.ok).toBe(false);
      expect(r.errors.join('\n')).toMatch(/TS2345/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
