/**
 * Interop suite: our engine and the real DurableTask.AzureStorage (C# harness in ./dotnet) on one
 * Azurite. Usage: npm run test:interop [-- name-filter]. Needs the .NET SDK.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePorts, startAzurite } from '../../src/localhost/azurite';
import { buildHarness } from './dotnetHarness';
import { expectedFailures, scenarios } from './scenarios';

async function main(): Promise<void> {
  process.env.DF_LOG_LEVEL ??= 'warn';
  const started = Date.now();
  const filter = process.argv[2];
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-'));
  buildHarness();
  const azurite = await startAzurite(await freePorts());
  const results: { name: string; outcome: 'pass' | 'FAIL' | 'expected-fail' | 'UNEXPECTED PASS'; detail?: string; ms: number }[] = [];
  try {
    for (const scenario of scenarios) {
      if (filter && !scenario.name.includes(filter)) continue;
      const t0 = Date.now();
      const expected = expectedFailures.get(scenario.name);
      console.log(`\n▶ ${scenario.name}`);
      try {
        await scenario.run({ connectionString: azurite.connectionString, logDir });
        results.push({ name: scenario.name, outcome: expected ? 'UNEXPECTED PASS' : 'pass', ms: Date.now() - t0 });
      } catch (e) {
        const detail = (e as Error).stack ?? String(e);
        results.push({ name: scenario.name, outcome: expected ? 'expected-fail' : 'FAIL', detail, ms: Date.now() - t0 });
      }
      const r = results[results.length - 1];
      console.log(`  ${r.outcome} (${r.ms} ms)${r.detail ? `\n  ${r.detail.split('\n').slice(0, 4).join('\n  ')}` : ''}`);
      if (expected) console.log(`  known mismatch: ${expected}`);
    }
  } finally {
    await azurite.stop();
  }
  console.log('\n=== interop summary ===');
  for (const r of results) console.log(`${r.outcome.padEnd(16)} ${r.name}`);
  const xfail = results.filter((r) => r.outcome === 'expected-fail');
  if (xfail.length) {
    console.log('\n!!! EXPECTED FAILURES (known protocol mismatches in the orchestration processor, still to fix):');
    for (const r of xfail) console.log(`!!!  - ${r.name}: ${expectedFailures.get(r.name)}`);
  }
  const bad = results.filter((r) => r.outcome === 'FAIL' || r.outcome === 'UNEXPECTED PASS');
  console.log(`\n${results.length - bad.length - xfail.length} passed, ${xfail.length} expected failures, ${bad.length} failed in ${Math.round((Date.now() - started) / 1000)} s (logs: ${logDir})`);
  process.exit(bad.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
