/**
 * Saves the history of a finished workflow run as JSON for replay tests:
 *   node workflows/scripts/record-history.ts <workflowId> <file.json>
 * (against TEMPORAL_ADDRESS, default 127.0.0.1:7233). Commit the file beside the workflow.
 */
import { writeFileSync } from 'node:fs';
import { Connection, Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

const [workflowId, file] = process.argv.slice(2);
if (!workflowId || !file) {
  process.stderr.write('usage: node workflows/scripts/record-history.ts <workflowId> <file.json>\n');
  process.exit(64);
}
const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
const history = await client.workflow.getHandle(workflowId).fetchHistory();
writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
process.stdout.write(`${history.events?.length ?? 0} events → ${file}\n`);
await connection.close();
