/**
 * Records the class waitlist histories `workflows/test/replay.test.ts` replays, on the real Temporal
 * dev server with workers configured as in production (see test/live/waitlists.ts): one per live
 * scenario, under src/waitlist/histories/v2/ (the v1 files beside it stay as recorded).
 *   node --disable-warning=ExperimentalWarning workflows/scripts/record-waitlist-histories.ts [--expiry]
 * `--expiry` also records the slow expiring offer (a real minute of hold). Needs the stack
 * (`make stack`); uses its own namespace and test database; under a minute (3 with --expiry). Commit the files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { runOfferExpiry, runWaitlistScenarios, startWaitlistStack } from '../test/live/waitlists.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const dir = fileURLToPath(new URL('../src/waitlist/histories/v2/', import.meta.url));
mkdirSync(dir, { recursive: true });

const stack = await startWaitlistStack({
  namespace: `faena-waitlist-histories-${process.pid}`,
  workflowsPath,
});
try {
  const runs = await Promise.all([
    runWaitlistScenarios(stack),
    process.argv.includes('--expiry') ? runOfferExpiry(stack).then((r) => [r]) : [],
  ]);
  for (const r of runs.flat()) {
    const history = await r.handle.fetchHistory();
    writeFileSync(`${dir}${r.name}.json`, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
    process.stdout.write(`${r.name}: ${r.final.state}, ${history.events?.length ?? 0} events\n`);
  }
} finally {
  await stack.close();
}
