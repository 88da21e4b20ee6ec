#!/usr/bin/env node
/**
 * Runs every jest project and ends with the plain summary line "N passed, N failed" that CI reads.
 * Extra arguments go to jest (e.g. `npm test -- -t chaining`).
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const report = path.join(os.tmpdir(), `jest-report-${process.pid}.json`);
const jest = require.resolve('jest/bin/jest');
const result = spawnSync(process.execPath, [jest, '--runInBand', '--json', `--outputFile=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
let passed = 0;
let failed = 0;
let skipped = 0;
if (fs.existsSync(report)) {
  const summary = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed = summary.numPassedTests;
  failed = summary.numFailedTests + (summary.numRuntimeErrorTestSuites || 0);
  skipped = summary.numPendingTests + summary.numTodoTests;
  fs.unlinkSync(report);
} else {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(result.status === 0 && failed === 0 ? 0 : 1);
