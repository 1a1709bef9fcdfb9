import { Migration } from '@mikro-orm/migrations';

export class Migration20261123152143_init extends Migration {
  override name = 'Migration20261123152143_init';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "payments"."accounts" ("id" uuid not null, "tenant_id" uuid not null, "kind" text not null, "owner_id" uuid null, "currency" varchar(3) not null, "balance" bigint not null default '0', "allow_negative" boolean not null default false, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "accounts_tenant_id_index" on "payments"."accounts" ("tenant_id");`);

    this.addSql(
      `create table "payments"."journal_entries" ("id" uuid not null, "tenant_id" uuid not null, "kind" varchar(32) not null, "idempotency_key" varchar(255) not null, "payment_id" uuid null, "description" varchar(500) not null default '', "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "journal_entries_tenant_id_index" on "payments"."journal_entries" ("tenant_id");`,
    );

    this.addSql(
      `create table "payments"."payments" ("id" uuid not null, "tenant_id" uuid not null, "amount" bigint not null, "currency" varchar(3) not null, "method" text not null, "status" text not null default 'pending', "payer_id" uuid not null, "payee_id" uuid null, "purpose" varchar(64) not null, "reference" varchar(200) not null, "escrow" boolean not null default false, "captured_amount" bigint not null default '0', "refunded_amount" bigint not null default '0', "provider" varchar(32) null, "provider_payment_id" varchar(64) null, "provider_status" varchar(32) null, "checkout_url" text null, "workflow_id" varchar(255) null, "idempotency_key" varchar(255) not null, "failure_reason" varchar(200) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "payments_tenant_id_index" on "payments"."payments" ("tenant_id");`);
    this.addSql(`create index "payments_payer_id_index" on "payments"."payments" ("payer_id");`);
    this.addSql(`create index "payments_payee_id_index" on "payments"."payments" ("payee_id");`);

    this.addSql(
      `create table "payments"."postings" ("id" uuid not null, "tenant_id" uuid not null, "entry_id" uuid not null, "account_id" uuid not null, "amount" bigint not null, "currency" varchar(3) not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "postings_tenant_id_index" on "payments"."postings" ("tenant_id");`);
    this.addSql(`create index "postings_entry_id_index" on "payments"."postings" ("entry_id");`);
    this.addSql(`create index "postings_account_id_index" on "payments"."postings" ("account_id");`);

    this.addSql(
      `create table "payments"."provider_accounts" ("id" uuid not null, "tenant_id" uuid not null, "provider" varchar(32) not null, "access_token_sealed" text not null, "webhook_secret_sealed" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "provider_accounts_tenant_id_index" on "payments"."provider_accounts" ("tenant_id");`,
    );

    this.addSql(
      `create table "payments"."provider_notifications" ("id" uuid not null, "tenant_id" uuid not null, "provider" varchar(32) not null, "notification_id" varchar(128) not null, "topic" varchar(64) not null, "provider_payment_id" varchar(64) null, "payload" jsonb not null, "received_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "provider_notifications_tenant_id_index" on "payments"."provider_notifications" ("tenant_id");`,
    );

    this.addSql(
      `alter table "payments"."accounts" add constraint "accounts_kind_check" check ("kind" in ('customer_wallet', 'professional_payable', 'merchant_revenue', 'platform_escrow', 'platform_revenue', 'cash_drawer', 'provider_clearing'));`,
    );

    this.addSql(
      `alter table "payments"."payments" add constraint "payments_method_check" check ("method" in ('wallet', 'cash', 'card', 'transfer', 'mercadopago'));`,
    );
    this.addSql(
      `alter table "payments"."payments" add constraint "payments_status_check" check ("status" in ('pending', 'authorized', 'held', 'captured', 'settled', 'failed', 'cancelled', 'refunded', 'partially_refunded'));`,
    );

    // ---- Invariants kept by the database itself (written by hand after generation) ----
    // One account per tenant, kind, owner and currency; balances of non-negative accounts never go below zero.
    this.addSql(
      `alter table "payments"."accounts" add constraint "accounts_unique" unique nulls not distinct ("tenant_id", "kind", "owner_id", "currency");`,
    );
    this.addSql(
      `alter table "payments"."accounts" add constraint "accounts_balance_non_negative" check ("allow_negative" or "balance" >= 0);`,
    );
    this.addSql(
      `alter table "payments"."accounts" add constraint "accounts_currency_check" check ("currency" ~ '^[A-Z]{3}$');`,
    );
    // A journal entry happens once per idempotency key; postings are non-zero and reference real rows.
    this.addSql(
      `alter table "payments"."journal_entries" add constraint "journal_entries_key_unique" unique ("tenant_id", "idempotency_key");`,
    );
    this.addSql(
      `alter table "payments"."postings" add constraint "postings_amount_non_zero" check ("amount" <> 0);`,
    );
    this.addSql(
      `alter table "payments"."postings" add constraint "postings_entry_fk" foreign key ("entry_id") references "payments"."journal_entries" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "payments"."postings" add constraint "postings_account_fk" foreign key ("account_id") references "payments"."accounts" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "payments"."payments" add constraint "payments_key_unique" unique ("tenant_id", "idempotency_key");`,
    );
    this.addSql(
      `alter table "payments"."payments" add constraint "payments_provider_unique" unique ("provider", "provider_payment_id");`,
    );
    this.addSql(
      `alter table "payments"."payments" add constraint "payments_amounts_check" check ("amount" > 0 and "captured_amount" between 0 and "amount" and "refunded_amount" between 0 and "captured_amount");`,
    );
    this.addSql(
      `alter table "payments"."provider_accounts" add constraint "provider_accounts_unique" unique ("tenant_id", "provider");`,
    );
    this.addSql(
      `alter table "payments"."provider_notifications" add constraint "provider_notifications_unique" unique ("provider", "notification_id");`,
    );
    this.addSql(
      `create index "payments_pending_index" on "payments"."payments" ("status", "created_at") where "status" = 'pending';`,
    );
    this.addSql(
      `create index "postings_account_created_index" on "payments"."postings" ("account_id", "id");`,
    );

    // A posting moves its account's balance in the same statement (row lock = serialised, CHECK = no overdraft),
    // must be in the account's currency and tenant, and can never be changed or removed.
    this.addSql(`create function "payments"."apply_posting"() returns trigger language plpgsql as $$
      declare acc record;
      begin
        update "payments"."accounts" set "balance" = "balance" + new."amount"
          where "id" = new."account_id" returning "currency", "tenant_id" into acc;
        if not found then raise exception 'posting to unknown account %', new."account_id" using errcode = 'foreign_key_violation'; end if;
        if acc."currency" <> new."currency" then raise exception 'posting in % to a % account', new."currency", acc."currency" using errcode = 'check_violation'; end if;
        if acc."tenant_id" <> new."tenant_id" then raise exception 'posting to another tenant''s account' using errcode = 'check_violation'; end if;
        return new;
      end $$;`);
    this.addSql(
      `create trigger "postings_apply" after insert on "payments"."postings" for each row execute function "payments"."apply_posting"();`,
    );
    this.addSql(`create function "payments"."postings_immutable"() returns trigger language plpgsql as $$
      begin raise exception 'postings are immutable: post a reversing entry instead' using errcode = 'restrict_violation'; end $$;`);
    this.addSql(
      `create trigger "postings_no_change" before update or delete on "payments"."postings" for each row execute function "payments"."postings_immutable"();`,
    );
    // Every journal entry balances per currency, checked when the transaction commits.
    this.addSql(`create function "payments"."check_entry_balanced"() returns trigger language plpgsql as $$
      declare off record;
      begin
        select "currency", sum("amount") as total into off from "payments"."postings"
          where "entry_id" = new."entry_id" group by "currency" having sum("amount") <> 0 limit 1;
        if found then raise exception 'journal entry % does not balance in % (off by %)', new."entry_id", off."currency", off."total" using errcode = 'check_violation'; end if;
        return null;
      end $$;`);
    this.addSql(
      `create constraint trigger "postings_balanced" after insert on "payments"."postings" deferrable initially deferred for each row execute function "payments"."check_entry_balanced"();`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function if exists "payments"."apply_posting"() cascade;`);
    this.addSql(`drop function if exists "payments"."postings_immutable"() cascade;`);
    this.addSql(`drop function if exists "payments"."check_entry_balanced"() cascade;`);
    this.addSql(`drop table if exists "payments"."accounts" cascade;`);
    this.addSql(`drop table if exists "payments"."journal_entries" cascade;`);
    this.addSql(`drop table if exists "payments"."payments" cascade;`);
    this.addSql(`drop table if exists "payments"."postings" cascade;`);
    this.addSql(`drop table if exists "payments"."provider_accounts" cascade;`);
    this.addSql(`drop table if exists "payments"."provider_notifications" cascade;`);
  }
}
