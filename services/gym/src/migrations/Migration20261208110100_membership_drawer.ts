import { Migration } from '@mikro-orm/migrations';

/**
 * A membership paid in cash keeps the reception drawer whose open session took it (payments'
 * drawer: another service's row, so no foreign key — application-checked by payments when it took
 * the payment). Only cash names a drawer.
 */
export class Migration20261208110100_membership_drawer extends Migration {
  override name = 'Migration20261208110100_membership_drawer';

  override up(): void | Promise<void> {
    this.addSql(`alter table "gym"."memberships" add column "drawer_id" uuid null;`);
    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_drawer_cash_check" check ("drawer_id" is null or "payment_method" = 'cash');`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "gym"."memberships" drop constraint if exists "memberships_drawer_cash_check";`);
    this.addSql(`alter table "gym"."memberships" drop column if exists "drawer_id";`);
  }
}
