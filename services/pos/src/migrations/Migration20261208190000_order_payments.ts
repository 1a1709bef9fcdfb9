import { Migration } from '@mikro-orm/migrations';

/**
 * Order payments (issue 17), with the rules the database holds whoever writes the rows:
 * - a tender is cash, card, transfer or wallet; pending, captured, failed or refunded; it pays a
 *   positive amount; only cash is handed over beyond what it pays, and its change is exactly the
 *   difference (the others have none); cash names its drawer; a captured or refunded tender names
 *   its payment; a failed one its refusal;
 * - each tender's payments Idempotency-Key once per business, and one tender per place of a request;
 * - a refund once per order, for a positive amount; refunded with its time;
 * - one settings row per business;
 * - every reference to a pos row is a tenant-consistent composite foreign key (orders restrict).
 */
const audit = `"created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null`;

export class Migration20261208190000_order_payments extends Migration {
  override name = 'Migration20261208190000_order_payments';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "pos"."order_tenders" ("id" uuid not null, "tenant_id" uuid not null, "order_id" uuid not null,
        "branch_id" uuid not null, "request_key" varchar(64) not null, "position" int not null, "method" text not null,
        "amount" bigint not null, "received" bigint not null, "change" bigint not null default '0',
        "currency" varchar(3) not null, "drawer_id" uuid null, "payer_id" uuid not null,
        "payment_key" varchar(200) not null, "payment_id" uuid null, "status" text not null default 'pending',
        "failure_code" varchar(60) null, "failure_reason" varchar(300) null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."order_refunds" ("id" uuid not null, "tenant_id" uuid not null, "order_id" uuid not null,
        "branch_id" uuid not null, "reason" varchar(200) not null, "amount" bigint not null, "currency" varchar(3) not null,
        "restock" boolean not null, "status" text not null default 'pending', "request_key" varchar(64) not null,
        "refunded_at" timestamptz null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."order_payment_settings" ("id" uuid not null, "tenant_id" uuid not null,
        "restock_on_refund" boolean not null default true, ${audit}, primary key ("id"));`,
    );
    for (const [table, column] of [
      ['order_tenders', 'tenant_id'],
      ['order_tenders', 'order_id'],
      ['order_refunds', 'tenant_id'],
      ['order_payment_settings', 'tenant_id'],
    ])
      this.addSql(`create index "${table}_${column}_index" on "pos"."${table}" ("${column}");`);
    for (const table of ['order_tenders', 'order_refunds'])
      this.addSql(
        `alter table "pos"."${table}" add constraint "${table}_tenant_order_id_foreign" foreign key ("tenant_id", "order_id")
          references "pos"."orders" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
      );
    this.addSql(
      `alter table "pos"."order_tenders" add constraint "order_tenders_method_check"
        check ("method" in ('cash', 'card', 'transfer', 'wallet'));`,
    );
    this.addSql(
      `alter table "pos"."order_tenders" add constraint "order_tenders_status_check"
        check ("status" in ('pending', 'captured', 'failed', 'refunded'));`,
    );
    this.addSql(
      `alter table "pos"."order_tenders" add constraint "order_tenders_amounts_check" check (
        "amount" > 0 and "received" >= "amount" and "change" = "received" - "amount"
        and ("method" = 'cash' or "change" = 0)
        and ("method" <> 'cash' or "drawer_id" is not null)
        and ("status" not in ('captured', 'refunded') or "payment_id" is not null)
        and ("status" <> 'failed' or "failure_code" is not null)
        and "position" >= 0);`,
    );
    this.addSql(
      `alter table "pos"."order_tenders" add constraint "order_tenders_payment_key_unique" unique ("tenant_id", "payment_key");`,
    );
    this.addSql(
      `alter table "pos"."order_tenders" add constraint "order_tenders_request_position_unique"
        unique ("tenant_id", "order_id", "request_key", "position");`,
    );
    this.addSql(
      `alter table "pos"."order_refunds" add constraint "order_refunds_order_unique" unique ("tenant_id", "order_id");`,
    );
    this.addSql(
      `alter table "pos"."order_refunds" add constraint "order_refunds_status_check" check ("status" in ('pending', 'refunded')
        and "amount" > 0 and (("status" = 'refunded') = ("refunded_at" is not null)));`,
    );
    this.addSql(
      `alter table "pos"."order_payment_settings" add constraint "order_payment_settings_tenant_unique" unique ("tenant_id");`,
    );
  }

  override down(): void | Promise<void> {
    for (const table of ['order_payment_settings', 'order_refunds', 'order_tenders'])
      this.addSql(`drop table if exists "pos"."${table}" cascade;`);
  }
}
