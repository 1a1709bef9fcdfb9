/**
 * Growth's POS report query: the sales report of one branch for one month (services/pos
 * `salesReport`, the statements `GET /reports/sales` runs, in their read-only repeatable-read
 * snapshot) over a month of `BENCH_SCALE` × 10,000 orders (`seedReportMonth` of
 * services/pos/test/report-fixtures.ts: two lines and one tender per paid order, 1 in 50
 * cancelled), on a database of its own (`faena_bench_pos_report`, migrated, dropped at the end).
 * Two warm-up reports, then BENCH_REPORTS (default 10) one after the other: the median and the
 * slowest in ms, written to `.cache/bench/<BENCH_ID>.json` (growth.ts reads it).
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { runMigrations, runWithContext, withEm } from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import { salesReport } from '../../../services/pos/src/domain/reports.ts';
import { createPosOrm } from '../../../services/pos/src/wiring.ts';
import { seedReportMonth } from '../../../services/pos/test/report-fixtures.ts';
import { record, say } from './bench.ts';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const id = process.env.BENCH_ID ?? `growth-pos-x${scale}`;
const reports = Number(process.env.BENCH_REPORTS ?? 10);
const DB = 'faena_bench_pos_report';

const admin = new pg.Client({ connectionString: testStack.postgresAdminUrl });
await admin.connect();
await admin.query(`drop database if exists "${DB}" with (force)`);
await admin.query(`create database "${DB}"`);
const url = new URL(testStack.postgresAdminUrl);
url.pathname = `/${DB}`;
const orm = await createPosOrm({ DATABASE_URL: url.toString(), DATABASE_POOL_MAX: 2 });
try {
  await runMigrations(orm);
  const tenantId = randomUUID();
  const branchId = randomUUID();
  const t0 = performance.now();
  const month = await seedReportMonth(orm.em.fork(), {
    tenantId,
    branchId,
    currency: 'CLP',
    timeZone: 'America/Santiago',
    month: '2026-10',
    orders: 10_000 * scale,
  });
  const seedS = (performance.now() - t0) / 1000;
  await orm.em.fork().getConnection().execute('analyze');
  const input = { tenantId, branchId, from: month.from, to: month.to, currency: 'CLP' };
  const once = () =>
    runWithContext({ tenantId }, () =>
      withEm(orm, async (em) => {
        const t = performance.now();
        const r = await salesReport(em, input);
        return { ms: performance.now() - t, orders: r.totals.orders };
      }),
    );
  await once();
  await once();
  const times: number[] = [];
  let orders = 0;
  for (let i = 0; i < reports; i++) {
    const r = await once();
    times.push(r.ms);
    orders = r.orders;
  }
  times.sort((a, b) => a - b);
  const medianMs = Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
  const maxMs = Math.round(times[times.length - 1]! * 10) / 10;
  say(
    `  POS sales report, ${month.orders} orders (${orders} paid, seeded in ${seedS.toFixed(1)} s): median ${medianMs} ms, slowest ${maxMs} ms of ${reports}`,
  );
  if (orders !== month.paid)
    throw new Error(`the report counted ${orders} paid orders, ${month.paid} were seeded`);
  record(id, `POS sales report of a month at ${scale}x`, [], {
    scale,
    orders: month.orders,
    paid: month.paid,
    medianMs,
    maxMs,
    reports,
    seedSeconds: seedS,
  });
} finally {
  await orm.close(true);
  await admin.query(`drop database if exists "${DB}" with (force)`);
  await admin.end();
}
process.exit(0);
