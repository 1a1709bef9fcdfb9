/**
 * Records the incident histories `workflows/test/replay.test.ts` replays, on the real Temporal dev
 * server with workers configured as in production (see test/live/incidents.ts): one per scenario.
 *   node --disable-warning=ExperimentalWarning workflows/scripts/record-incident-histories.ts → src/incident/histories/v2/
 * (v1/: recorded before `incident-notify-role-holders`, when an escalation told the assignee only; kept to replay.)
 * Needs the stack (`make stack`); uses its own namespace and test database. Commit the files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { runIncidentScenarios, startIncidentStack } from '../test/live/incidents.ts';

const workflowsPath = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const dir = fileURLToPath(new URL('../src/incident/histories/v2/', import.meta.url));
mkdirSync(dir, { recursive: true });

const stack = await startIncidentStack({
  namespace: `faena-incident-histories-${process.pid}`,
  workflowsPath,
});
try {
  for (const r of await runIncidentScenarios(stack)) {
    const history = await r.handle.fetchHistory();
    writeFileSync(`${dir}${r.name}.json`, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
    process.stdout.write(`${r.name}: ${r.final.state}, ${history.events?.length ?? 0} events\n`);
  }
} finally {
  await stack.close();
}
