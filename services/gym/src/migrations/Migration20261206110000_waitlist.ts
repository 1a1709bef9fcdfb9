import { Migration } from '@mikro-orm/migrations';

/**
 * Waitlist, seat offers, occurrence cancellation, attendance and penalties (issue 16):
 * - `class_occurrences.held`: seats held for the waitlist (an offer being decided); a booking takes a
 *   seat only while `booked + held < capacity`, and the CHECK becomes `booked + held <= capacity`;
 * - `waitlist_entries`: arrival order is `seq` (an identity, drawn under the occurrence's row lock),
 *   one live entry (waiting or offered) per member and class, an offered entry has its expiry;
 * - bookings record attendance and their penalty (late cancel or no-show: a session or a fee);
 * - plans carry the fees (minor units), settings the offer hold and the no-show grace.
 */
export class Migration20261206110000_waitlist extends Migration {
  override name = 'Migration20261206110000_waitlist';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "gym"."settings" add column "offer_hold_minutes" int not null default 15,
        add column "no_show_grace_minutes" int not null default 15;`,
    );
    this.addSql(
      `alter table "gym"."settings" add constraint "settings_waitlist_check" check ("offer_hold_minutes" > 0
        and "no_show_grace_minutes" >= 0);`,
    );
    this.addSql(
      `alter table "gym"."plans" add column "late_cancel_fee" bigint null, add column "no_show_fee" bigint null;`,
    );
    this.addSql(
      `alter table "gym"."plans" add constraint "plans_fees_check" check (("late_cancel_fee" is null or "late_cancel_fee" > 0)
        and ("no_show_fee" is null or "no_show_fee" > 0));`,
    );
    this.addSql(
      `alter table "gym"."class_occurrences" add column "held" int not null default 0,
        add column "cancelled_at" timestamptz null, add column "cancelled_reason" varchar(300) null;`,
    );
    this.addSql(`alter table "gym"."class_occurrences" drop constraint "class_occurrences_seats_check";`);
    this.addSql(
      `alter table "gym"."class_occurrences" add constraint "class_occurrences_seats_check" check ("capacity" > 0
        and "booked" >= 0 and "held" >= 0 and "booked" + "held" <= "capacity");`,
    );
    this.addSql(
      `alter table "gym"."bookings" add column "attended_at" timestamptz null,
        add column "no_show" boolean not null default false,
        add column "penalty" text null, add column "penalty_amount" bigint null,
        add column "penalty_currency" varchar(3) null, add column "penalty_payment_id" uuid null,
        add column "waitlist_entry_id" uuid null;`,
    );
    this.addSql(
      `alter table "gym"."bookings" add constraint "bookings_penalty_check" check (
        ("penalty" is null or "penalty" in ('session', 'fee_due', 'fee_paid'))
        and ("penalty" not in ('fee_due', 'fee_paid') or ("penalty_amount" > 0 and "penalty_currency" is not null))
        and ("penalty" <> 'fee_paid' or "penalty_payment_id" is not null)
        and not ("no_show" and "attended_at" is not null));`,
    );
    this.addSql(
      `create table "gym"."waitlist_entries" ("id" uuid not null, "tenant_id" uuid not null,
        "occurrence_id" uuid not null, "member_id" uuid not null, "branch_id" uuid not null,
        "seq" bigint generated always as identity, "status" text not null default 'waiting',
        "offered_at" timestamptz null, "offer_expires_at" timestamptz null, "booking_id" uuid null,
        "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null,
        primary key ("id"));`,
    );
    this.addSql(`create index "waitlist_entries_tenant_id_index" on "gym"."waitlist_entries" ("tenant_id");`);
    this.addSql(`create index "waitlist_entries_member_id_index" on "gym"."waitlist_entries" ("member_id");`);
    this.addSql(
      `create index "waitlist_entries_order_index" on "gym"."waitlist_entries" ("tenant_id", "occurrence_id", "seq");`,
    );
    this.addSql(
      `create unique index "waitlist_entries_live_unique" on "gym"."waitlist_entries" ("tenant_id", "occurrence_id", "member_id")
        where "status" in ('waiting', 'offered');`,
    );
    this.addSql(
      `alter table "gym"."waitlist_entries" add constraint "waitlist_entries_status_check" check (
        "status" in ('waiting', 'offered', 'booked', 'expired', 'declined', 'left', 'closed', 'cancelled')
        and ("status" <> 'offered' or ("offered_at" is not null and "offer_expires_at" is not null))
        and ("status" <> 'booked' or "booking_id" is not null));`,
    );
    this.addSql(
      `alter table "gym"."waitlist_entries" add constraint "waitlist_entries_tenant_id_id_unique" unique ("tenant_id", "id");`,
    );
    // Bookings were no parent before (reception's migration asks the same, whichever runs first).
    this.addSql(
      `do $$ begin
        if not exists (select 1 from pg_constraint where conname = 'bookings_tenant_id_id_unique'
            and conrelid = '"gym"."bookings"'::regclass) then
          alter table "gym"."bookings" add constraint "bookings_tenant_id_id_unique" unique ("tenant_id", "id");
        end if;
      end $$;`,
    );
    for (const [column, parent] of [
      ['occurrence_id', 'class_occurrences'],
      ['member_id', 'members'],
      ['booking_id', 'bookings'],
    ] as const)
      this.addSql(
        `alter table "gym"."waitlist_entries" add constraint "waitlist_entries_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "gym"."${parent}" ("tenant_id", "id") on update cascade on delete ${column === 'member_id' ? 'restrict' : 'cascade'} deferrable initially deferred;`,
      );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "gym"."waitlist_entries" cascade;`);
    this.addSql(`alter table "gym"."bookings" drop constraint if exists "bookings_penalty_check";`);
    this.addSql(
      `alter table "gym"."bookings" drop column "attended_at", drop column "no_show", drop column "penalty",
        drop column "penalty_amount", drop column "penalty_currency", drop column "penalty_payment_id",
        drop column "waitlist_entry_id";`,
    );
    this.addSql(
      `alter table "gym"."class_occurrences" drop constraint if exists "class_occurrences_seats_check";`,
    );
    this.addSql(
      `alter table "gym"."class_occurrences" drop column "held", drop column "cancelled_at", drop column "cancelled_reason";`,
    );
    this.addSql(
      `alter table "gym"."class_occurrences" add constraint "class_occurrences_seats_check" check ("capacity" > 0
        and "booked" >= 0 and "booked" <= "capacity");`,
    );
    this.addSql(`alter table "gym"."plans" drop constraint if exists "plans_fees_check";`);
    this.addSql(`alter table "gym"."plans" drop column "late_cancel_fee", drop column "no_show_fee";`);
    this.addSql(`alter table "gym"."settings" drop constraint if exists "settings_waitlist_check";`);
    this.addSql(
      `alter table "gym"."settings" drop column "offer_hold_minutes", drop column "no_show_grace_minutes";`,
    );
  }
}
