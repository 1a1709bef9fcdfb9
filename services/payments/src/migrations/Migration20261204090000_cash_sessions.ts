import { Migration } from '@mikro-orm/migrations';

/**
 * Cash drawers and cash sessions (issue 14: cash reaches a wallet only through an open drawer; issue 17
 * and gym reception use the same sessions). Each drawer is its own `cash_drawer` account (owner = the
 * drawer, `branch_id` = its branch, for the ledger's branch scoping); the existing per-branch drawer
 * accounts become a "Main drawer" each, keeping their balances and postings, and their cash payments
 * name it. At most one open session per drawer (partial unique index). Tenant-consistent keys as in
 * the tenant_foreign_keys migration (hand-written: the snapshot does not know them).
 */
export class Migration20261204090000_cash_sessions extends Migration {
  override name = 'Migration20261204090000_cash_sessions';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "payments"."cash_movements" ("id" uuid not null, "tenant_id" uuid not null, "session_id" uuid not null, "kind" text not null, "method" text not null, "amount" bigint not null, "payment_id" uuid null, "reason" varchar(200) null, "created_by" uuid null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "cash_movements_tenant_id_index" on "payments"."cash_movements" ("tenant_id");`,
    );
    this.addSql(
      `create index "cash_movements_session_id_index" on "payments"."cash_movements" ("session_id");`,
    );

    this.addSql(
      `create table "payments"."cash_sessions" ("id" uuid not null, "tenant_id" uuid not null, "drawer_id" uuid not null, "branch_id" uuid null, "currency" varchar(3) not null, "status" text not null default 'open', "opening_float" bigint not null, "opened_by" uuid not null, "opened_at" timestamptz not null, "closed_by" uuid null, "closed_at" timestamptz null, "expected" jsonb null, "counted" jsonb null, "difference" jsonb null, "approved_by" uuid null, "approved_at" timestamptz null, "approval_note" varchar(500) null, primary key ("id"));`,
    );
    this.addSql(`create index "cash_sessions_tenant_id_index" on "payments"."cash_sessions" ("tenant_id");`);
    this.addSql(`create index "cash_sessions_drawer_id_index" on "payments"."cash_sessions" ("drawer_id");`);
    this.addSql(`create index "cash_sessions_branch_id_index" on "payments"."cash_sessions" ("branch_id");`);

    this.addSql(
      `create table "payments"."cash_settings" ("id" uuid not null, "tenant_id" uuid not null, "approval_threshold" bigint not null default '0', "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "cash_settings_tenant_id_index" on "payments"."cash_settings" ("tenant_id");`);

    this.addSql(
      `create table "payments"."drawers" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid null, "name" varchar(100) not null, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "drawers_tenant_id_index" on "payments"."drawers" ("tenant_id");`);
    this.addSql(`create index "drawers_branch_id_index" on "payments"."drawers" ("branch_id");`);

    this.addSql(`alter table "payments"."accounts" drop constraint "accounts_kind_check";`);
    this.addSql(`alter table "payments"."accounts" add "branch_id" uuid null;`);
    this.addSql(
      `alter table "payments"."accounts" add constraint "accounts_kind_check" check ("kind" in ('customer_wallet', 'professional_payable', 'merchant_revenue', 'platform_escrow', 'platform_revenue', 'cash_drawer', 'provider_clearing', 'cash_safe', 'cash_over_short'));`,
    );

    this.addSql(
      `alter table "payments"."payments" add "drawer_id" uuid null, add "cash_session_id" uuid null;`,
    );
    this.addSql(
      `create index "payments_cash_session_id_index" on "payments"."payments" ("cash_session_id");`,
    );

    this.addSql(
      `alter table "payments"."cash_movements" add constraint "cash_movements_kind_check" check ("kind" in ('float', 'payment', 'refund', 'cash_in', 'cash_out'));`,
    );
    this.addSql(
      `alter table "payments"."cash_movements" add constraint "cash_movements_method_check" check ("method" in ('wallet', 'cash', 'card', 'transfer', 'mercadopago'));`,
    );

    this.addSql(
      `alter table "payments"."cash_sessions" add constraint "cash_sessions_status_check" check ("status" in ('open', 'pending_approval', 'closed'));`,
    );

    this.addSql(
      `alter table "payments"."cash_settings" add constraint "cash_settings_tenant_unique" unique ("tenant_id");`,
    );
    this.addSql(
      `create unique index "cash_sessions_one_open" on "payments"."cash_sessions" ("tenant_id", "drawer_id") where "status" = 'open';`,
    );
    this.addSql(
      `alter table "payments"."cash_sessions" add constraint "cash_sessions_float_check" check ("opening_float" >= 0);`,
    );
    this.addSql(
      `alter table "payments"."cash_sessions" add constraint "cash_sessions_currency_check" check ("currency" ~ '^[A-Z]{3}$');`,
    );
    this.addSql(
      `alter table "payments"."cash_movements" add constraint "cash_movements_amount_non_zero" check ("amount" <> 0);`,
    );
    for (const table of ['drawers', 'cash_sessions'])
      this.addSql(
        `alter table "payments"."${table}" add constraint "${table}_tenant_id_unique" unique ("tenant_id", "id");`,
      );
    for (const [name, table, column, references] of FKS)
      this.addSql(
        `alter table "payments"."${table}" add constraint "${name}" foreign key ("tenant_id", "${column}") references "payments"."${references}" ("tenant_id", "id") deferrable initially deferred;`,
      );

    // Existing drawers: one per (tenant, branch) drawer account, named "Main drawer"; the account now
    // belongs to it (owner) and knows its branch; the cash payments it took name it.
    this
      .addSql(`insert into "payments"."drawers" ("id", "tenant_id", "branch_id", "name", "active", "created_at", "updated_at")
      select gen_random_uuid(), "tenant_id", "owner_id", 'Main drawer', true, now(), now()
        from (select distinct "tenant_id", "owner_id" from "payments"."accounts" where "kind" = 'cash_drawer') a;`);
    this.addSql(`update "payments"."accounts" a set "branch_id" = a."owner_id", "owner_id" = d."id"
      from "payments"."drawers" d
      where a."kind" = 'cash_drawer' and d."tenant_id" = a."tenant_id" and d."branch_id" is not distinct from a."owner_id";`);
    this.addSql(`update "payments"."payments" p set "drawer_id" = d."id"
      from "payments"."drawers" d
      where p."method" = 'cash' and d."tenant_id" = p."tenant_id" and d."branch_id" is not distinct from p."branch_id";`);
  }

  override down(): void | Promise<void> {
    this.addSql(
      `update "payments"."accounts" a set "owner_id" = a."branch_id" where a."kind" = 'cash_drawer';`,
    );
    this.addSql(`drop table if exists "payments"."cash_movements" cascade;`);
    this.addSql(`drop table if exists "payments"."cash_sessions" cascade;`);
    this.addSql(`drop table if exists "payments"."cash_settings" cascade;`);
    this.addSql(`drop table if exists "payments"."drawers" cascade;`);

    this.addSql(`alter table "payments"."accounts" drop constraint "accounts_kind_check";`);
    this.addSql(`alter table "payments"."accounts" drop column "branch_id";`);
    this.addSql(
      `alter table "payments"."accounts" add constraint "accounts_kind_check" check ("kind" in ('customer_wallet', 'professional_payable', 'merchant_revenue', 'platform_escrow', 'platform_revenue', 'cash_drawer', 'provider_clearing'));`,
    );

    this.addSql(`drop index "payments"."payments_cash_session_id_index";`);
    this.addSql(`alter table "payments"."payments" drop column "drawer_id", drop column "cash_session_id";`);
  }
}

/** name, table, column, referenced table */
const FKS = [
  ['cash_sessions_drawer_fk', 'cash_sessions', 'drawer_id', 'drawers'],
  ['cash_movements_session_fk', 'cash_movements', 'session_id', 'cash_sessions'],
  ['cash_movements_payment_fk', 'cash_movements', 'payment_id', 'payments'],
  ['payments_drawer_fk', 'payments', 'drawer_id', 'drawers'],
  ['payments_cash_session_fk', 'payments', 'cash_session_id', 'cash_sessions'],
] as const;
