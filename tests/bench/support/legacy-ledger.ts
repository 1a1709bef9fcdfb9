/**
 * The ledger's postEntry as it was before the fix measured by P1 (docs/benchmarks.md, "Profile and
 * fix (P1)"): a verbatim copy of services/payments/src/domain/ledger.ts's postEntry at commit
 * 70d03d2 (one INSERT for the entry, then one INSERT per posting: 3 statements and round trips for a
 * two-posting entry), so p1.ts runs the old path and the new one in the same run. Bench-only code.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, isErrnoException } from '@faena/platform';
import { uuidv7 } from 'uuidv7';
import type { EntryInput } from '../../../services/payments/src/domain/ledger.ts';

const isCheck = (err: unknown, constraint: string) =>
  isErrnoException(err) && err.code === '23514' && err.message.includes(constraint);

/** postEntry before the fix: the entry's INSERT, then one INSERT per posting, each its own round trip. */
export async function legacyPostEntry(em: EntityManager, entry: EntryInput): Promise<boolean> {
  if (!em.isInTransaction()) throw new Error('postEntry must run inside a transaction');
  const sum = entry.postings.reduce((s, p) => s + p.amount, 0n);
  if (sum !== 0n) throw new Error(`journal entry ${entry.key} does not balance (off by ${sum})`);
  const postings = [...entry.postings]
    .filter((p) => p.amount !== 0n)
    .sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  const inserted = await em.execute<Array<{ id: string }>>(
    `insert into payments.journal_entries (id, tenant_id, kind, idempotency_key, payment_id, description, created_at)
     values (?, ?, ?, ?, ?, ?, now()) on conflict on constraint journal_entries_key_unique do nothing returning id`,
    [uuidv7(), entry.tenantId, entry.kind, entry.key, entry.paymentId ?? null, entry.description ?? ''],
  );
  const entryId = inserted[0]?.id;
  if (!entryId) return false;
  try {
    for (const p of postings) {
      await em.execute(
        `insert into payments.postings (id, tenant_id, entry_id, account_id, amount, currency, created_at) values (?, ?, ?, ?, ?, ?, now())`,
        [uuidv7(), entry.tenantId, entryId, p.accountId, p.amount.toString(), entry.currency],
      );
    }
  } catch (err) {
    if (isCheck(err, 'accounts_balance_non_negative')) {
      throw new DomainError('INSUFFICIENT_BALANCE', 'The balance is not enough for this payment', {
        field: 'amount',
      });
    }
    throw err;
  }
  return true;
}
