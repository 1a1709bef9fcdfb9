/**
 * H2: GET one row by id through MikroORM (a fork per request, the tenant filter, entity hydration)
 * against the same query through raw `pg`, both behind the same bare node:http server, no auth.
 * Goals: req/s >= 60% of raw pg, p99 <= 1.5x. BENCH_ROWS sets the table's size (growth.ts).
 */
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import {
  SETTINGS,
  SUPPORT,
  atLeast,
  atMost,
  freePort,
  load,
  record,
  say,
  startNode,
} from './support/bench.ts';
import { ORDER_ID, seedOrders } from './support/db.ts';

const SERVERS = path.join(SUPPORT, 'servers.ts');
const rows = Number(process.env.BENCH_ROWS ?? 10_000);
const id = process.env.BENCH_ID ?? 'h2';

say(
  `${id.toUpperCase()}: ${rows} rows, ${SETTINGS.connections} connections, ${SETTINGS.seconds} s, ${SETTINGS.workers} workers, pool ${SETTINGS.pool}`,
);
const tenantId = uuidv7();
const url = await seedOrders({ rows, tenantId, userId: uuidv7() });
const env = (port: number) => ({
  PORT: String(port),
  BENCH_WORKERS: String(SETTINGS.workers),
  BENCH_POOL: String(SETTINGS.pool),
  DATABASE_URL: url,
  BENCH_TENANT: tenantId,
});
const side = async (mode: 'pg-get' | 'orm-get', label: string) => {
  const port = await freePort();
  const server = await startNode(mode, SERVERS, [mode], env(port));
  try {
    return await load(label, `http://127.0.0.1:${port}/orders/${ORDER_ID}`);
  } finally {
    await server.stop();
  }
};
const raw = await side('pg-get', 'raw pg');
const orm = await side('orm-get', 'MikroORM findOne');
record(
  id,
  `GET by id, MikroORM vs raw pg (${rows} rows)`,
  [
    atLeast('req/s, MikroORM / raw pg', orm.requestsPerSecond / raw.requestsPerSecond, 0.6),
    atMost('p99, MikroORM / raw pg', orm.p99LatencyMs / Math.max(raw.p99LatencyMs, 1), 1.5),
  ],
  { rows, raw, orm },
);
process.exit(0);
