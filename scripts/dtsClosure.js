#!/usr/bin/env node
/**
 * Lists the declaration files reachable from dist/src/index.d.ts and the packages they import,
 * so a test can prove the public types never reach storage SDK typings.
 */
const fs = require('fs');
const path = require('path');

function closure(entry) {
  const files = new Set();
  const packages = new Set();
  const queue = [path.resolve(entry)];
  while (queue.length) {
    const file = queue.pop();
    if (files.has(file)) continue;
    files.add(file);
    // Comments may quote imports (JSDoc examples); only real import specifiers count.
    const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
    const specifiers = [...text.matchAll(/(?:from\s+|import\(|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    for (const spec of specifiers) {
      if (spec.startsWith('.')) {
        const base = path.resolve(path.dirname(file), spec);
        const candidate = [`${base}.d.ts`, path.join(base, 'index.d.ts')].find((p) => fs.existsSync(p));
        if (candidate) queue.push(candidate);
      } else {
        packages.add(spec);
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

module.exports = { closure };

if (require.main === module) {
  const result = closure(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'src', 'index.d.ts'));
  console.log(JSON.stringify(result, null, 2));
}
