import { Migration } from '@mikro-orm/migrations';

/**
 * Refunds and payouts of an escrowed payment read what the escrow still holds of it from its own
 * journal entries (`heldInEscrow` in domain/payments.ts): index them by payment. Written by hand,
 * like the invariants of the init migration (an index the entities do not declare).
 * The status CHECK already allows `partially_refunded` (init migration), so no status change here.
 */
export class Migration20261201082111_journal_entries_payment extends Migration {
  override name = 'Migration20261201082111_journal_entries_payment';

  override up(): void | Promise<void> {
    this.addSql(
      `create index if not exists "journal_entries_payment_index" on "payments"."journal_entries" ("tenant_id", "payment_id") where "payment_id" is not null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "payments"."journal_entries_payment_index";`);
  }
}
