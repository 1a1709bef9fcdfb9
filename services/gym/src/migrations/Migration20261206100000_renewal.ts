import { Migration } from '@mikro-orm/migrations';

/**
 * Renewal (issue 16):
 * - `memberships.auto_renew`: the member's consent to be charged from their wallet each period
 *   (`auto_renew_by`: who gave it — the member's own user; null when off), and
 *   `renewal_started_at`: when its renewal workflow was started (null: to start, so a crash between
 *   activation and start is found again on the next read or toggle);
 * - `membership_renewals`: one row per membership and cycle (unique), the result of its charge.
 */
export class Migration20261206100000_renewal extends Migration {
  override name = 'Migration20261206100000_renewal';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "gym"."memberships" add column "auto_renew" boolean not null default false,
        add column "auto_renew_by" uuid null, add column "renewal_started_at" timestamptz null;`,
    );
    this.addSql(
      `alter table "gym"."memberships" add constraint "memberships_auto_renew_check" check (not "auto_renew" or "auto_renew_by" is not null);`,
    );
    this.addSql(
      `create table "gym"."membership_renewals" ("id" uuid not null, "tenant_id" uuid not null, "membership_id" uuid not null,
        "cycle" int not null, "result" text not null, "payment_id" uuid null, "plan_id" uuid not null, "amount" bigint not null,
        "currency" varchar(3) not null, "starts_on" date not null, "ends_on" date not null, "reason" varchar(300) null,
        "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "membership_renewals_tenant_id_index" on "gym"."membership_renewals" ("tenant_id");`,
    );
    this.addSql(
      `create index "membership_renewals_membership_id_index" on "gym"."membership_renewals" ("membership_id");`,
    );
    this.addSql(
      `alter table "gym"."membership_renewals" add constraint "membership_renewals_result_check" check ("result" in ('renewed', 'expired', 'cancelled'));`,
    );
    this.addSql(
      `alter table "gym"."membership_renewals" add constraint "membership_renewals_cycle_unique" unique ("tenant_id", "membership_id", "cycle");`,
    );
    this.addSql(
      `alter table "gym"."membership_renewals" add constraint "membership_renewals_values_check" check ("cycle" > 0 and "amount" >= 0
        and "ends_on" >= "starts_on" and ("result" <> 'renewed' or "amount" = 0 or "payment_id" is not null));`,
    );
    this.addSql(
      `alter table "gym"."membership_renewals" add constraint "membership_renewals_tenant_membership_id_foreign" foreign key ("tenant_id", "membership_id")
        references "gym"."memberships" ("tenant_id", "id") on update cascade on delete cascade deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "gym"."membership_renewals" add constraint "membership_renewals_tenant_plan_id_foreign" foreign key ("tenant_id", "plan_id")
        references "gym"."plans" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "gym"."membership_renewals" cascade;`);
    this.addSql(
      `alter table "gym"."memberships" drop constraint if exists "memberships_auto_renew_check",
        drop column "auto_renew", drop column "auto_renew_by", drop column "renewal_started_at";`,
    );
  }
}
