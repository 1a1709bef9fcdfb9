/**
 * Records the renewal histories `workflows/test/replay.test.ts` replays, on the real Temporal dev
 * server with workers configured as in production (see test/live/renewals.ts): one per scenario.
 *   node --disable-warning=ExperimentalWarning workflows/scripts/record-renewal-histories.ts [name…] → src/renewal/histories/
 * Names given: only those scenarios are recorded (new behaviour gets a history while the old ones,
 * written by earlier code, stay as they were and keep proving that running chains replay).
 * Needs the stack (`make stack`); uses its own namespace and test database. Commit the files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { RENEWAL_SCENARIOS, runRenewalScenarios, startRenewalStack } from '../test/live/renewals.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const dir = fileURLToPath(new URL('../src/renewal/histories/', import.meta.url));
mkdirSync(dir, { recursive: true });

const stack = await startRenewalStack({ namespace: `faena-renewal-histories-${process.pid}`, workflowsPath });
try {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !RENEWAL_SCENARIOS.some((sc) => sc.name === n));
  if (unknown.length) throw new Error(`unknown scenarios: ${unknown.join(', ')}`);
  const chosen = names.length ? RENEWAL_SCENARIOS.filter((sc) => names.includes(sc.name)) : RENEWAL_SCENARIOS;
  for (const r of await runRenewalScenarios(stack, chosen)) {
    const history = await r.handle.fetchHistory();
    writeFileSync(`${dir}${r.name}.json`, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
    process.stdout.write(`${r.name}: ${r.final.state}, ${history.events?.length ?? 0} events\n`);
  }
} finally {
  await stack.close();
}
