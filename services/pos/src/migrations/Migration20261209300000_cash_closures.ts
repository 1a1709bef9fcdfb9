import { Migration } from '@mikro-orm/migrations';

/**
 * The nightly cash closure (issue 18), with the rules the database holds:
 * - one closure settings row per branch; a closing time `HH:mm` (00:00–23:59); reminder before
 *   escalation, both within a week;
 * - one closure per branch and business date (the backstop of the process's id), a date `YYYY-MM-DD`,
 *   a window that ends after it starts, a state from its list, an approved closure naming its
 *   approver and time, a reported one its report;
 * - `unique (tenant_id, id)` on closures for tenant-consistent references.
 */
const audit = `"created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null`;

export class Migration20261209300000_cash_closures extends Migration {
  override name = 'Migration20261209300000_cash_closures';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "pos"."closure_settings" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
        "closing_time" varchar(5) not null, "closes_next_day" boolean not null default false,
        "remind_after_minutes" int not null default 120, "escalate_after_minutes" int not null default 720,
        ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."cash_closures" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
        "business_date" varchar(10) not null, "window_from" timestamptz not null, "window_to" timestamptz not null,
        "time_zone" varchar(64) not null, "currency" varchar(3) null, "locale" varchar(35) null, "state" text not null default 'reporting',
        "workflow_id" varchar(200) not null, "report" jsonb null, "needs_approval" boolean not null default false,
        "reported_at" timestamptz null, "approved_by" uuid null, "approved_at" timestamptz null,
        "approval_note" varchar(500) null, ${audit}, primary key ("id"));`,
    );
    for (const [table, column] of [
      ['closure_settings', 'tenant_id'],
      ['cash_closures', 'tenant_id'],
    ])
      this.addSql(`create index "${table}_${column}_index" on "pos"."${table}" ("${column}");`);
    this.addSql(
      `alter table "pos"."closure_settings" add constraint "closure_settings_branch_unique" unique ("tenant_id", "branch_id");`,
    );
    this.addSql(
      `alter table "pos"."closure_settings" add constraint "closure_settings_check" check (
        "closing_time" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
        and "remind_after_minutes" between 1 and 10080 and "escalate_after_minutes" between 1 and 10080
        and "remind_after_minutes" < "escalate_after_minutes");`,
    );
    this.addSql(
      `alter table "pos"."cash_closures" add constraint "cash_closures_date_unique" unique ("tenant_id", "branch_id", "business_date");`,
    );
    this.addSql(
      `alter table "pos"."cash_closures" add constraint "cash_closures_tenant_id_unique" unique ("tenant_id", "id");`,
    );
    this.addSql(
      `alter table "pos"."cash_closures" add constraint "cash_closures_state_check" check ("state" in ('reporting', 'awaiting_approval', 'closed', 'approved'));`,
    );
    this.addSql(
      `alter table "pos"."cash_closures" add constraint "cash_closures_check" check (
        "business_date" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' and "window_to" > "window_from"
        and ("state" = 'reporting' or ("report" is not null and "reported_at" is not null))
        and (("state" = 'approved') = ("approved_by" is not null and "approved_at" is not null)));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "pos"."cash_closures" cascade;`);
    this.addSql(`drop table if exists "pos"."closure_settings" cascade;`);
  }
}
