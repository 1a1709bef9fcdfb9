/**
 * Checks of the whole run, beyond each process's own: the ledger invariants (the same check as
 * `make test`'s teardown) and the notifications outbox draining.
 */
import type pg from 'pg';
import { ledgerProblems } from '../invariants/ledger-teardown.ts';
import { sleep } from './http.ts';

export interface LedgerResult {
  balanced: boolean;
  entries: number;
  problems: string[];
}

export async function checkLedger(db: pg.Client): Promise<LedgerResult> {
  const { problems, entries, checked } = await ledgerProblems(db, 'chaos');
  if (!checked) return { balanced: false, entries: 0, problems: ['no payments schema'] };
  return { balanced: problems.length === 0, entries, problems };
}

/**
 * Money moved twice anywhere in the ledger, deals or not (wallet deposits too): a payment funded,
 * held or paid out more than once, or refunded beyond what it captured.
 */
export async function checkDuplicates(db: pg.Client): Promise<string[]> {
  const twice = await db.query<{ payment_id: string; kind: string; n: number }>(
    `select payment_id, kind, count(*)::int as n from payments.journal_entries
      where payment_id is not null and kind in ('payment', 'escrow_hold', 'payout')
      group by payment_id, kind having count(*) > 1`,
  );
  const over = await db.query<{ id: string; captured: string; refunded: string }>(
    `select p.id, p.captured_amount::text as captured, coalesce(sum(po.amount), 0)::text as refunded
       from payments.payments p
       join payments.journal_entries e on e.payment_id = p.id and e.kind = 'refund'
       join payments.postings po on po.entry_id = e.id and po.amount > 0
      group by p.id having coalesce(sum(po.amount), 0) > p.captured_amount`,
  );
  return [
    ...twice.rows.map((r) => `payment ${r.payment_id}: ${r.n} ${r.kind} entries`),
    ...over.rows.map((r) => `payment ${r.id}: refunded ${r.refunded} of ${r.captured} captured`),
  ];
}

export interface OutboxResult {
  drained: boolean;
  /** Webhook deliveries still due, and given up on (dead). */
  pending: number;
  dead: number;
  delivered: number;
  /** Emails not sent (queued: in flight; failed: waiting for the next notify with the same key). */
  emailsQueued: number;
  emailsFailed: number;
  waitedMs: number;
}

const count = async (db: pg.Client, sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);

/** Waits (until `deadline`) for the outbox to hold nothing due, then reports it. */
export async function waitOutbox(db: () => Promise<pg.Client>, deadline: number): Promise<OutboxResult> {
  const start = Date.now();
  for (;;) {
    const c = await db();
    try {
      const pending = await count(
        c,
        `select count(*) as n from notifications.webhook_deliveries where status = 'pending'`,
      );
      const queued = await count(
        c,
        `select count(*) as n from notifications.notifications where status = 'queued' and channel = 'email'`,
      );
      if ((pending === 0 && queued === 0) || Date.now() >= deadline) {
        return {
          drained: pending === 0 && queued === 0,
          pending,
          dead: await count(
            c,
            `select count(*) as n from notifications.webhook_deliveries where status = 'dead'`,
          ),
          delivered: await count(
            c,
            `select count(*) as n from notifications.webhook_deliveries where status = 'delivered'`,
          ),
          emailsQueued: queued,
          emailsFailed: await count(
            c,
            `select count(*) as n from notifications.notifications where status = 'failed' and channel = 'email'`,
          ),
          waitedMs: Date.now() - start,
        };
      }
    } finally {
      await c.end();
    }
    await sleep(1000);
  }
}
