// Lint: typescript-eslint's recommended rules, Prettier for layout, and the layering of src/:
// each folder may import only from the folders below it (see CONTRIBUTING.md for the map).
const tseslint = require('typescript-eslint');
const importPlugin = require('eslint-plugin-import');
const prettier = require('eslint-config-prettier');

/** Bottom to top. A folder may import from itself and from the folders before it. */
const LAYERS = [
  ['src/util'],
  ['src/history'],
  ['src/config'],
  ['src/dashboard'],
  ['src/backend/backend.ts', 'src/backend/errors.ts', 'src/backend/instanceQuery.ts'],
  ['src/backend/azureStorage', 'src/backend/memory'],
  ['src/entities'],
  ['src/orchestration'],
  ['src/runtime'],
  ['src/engine'],
  ['src/client'],
  ['src/app'],
  ['src/testing', 'src/localhost', 'src/cli', 'src/index.ts'],
];

/** Every folder above a layer is forbidden to it; so are its peers (backends do not import each other). */
function zones() {
  const result = [];
  LAYERS.forEach((layer, i) => {
    const above = LAYERS.slice(i + 1).flat();
    for (const target of layer) {
      const peers = layer.filter((p) => p !== target && !target.endsWith('.ts'));
      const from = [...above, ...peers];
      if (from.length) result.push({ target: `./${target}`, from: from.map((f) => `./${f}`), message: 'imports run downward only (see CONTRIBUTING.md)' });
    }
  });
  // The engine, runtime and client speak the Backend interface, never a provider.
  for (const target of ['src/engine', 'src/runtime', 'src/client', 'src/orchestration', 'src/entities']) {
    result.push({ target: `./${target}`, from: ['./src/backend/azureStorage', './src/backend/memory'], message: 'use the Backend interface' });
  }
  return result;
}

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/interop/dotnet/**', '**/*.js', 'src/dashboard/assets/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      'import/no-restricted-paths': ['error', { zones: zones() }],
      'import/no-cycle': ['error', { maxDepth: 3, ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests may poke at internals and use loose types for fixtures.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  prettier,
);
