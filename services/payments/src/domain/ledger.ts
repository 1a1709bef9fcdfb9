import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, decodeCursor, encodeCursor, isErrnoException } from '@faena/platform';
import { uuidv7 } from 'uuidv7';
import type { AccountKind } from './entities.ts';

/** Accounts that may go below zero: the platform's view of money outside it (provider, cash drawers, revenue reversals). */
const MAY_GO_NEGATIVE: ReadonlySet<AccountKind> = new Set([
  'provider_clearing',
  'cash_drawer',
  'cash_safe',
  'cash_over_short',
]);

const isCheck = (err: unknown, constraint: string) =>
  isErrnoException(err) && err.code === '23514' && err.message.includes(constraint);

/**
 * The account of `kind` for `ownerId` (or the platform, when null) in `currency`, created on first
 * use. Concurrent first uses agree on one row (insert … on conflict do nothing, then read).
 */
export async function ensureAccount(
  em: EntityManager,
  tenantId: string,
  kind: AccountKind,
  ownerId: string | null,
  currency: string,
  /** A cash drawer's branch (the account is the drawer's: `ownerId` is the drawer). */
  branchId: string | null = null,
): Promise<string> {
  const rows = await em.execute<Array<{ id: string }>>(
    `insert into payments.accounts (id, tenant_id, kind, owner_id, branch_id, currency, balance, allow_negative, created_at)
     values (?, ?, ?, ?, ?, ?, 0, ?, now()) on conflict on constraint accounts_unique do nothing returning id`,
    [uuidv7(), tenantId, kind, ownerId, branchId, currency, MAY_GO_NEGATIVE.has(kind)],
  );
  if (rows[0]) return rows[0].id;
  const existing = await em.execute<Array<{ id: string }>>(
    `select id from payments.accounts where tenant_id = ? and kind = ? and owner_id is not distinct from ? and currency = ?`,
    [tenantId, kind, ownerId, currency],
  );
  return existing[0]!.id;
}

export interface PostingInput {
  accountId: string;
  /** Minor units; positive raises the account's balance, negative lowers it. */
  amount: bigint;
}

export interface EntryInput {
  tenantId: string;
  /** Unique per tenant: posting the same key twice records the entry once. */
  key: string;
  kind: string;
  currency: string;
  paymentId?: string | null;
  description?: string;
  postings: PostingInput[];
}

/**
 * Records a balanced journal entry, at most once per key. Must run inside a transaction: balances
 * move by trigger as each posting lands (rows locked in account order, so concurrent entries never
 * deadlock), the CHECK on accounts refuses an overdraft, and the deferred constraint trigger refuses
 * an unbalanced entry at commit. Returns false when the key had already been posted.
 *
 * One statement, one round trip: the entry's insert and its postings' insert are data-modifying
 * CTEs of one query (the postings take the entry's id from its RETURNING, so none is written when
 * the key was already posted). Their row triggers fire in the order the rows are inserted, the
 * accounts' order (docs/benchmarks.md, "Profile and fix (P1)": three round trips were the cost).
 */
export async function postEntry(em: EntityManager, entry: EntryInput): Promise<boolean> {
  if (!em.isInTransaction()) throw new Error('postEntry must run inside a transaction');
  const sum = entry.postings.reduce((s, p) => s + p.amount, 0n);
  if (sum !== 0n) throw new Error(`journal entry ${entry.key} does not balance (off by ${sum})`);
  const postings = [...entry.postings]
    .filter((p) => p.amount !== 0n)
    .sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  const insertEntry = `insert into payments.journal_entries (id, tenant_id, kind, idempotency_key, payment_id, description, created_at)
     values (?, ?, ?, ?, ?, ?, now()) on conflict on constraint journal_entries_key_unique do nothing returning id`;
  const entryParams = [
    uuidv7(),
    entry.tenantId,
    entry.kind,
    entry.key,
    entry.paymentId ?? null,
    entry.description ?? '',
  ];
  if (!postings.length) return (await em.execute<Array<{ id: string }>>(insertEntry, entryParams)).length > 0;
  try {
    const [row] = await em.execute<Array<{ id: string | null }>>(
      `with entry as (${insertEntry}),
       posted as (
         insert into payments.postings (id, tenant_id, entry_id, account_id, amount, currency, created_at)
         select p.id, ?::uuid, entry.id, p.account_id, p.amount, ?::text, now()
           from entry cross join (values ${postings.map(() => '(?::uuid, ?::uuid, ?::bigint, ?::int)').join(', ')})
             as p (id, account_id, amount, n)
          order by p.n
         returning 1)
       select (select id from entry) as id`,
      [
        ...entryParams,
        entry.tenantId,
        entry.currency,
        ...postings.flatMap((p, n) => [uuidv7(), p.accountId, p.amount.toString(), n]),
      ],
    );
    return Boolean(row?.id);
  } catch (err) {
    if (isCheck(err, 'accounts_balance_non_negative')) {
      throw new DomainError('INSUFFICIENT_BALANCE', 'The balance is not enough for this payment', {
        field: 'amount',
      });
    }
    throw err;
  }
}

export interface Balance {
  id: string;
  kind: AccountKind;
  ownerId: string | null;
  /** A cash drawer's branch; null for every other account. */
  branchId: string | null;
  currency: string;
  balance: string;
}

/** The accounts of a tenant (optionally of one owner) with their balances, as decimal strings of minor units. */
export async function balances(em: EntityManager, tenantId: string, ownerId?: string): Promise<Balance[]> {
  return em.execute<Balance[]>(
    `select id, kind, owner_id as "ownerId", branch_id as "branchId", currency, balance::text as balance
       from payments.accounts where tenant_id = ? ${ownerId ? 'and owner_id = ?' : ''} order by kind, currency`,
    ownerId ? [tenantId, ownerId] : [tenantId],
  );
}

/** One posting of an account's statement, with its journal entry. */
export interface StatementLine {
  postingId: string;
  entryId: string;
  kind: string;
  description: string;
  paymentId: string | null;
  amount: string;
  currency: string;
  /** ISO 8601, UTC, millisecond precision (also in the CSV). */
  createdAt: string;
}

/** The postings of an account, newest first, with their entry, filtered by date and entry kind. */
export async function statement(
  em: EntityManager,
  accountId: string,
  q: { limit: number; cursor?: string; from?: Date; to?: Date; kind?: string },
) {
  const cursor = decodeCursor(q.cursor);
  const where = ['p.account_id = ?'];
  const params: unknown[] = [accountId];
  if (cursor) {
    where.push('p.id < ?');
    params.push(cursor.id);
  }
  if (q.from) {
    where.push('p.created_at >= ?');
    params.push(q.from);
  }
  if (q.to) {
    where.push('p.created_at < ?');
    params.push(q.to);
  }
  if (q.kind) {
    where.push('e.kind = ?');
    params.push(q.kind);
  }
  params.push(q.limit + 1);
  const rows = await em.execute<StatementLine[]>(
    `select p.id as "postingId", e.id as "entryId", e.kind, e.description, e.payment_id as "paymentId", p.amount::text as amount, p.currency,
            to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt"
       from payments.postings p join payments.journal_entries e on e.id = p.entry_id
      where ${where.join(' and ')} order by p.id desc limit ?`,
    params,
  );
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > q.limit && last ? encodeCursor({ after: last.postingId, id: last.postingId }) : null,
  };
}
