/**
 * Records the histories `workflows/test/replay.test.ts` replays, on the real Temporal dev server with
 * workers configured as in production (see test/live/deals.ts): one per escrow path and race.
 *   node --disable-warning=ExperimentalWarning workflows/scripts/record-histories.ts        → src/escrow/histories/v2/
 *   node --disable-warning=ExperimentalWarning workflows/scripts/record-histories.ts --v1   → src/escrow/histories/v1/ (the frozen first version)
 * Needs the stack (`make stack`); uses its own namespace and test database. Commit the files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { runScenarios, SCENARIOS, startLiveStack, V1_SCENARIOS } from '../test/live/deals.ts';
import {
  RECONCILE_TASK_QUEUE,
  RECONCILE_WORKFLOW_TYPE,
  type ReconcileWorkflow,
} from '../src/payments/contract.ts';

const v1 = process.argv.includes('--v1');
const workflowsPath = fileURLToPath(
  new URL(v1 ? '../test/fixtures/v1-index.ts' : '../src/index.ts', import.meta.url),
);
const dir = fileURLToPath(new URL(`../src/escrow/histories/${v1 ? 'v1' : 'v2'}/`, import.meta.url));
mkdirSync(dir, { recursive: true });

const stack = await startLiveStack({ namespace: `faena-histories-${process.pid}`, workflowsPath });
try {
  const runs = await runScenarios(stack, v1 ? V1_SCENARIOS : SCENARIOS);
  for (const r of runs) {
    const history = await r.handle.fetchHistory();
    writeFileSync(`${dir}${r.name}.json`, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
    process.stdout.write(`${r.name}: ${r.final.state}, ${history.events?.length ?? 0} events\n`);
  }
  if (!v1) {
    // The payments workflows as the same run wrote them: a provider notification's sync, and the
    // janitor over what is still pending (the deal cancelled while its payment window ran).
    const payments = fileURLToPath(new URL('../src/payments/histories/', import.meta.url));
    const sync = stack.syncRuns[0]!;
    writeFileSync(
      `${payments}payment-sync.json`,
      `${JSON.stringify(JSON.parse(historyToJSON(await sync.fetchHistory())), null, 2)}\n`,
    );
    const janitor = await stack.client.workflow.start<ReconcileWorkflow>(RECONCILE_WORKFLOW_TYPE, {
      taskQueue: RECONCILE_TASK_QUEUE,
      workflowId: `reconcile/${process.pid}`,
      args: [{ olderThanMinutes: 0 }],
    });
    process.stdout.write(`reconcilePayments: ${JSON.stringify(await janitor.result())}\n`);
    writeFileSync(
      `${payments}reconcile-payments.json`,
      `${JSON.stringify(JSON.parse(historyToJSON(await janitor.fetchHistory())), null, 2)}\n`,
    );
  }
} finally {
  await stack.close();
}
