/**
 * Records the low-stock alert histories `workflows/test/replay.test.ts` replays, on the real
 * Temporal dev server with workers configured as in production (see test/live/low-stock.ts): one
 * per scenario.
 *   node --disable-warning=ExperimentalWarning workflows/scripts/record-low-stock-histories.ts → src/stock/histories/
 * Needs the stack (`make stack`); uses its own namespace and test database. Commit the files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { runLowStockScenarios, startLowStockStack } from '../test/live/low-stock.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const dir = fileURLToPath(new URL('../src/stock/histories/', import.meta.url));
mkdirSync(dir, { recursive: true });

const stack = await startLowStockStack({
  namespace: `faena-low-stock-histories-${process.pid}`,
  workflowsPath,
});
try {
  for (const r of await runLowStockScenarios(stack)) {
    const history = await r.handle.fetchHistory();
    writeFileSync(`${dir}${r.name}.json`, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
    process.stdout.write(`${r.name}: ${r.final.state}, ${history.events?.length ?? 0} events\n`);
  }
} finally {
  await stack.close();
}
