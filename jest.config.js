/**
 * Unit tests are pure; memory tests run the engine on the in-memory backend; integration tests
 * share one Azurite that globalSetup starts (storage layout, interop-sensitive, crash and scale-out).
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] };
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      displayName: 'memory',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/memory'],
      testMatch: ['**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quietLogs.ts'],
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
    },
  ],
  testTimeout: 120000,
};
