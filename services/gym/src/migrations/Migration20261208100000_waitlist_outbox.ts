import { Migration } from '@mikro-orm/migrations';

/**
 * The class waitlist completed (issue 16):
 * - `waitlist_outbox`: one row per occurrence whose process must look again, written in the
 *   transaction of the change (a booking, a cancel, an entry, a capacity change, a cancelled
 *   class). `version` counts the changes, `signalled` the last one a signal is known to have
 *   reached the process with; the gym worker's dispatcher signals (with start) every row where
 *   `signalled < version`. CHECK `signalled <= version`.
 * - `bookings.confirmed_at`: when the process confirmed the booking (`gym.booking_confirmed`, once);
 *   bookings made before this migration count as confirmed.
 * - `bookings.fee_consent`: the member booked with their own token, after being told the plan's
 *   fees: the process may charge a late cancel's or a no-show's fee to their wallet unattended.
 *   `penalty_declined_at`: that charge was declined (the fee stays `fee_due` for the desk).
 */
export class Migration20261208100000_waitlist_outbox extends Migration {
  override name = 'Migration20261208100000_waitlist_outbox';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "gym"."waitlist_outbox" (
        "occurrence_id" uuid not null,
        "tenant_id" uuid not null,
        "version" int not null default 1,
        "signalled" int not null default 0,
        "changed_at" timestamptz not null,
        constraint "waitlist_outbox_pkey" primary key ("occurrence_id"),
        constraint "waitlist_outbox_versions_check" check ("signalled" >= 0 and "signalled" <= "version"));`,
    );
    this.addSql(
      `create index "waitlist_outbox_pending_index" on "gym"."waitlist_outbox" ("changed_at") where "signalled" < "version";`,
    );
    this.addSql(`create index "waitlist_outbox_tenant_id_index" on "gym"."waitlist_outbox" ("tenant_id");`);
    this.addSql(
      `alter table "gym"."waitlist_outbox" add constraint "waitlist_outbox_tenant_occurrence_id_foreign" foreign key ("tenant_id", "occurrence_id")
        references "gym"."class_occurrences" ("tenant_id", "id") on update cascade on delete cascade deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "gym"."bookings" add column "confirmed_at" timestamptz null,
        add column "fee_consent" boolean not null default false,
        add column "penalty_declined_at" timestamptz null;`,
    );
    this.addSql(`update "gym"."bookings" set "confirmed_at" = "created_at";`);
    this.addSql(
      `alter table "gym"."bookings" add constraint "bookings_penalty_declined_check" check (
        "penalty_declined_at" is null or ("fee_consent" and "penalty" in ('fee_due', 'fee_paid')));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "gym"."bookings" drop constraint if exists "bookings_penalty_declined_check";`);
    this.addSql(
      `alter table "gym"."bookings" drop column "confirmed_at", drop column "fee_consent", drop column "penalty_declined_at";`,
    );
    this.addSql(`drop table if exists "gym"."waitlist_outbox" cascade;`);
  }
}
