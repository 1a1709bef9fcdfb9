import { Migration } from '@mikro-orm/migrations';

/**
 * What the entities cannot say, held by the database whoever writes the rows:
 * - tenant-consistent references: every reference to a gym row is a composite foreign key
 *   `(tenant_id, x_id) → x (tenant_id, id)` (deferrable, checked at commit);
 * - one live membership per member and day: an exclusion constraint on
 *   `daterange(starts_on, ends_on)` per member over pending, active and paused memberships
 *   (btree_gist gives GiST the uuid equality);
 * - seats: `booked` between 0 and `capacity`; one live booking per member and class; one
 *   occurrence per schedule and day; a pack's sessions never below 0;
 * - a user is at most one live member; one price per plan and branch; a purchase key once.
 */
const FKS: Array<[table: string, column: string, parent: string, onDelete: 'cascade' | 'restrict']> = [
  ['plan_prices', 'plan_id', 'plans', 'cascade'],
  ['memberships', 'member_id', 'members', 'restrict'],
  ['memberships', 'plan_id', 'plans', 'restrict'],
  ['membership_freezes', 'membership_id', 'memberships', 'cascade'],
  ['membership_events', 'membership_id', 'memberships', 'cascade'],
  ['class_schedules', 'class_type_id', 'class_types', 'restrict'],
  ['class_occurrences', 'schedule_id', 'class_schedules', 'cascade'],
  ['class_occurrences', 'class_type_id', 'class_types', 'restrict'],
  ['bookings', 'occurrence_id', 'class_occurrences', 'cascade'],
  ['bookings', 'member_id', 'members', 'restrict'],
  ['bookings', 'membership_id', 'memberships', 'restrict'],
];
const PARENTS = [...new Set(FKS.map(([, , parent]) => parent))];

export class Migration20261201221300_constraints extends Migration {
  override name = 'Migration20261201221300_constraints';

  override up(): void | Promise<void> {
    this.addSql(`create extension if not exists btree_gist schema public;`);
    for (const parent of PARENTS)
      this.addSql(
        `alter table "gym"."${parent}" add constraint "${parent}_tenant_id_id_unique" unique ("tenant_id", "id");`,
      );
    for (const [table, column, parent, onDelete] of FKS)
      this.addSql(
        `alter table "gym"."${table}" add constraint "${table}_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "gym"."${parent}" ("tenant_id", "id") on update cascade on delete ${onDelete} deferrable initially deferred;`,
      );
    this.addSql(
      `create unique index "members_user_unique" on "gym"."members" ("tenant_id", "user_id")
        where "user_id" is not null and "deleted_at" is null;`,
    );
    this.addSql(
      `alter table "gym"."plan_prices" add constraint "plan_prices_unique" unique ("tenant_id", "plan_id", "branch_id");`,
    );
    this.addSql(
      `alter table "gym"."plan_prices" add constraint "plan_prices_amount_check" check ("amount" > 0);`,
    );
    this.addSql(
      `alter table "gym"."plans" add constraint "plans_counts_check" check (("sessions" is null or "sessions" > 0)
        and ("validity_days" is null or "validity_days" > 0) and "freeze_max_days_per_year" >= 0 and "freeze_min_days" > 0);`,
    );
    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_purchase_key_unique" unique ("tenant_id", "purchase_key");`,
    );
    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_days_check" check ("ends_on" > "starts_on");`,
    );
    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_sessions_check" check ("sessions_left" is null or "sessions_left" >= 0);`,
    );
    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_no_overlap" exclude using gist
        ("tenant_id" with =, "member_id" with =, daterange("starts_on", "ends_on") with &&)
        where ("status" in ('pending_payment', 'active', 'paused'));`,
    );
    this.addSql(
      `alter table "gym"."membership_freezes" add constraint "membership_freezes_days_check" check ("ends_on" > "starts_on");`,
    );
    this.addSql(
      `alter table "gym"."class_schedules" add constraint "class_schedules_check" check ("weekday" between 1 and 7
        and "capacity" > 0 and "duration_minutes" > 0);`,
    );
    this.addSql(
      `alter table "gym"."class_occurrences" add constraint "class_occurrences_seats_check" check ("capacity" > 0
        and "booked" >= 0 and "booked" <= "capacity");`,
    );
    this.addSql(
      `alter table "gym"."class_occurrences" add constraint "class_occurrences_day_unique" unique ("tenant_id", "schedule_id", "local_date");`,
    );
    this.addSql(
      `create index "class_occurrences_calendar_index" on "gym"."class_occurrences" ("tenant_id", "starts_at");`,
    );
    this.addSql(
      `create unique index "bookings_live_unique" on "gym"."bookings" ("tenant_id", "occurrence_id", "member_id")
        where "status" = 'booked';`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "gym"."bookings_live_unique";`);
    this.addSql(`drop index if exists "gym"."class_occurrences_calendar_index";`);
    this.addSql(
      `alter table "gym"."class_occurrences" drop constraint if exists "class_occurrences_day_unique";`,
    );
    this.addSql(
      `alter table "gym"."class_occurrences" drop constraint if exists "class_occurrences_seats_check";`,
    );
    this.addSql(`alter table "gym"."class_schedules" drop constraint if exists "class_schedules_check";`);
    this.addSql(
      `alter table "gym"."membership_freezes" drop constraint if exists "membership_freezes_days_check";`,
    );
    for (const c of ['no_overlap', 'sessions_check', 'days_check', 'purchase_key_unique'])
      this.addSql(`alter table "gym"."memberships" drop constraint if exists "memberships_${c}";`);
    this.addSql(`alter table "gym"."plans" drop constraint if exists "plans_counts_check";`);
    this.addSql(`alter table "gym"."plan_prices" drop constraint if exists "plan_prices_amount_check";`);
    this.addSql(`alter table "gym"."plan_prices" drop constraint if exists "plan_prices_unique";`);
    this.addSql(`drop index if exists "gym"."members_user_unique";`);
    for (const [table, column] of FKS)
      this.addSql(
        `alter table "gym"."${table}" drop constraint if exists "${table}_tenant_${column}_foreign";`,
      );
    for (const parent of PARENTS)
      this.addSql(`alter table "gym"."${parent}" drop constraint if exists "${parent}_tenant_id_id_unique";`);
  }
}
