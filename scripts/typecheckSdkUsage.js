#!/usr/bin/env node
/**
 * Compiles test/types/sdkUsage.ts (code written for durable-functions 3.x) with
 * `import 'durable-functions'` mapped to this package's dist/src/index.d.ts (or to the SDK's own
 * types, proving the file is SDK code), under TypeScript 4.7 and 5.x, as an app would
 * (strict, skipLibCheck off). TypeScript 4.7 gets @types/node 16 (today's @types/node needs TS 5).
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const compilers = {
  '4.7': path.join(root, 'node_modules', 'typescript47', 'bin', 'tsc'),
  '5.x': path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
};
const targets = {
  ours: path.join(root, 'dist', 'src', 'index.d.ts'),
  sdk: path.join(root, 'node_modules', 'durable-functions', 'types', 'index.d.ts'),
};

function typecheck(target, version, file = path.join(root, 'test', 'types', 'sdkUsage.ts')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-types-'));
  try {
    const compilerOptions = {
      strict: true,
      noEmit: true,
      target: 'ES2019',
      module: 'commonjs',
      moduleResolution: 'node',
      esModuleInterop: true,
      skipLibCheck: false,
      types: ['node'],
      baseUrl: root,
      paths: { 'durable-functions': [targets[target]] },
    };
    if (version === '4.7') {
      fs.symlinkSync(path.join(root, 'node_modules', '@types', 'node16'), path.join(dir, 'node'), 'dir');
      compilerOptions.typeRoots = [dir];
    } else {
      compilerOptions.typeRoots = [path.join(root, 'node_modules', '@types')];
    }
    const config = path.join(dir, 'tsconfig.json');
    fs.writeFileSync(config, JSON.stringify({ compilerOptions, files: [file] }));
    const run = spawnSync(process.execPath, [compilers[version], '-p', config], { encoding: 'utf8', cwd: root });
    const output = `${run.stdout}${run.stderr}`.trim();
    const errors = output.split('\n').filter((l) => /error TS\d+/.test(l));
    return { ok: run.status === 0, errors, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { typecheck };

if (require.main === module) {
  let failed = false;
  for (const target of ['sdk', 'ours']) {
    for (const version of ['4.7', '5.x']) {
      const r = typecheck(target, version);
      console.log(`${target} @ TypeScript ${version}: ${r.ok ? 'ok' : `${r.errors.length} error(s)`}`);
      if (!r.ok) console.log(r.errors.slice(0, 20).join('\n'));
      if (target === 'ours' && !r.ok) failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}
