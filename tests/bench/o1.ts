/**
 * O1: inserting 1000 new rows through MikroORM (em.create x 1000, one flush: its unit of work,
 * tenant guard, batched inserts) against one multi-row INSERT through pg, on the same table and
 * connection pool size. Each side runs BENCH_REPEAT times after one warm-up; the medians compare.
 * Goal: the flush takes <= 2x the INSERT.
 */
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { createOrm, runWithContext, withEm } from '@faena/platform';
import { SETTINGS, atMost, record, say } from './support/bench.ts';
import { BenchOrder, seedOrders } from './support/db.ts';

const ROWS = 1000;
const REPEAT = Number(process.env.BENCH_REPEAT ?? 15);

const tenantId = uuidv7();
const url = await seedOrders({ rows: 1, tenantId, userId: uuidv7() });
const orm = await createOrm({ url, schema: 'bench', entities: [BenchOrder], poolMax: SETTINGS.pool });
const db = new pg.Pool({ connectionString: url, max: SETTINGS.pool });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};
const userId = uuidv7();
const viaOrm = () =>
  runWithContext({ tenantId }, () =>
    withEm(orm, async (em) => {
      for (let i = 0; i < ROWS; i++)
        em.create(BenchOrder, {
          tenantId,
          userId,
          number: i,
          status: 'open',
          total: String(i * 100),
          currency: 'ARS',
          createdAt: new Date(),
        });
      await em.flush();
    }),
  );
const viaInsert = async () => {
  const values: unknown[] = [];
  const tuples: string[] = [];
  const now = new Date();
  for (let i = 0; i < ROWS; i++) {
    const b = i * 8;
    tuples.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8})`);
    values.push(uuidv7(), tenantId, userId, i, 'open', String(i * 100), 'ARS', now);
  }
  await db.query(
    `insert into bench.orders (id, tenant_id, user_id, number, status, total, currency, created_at) values ${tuples.join(',')}`,
    values,
  );
};
await viaOrm();
await viaInsert(); // warm-up
const ormMs: number[] = [];
const insertMs: number[] = [];
for (let i = 0; i < REPEAT; i++) {
  // Alternated, so a burst of load elsewhere on the machine falls on both sides.
  ormMs.push(await time(viaOrm));
  insertMs.push(await time(viaInsert));
}
await orm.close();
await db.end();
const o = median(ormMs);
const r = median(insertMs);
say(`O1: ${ROWS} rows, ${REPEAT} runs each (medians)`);
say(`  MikroORM create + flush          ${o.toFixed(1)} ms`);
say(`  one multi-row INSERT (pg)        ${r.toFixed(1)} ms`);
record(
  'o1',
  'Insert 1000 rows, MikroORM flush vs one multi-row INSERT',
  [atMost('time, flush / INSERT', o / r, 2)],
  {
    rows: ROWS,
    repeat: REPEAT,
    ormMedianMs: o,
    insertMedianMs: r,
    ormMs,
    insertMs,
  },
);
process.exit(0);
