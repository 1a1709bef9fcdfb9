import { Migration } from '@mikro-orm/migrations';

/**
 * The branch that took a payment, so grants scoped to some branches see and refund only theirs
 * (and a cash refund goes back to the drawer that took the cash). Payments taken before have none:
 * only tenant-wide grants see them.
 */
export class Migration20261201180000_payment_branch extends Migration {
  override name = 'Migration20261201180000_payment_branch';

  override up(): void | Promise<void> {
    this.addSql(`alter table "payments"."payments" add column "branch_id" uuid null;`);
    this.addSql(`create index "payments_branch_id_index" on "payments"."payments" ("branch_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "payments"."payments_branch_id_index";`);
    this.addSql(`alter table "payments"."payments" drop column "branch_id";`);
  }
}
