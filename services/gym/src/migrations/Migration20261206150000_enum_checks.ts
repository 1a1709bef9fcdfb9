import { Migration } from '@mikro-orm/migrations';

/**
 * Enum columns of the store, incident and training tables were created as plain text without
 * their check: the database now refuses a value the entities do not name, as it does for the first
 * tables (found by tests/invariants/migration-snapshots.test.ts, which diffs what the migrations
 * build against the entities). Bookings' penalty, check-ins' method and waitlist entries' status
 * already have richer checks under the same names.
 */
export class Migration20261206150000_enum_checks extends Migration {
  override name = 'Migration20261206150000_enum_checks';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "gym"."incidents" add constraint "incidents_priority_check" check ("priority" in ('low', 'medium', 'high', 'urgent'));`,
    );
    this.addSql(
      `alter table "gym"."incidents" add constraint "incidents_status_check" check ("status" in ('open', 'in_progress', 'resolved'));`,
    );
    this.addSql(
      `alter table "gym"."routine_assignments" add constraint "routine_assignments_status_check" check ("status" in ('active', 'ended'));`,
    );
    this.addSql(
      `alter table "gym"."routine_versions" add constraint "routine_versions_difficulty_check" check ("difficulty" in ('beginner', 'intermediate', 'advanced'));`,
    );
    this.addSql(
      `alter table "gym"."sales" add constraint "sales_status_check" check ("status" in ('pending_payment', 'paid', 'failed'));`,
    );
    this.addSql(
      `alter table "gym"."sales" add constraint "sales_payment_method_check" check ("payment_method" in ('wallet'));`,
    );
    this.addSql(
      `alter table "gym"."stock_movements" add constraint "stock_movements_reason_check" check ("reason" in ('received', 'adjustment', 'loss', 'returned', 'sale', 'sale_reversed'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "gym"."incidents" drop constraint if exists "incidents_priority_check";`);
    this.addSql(`alter table "gym"."incidents" drop constraint if exists "incidents_status_check";`);
    this.addSql(
      `alter table "gym"."routine_assignments" drop constraint if exists "routine_assignments_status_check";`,
    );
    this.addSql(
      `alter table "gym"."routine_versions" drop constraint if exists "routine_versions_difficulty_check";`,
    );
    this.addSql(`alter table "gym"."sales" drop constraint if exists "sales_status_check";`);
    this.addSql(`alter table "gym"."sales" drop constraint if exists "sales_payment_method_check";`);
    this.addSql(
      `alter table "gym"."stock_movements" drop constraint if exists "stock_movements_reason_check";`,
    );
  }
}
