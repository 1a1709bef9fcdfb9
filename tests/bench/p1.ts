/**
 * P1: journal entries per second through the production ledger path (MikroORM transaction,
 * postEntry with its triggers, CHECK and deferred balance check) beside pgbench's TPC-B on the same
 * PostgreSQL, same client count and duration. Goal: >= 75% of TPC-B's tps. Uses its own database,
 * faena_bench. BENCH_SCALE (growth.ts) multiplies the rows of both: pgbench -s 4 x scale, and
 * 500 x scale funded wallets.
 *
 * The fix (docs/benchmarks.md, "Profile and fix (P1)") is measured before and after in this run:
 * the ledger side runs with postEntry as it was (support/legacy-ledger.ts) and as it is, in
 * halves of BENCH_SECONDS each in the order before, after, after, before (the postings table grows
 * and the machine's load drifts during the run: neither side gets the better half). BENCH_BEFORE=0 (growth.ts) runs only the current postEntry.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { runMigrations } from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import { atLeast, record } from './support/bench.ts';
import { legacyPostEntry } from './support/legacy-ledger.ts';
import { ensureAccount, postEntry } from '../../services/payments/src/domain/ledger.ts';
import { createPaymentsOrm } from '../../services/payments/src/wiring.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ID = process.env.BENCH_ID ?? 'p1';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const BEFORE = process.env.BENCH_BEFORE !== '0';
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const admin = new URL(testStack.postgresAdminUrl);
const benchUrl = new URL(testStack.postgresAdminUrl);
benchUrl.pathname = '/faena_bench';

const c = new pg.Client({ connectionString: admin.toString() });
await c.connect();
await c.query('drop database if exists faena_bench with (force)');
await c.query('create database faena_bench');
await c.end();

// --- pgbench TPC-B -------------------------------------------------------------------------------
const env = { ...process.env, PGPASSWORD: decodeURIComponent(admin.password) };
const conn = ['-h', admin.hostname, '-p', admin.port || '5432', '-U', decodeURIComponent(admin.username)];
execFileSync(path.join(PG_BIN, 'pgbench'), [...conn, '-i', '-s', String(4 * SCALE), '-q', 'faena_bench'], {
  env,
  stdio: 'ignore',
});
const out = execFileSync(
  path.join(PG_BIN, 'pgbench'),
  [...conn, '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-M', 'prepared', 'faena_bench'],
  { env },
).toString();
const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);

// --- ledger --------------------------------------------------------------------------------------
const orm = await createPaymentsOrm({ DATABASE_URL: benchUrl.toString(), DATABASE_POOL_MAX: CLIENTS + 2 });
await runMigrations(orm);
const tenantId = uuidv7();
const setup = orm.em.fork() as unknown as EntityManager;
const wallets: string[] = [];
for (let i = 0; i < 500 * SCALE; i++)
  wallets.push(await ensureAccount(setup, tenantId, 'customer_wallet', uuidv7(), 'ARS'));
const funding = await ensureAccount(setup, tenantId, 'provider_clearing', null, 'ARS');
// Every wallet starts with money so transfers between them never overdraw.
for (const w of wallets) {
  await setup.transactional((tx) =>
    postEntry(tx, {
      tenantId,
      key: `fund-${w}`,
      kind: 'deposit',
      currency: 'ARS',
      postings: [
        { accountId: funding, amount: -1_000_000n },
        { accountId: w, amount: 1_000_000n },
      ],
    }),
  );
}
/** Entries posted by CLIENTS concurrent clients in `ms`, each its own transaction, with `post`. */
const transfers = async (post: typeof postEntry, ms: number): Promise<number> => {
  let entries = 0;
  const deadline = Date.now() + ms;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const em = orm.em.fork() as unknown as EntityManager;
      while (Date.now() < deadline) {
        const from = wallets[Math.floor(Math.random() * wallets.length)]!;
        const to = wallets[Math.floor(Math.random() * wallets.length)]!;
        if (from === to) continue;
        await em.transactional((tx) =>
          post(tx, {
            tenantId,
            key: uuidv7(),
            kind: 'transfer',
            currency: 'ARS',
            postings: [
              { accountId: from, amount: -1n },
              { accountId: to, amount: 1n },
            ],
          }),
        );
        entries += 1;
      }
    }),
  );
  return entries;
};
let before = 0;
let after = 0;
if (BEFORE) {
  // before, after, after, before: half of BENCH_SECONDS each (a drift during the run favours neither).
  const half = (SECONDS * 1000) / 2;
  before += await transfers(legacyPostEntry, half);
  after += await transfers(postEntry, half);
  after += await transfers(postEntry, half);
  before += await transfers(legacyPostEntry, half);
} else after = await transfers(postEntry, SECONDS * 1000);
await orm.close();
const entriesPerSecond = after / SECONDS;
const beforePerSecond = before / SECONDS;
const ratio = entriesPerSecond / tps;
process.stdout.write(`ledger throughput: ${CLIENTS} clients, ${SECONDS} s each, same PostgreSQL\n`);
process.stdout.write(`pgbench TPC-B              ${tps.toFixed(0).padStart(8)} tps\n`);
if (BEFORE)
  process.stdout.write(
    `ledger entries, before     ${beforePerSecond.toFixed(0).padStart(8)} /s (legacy postEntry)\n`,
  );
process.stdout.write(
  `ledger journal entries     ${entriesPerSecond.toFixed(0).padStart(8)} /s (${(entriesPerSecond * 2).toFixed(0)} postings/s)\n`,
);
record(
  ID,
  `Ledger entries/s vs pgbench TPC-B (scale ${SCALE})`,
  [
    atLeast('entries/s / TPC-B tps', ratio, 0.75),
    ...(BEFORE
      ? [
          {
            what: 'entries/s / TPC-B tps, before the fix',
            ratio: beforePerSecond / tps,
            goal: 'shown',
            met: true,
          },
          atLeast('entries/s, the fix: after / before', entriesPerSecond / beforePerSecond, 1),
        ]
      : []),
  ],
  {
    clients: CLIENTS,
    seconds: SECONDS,
    scale: SCALE,
    pgbenchScale: 4 * SCALE,
    wallets: 500 * SCALE,
    tps,
    entriesPerSecond,
    ...(BEFORE && { beforePerSecond, beforeRatio: beforePerSecond / tps }),
  },
);
process.exit(0);
