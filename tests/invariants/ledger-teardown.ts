/**
 * jest globalTeardown: after the whole suite, the ledger of every test database must hold —
 * every journal entry balances per currency and every account balance equals the sum of its
 * postings. A violation fails the run. `ledgerProblems` is the check itself, shared with the chaos
 * harness (tests/chaos), which runs it on its own database after the faults.
 */
import pg from 'pg';

const ADMIN = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://faena:faena@127.0.0.1:5432/faena';

/**
 * The ledger invariants of one database, as problems (empty: it holds) and the number of journal
 * entries checked. A database without the payments schema has nothing to check.
 */
export async function ledgerProblems(
  c: Pick<pg.ClientBase, 'query'>,
  label = 'ledger',
): Promise<{ problems: string[]; entries: number; checked: boolean }> {
  const has = await c.query(
    "select 1 from information_schema.tables where table_schema = 'payments' and table_name = 'postings'",
  );
  if (!has.rowCount) return { problems: [], entries: 0, checked: false };
  const problems: string[] = [];
  const unbalanced = await c.query(
    `select entry_id, currency, sum(amount)::text as off from payments.postings group by entry_id, currency having sum(amount) <> 0`,
  );
  for (const r of unbalanced.rows)
    problems.push(`${label}: entry ${r.entry_id} off by ${r.off} ${r.currency}`);
  const drift = await c.query(
    `select a.id, a.balance::text as balance, coalesce(sum(p.amount), 0)::text as postings from payments.accounts a
       left join payments.postings p on p.account_id = a.id group by a.id having a.balance <> coalesce(sum(p.amount), 0)`,
  );
  for (const r of drift.rows)
    problems.push(`${label}: account ${r.id} balance ${r.balance} but postings sum to ${r.postings}`);
  const empty = await c.query(
    `select e.id from payments.journal_entries e where not exists (select 1 from payments.postings p where p.entry_id = e.id)`,
  );
  for (const r of empty.rows) problems.push(`${label}: entry ${r.id} has no postings`);
  const entries = Number((await c.query('select count(*) as n from payments.journal_entries')).rows[0].n);
  return { problems, entries, checked: true };
}

export default async function ledgerInvariants(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  // This run's databases only (see testDatabaseName): another run may be going on the same server.
  const run = process.env.FAENA_TEST_RUN ?? String(process.pid);
  const { rows: dbs } = await admin.query<{ datname: string }>(
    'select datname from pg_database where datname like $1',
    [`faena\\_test\\_${run}\\_%`],
  );
  await admin.end();
  const problems: string[] = [];
  let entries = 0;
  for (const { datname } of dbs) {
    const url = new URL(ADMIN);
    url.pathname = `/${datname}`;
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      const found = await ledgerProblems(c, datname);
      problems.push(...found.problems);
      entries += found.entries;
    } finally {
      await c.end();
    }
  }
  if (problems.length) throw new Error(`Ledger invariants violated:\n${problems.join('\n')}`);
  process.stdout.write(
    `\nledger invariants hold over ${entries} journal entries in ${dbs.length} test databases\n`,
  );
}
