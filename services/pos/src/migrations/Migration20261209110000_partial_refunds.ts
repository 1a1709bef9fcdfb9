import { Migration } from '@mikro-orm/migrations';

/**
 * Partial refunds of paid orders (issue 17), with the rules the database holds whoever writes the
 * rows:
 * - an order takes several refunds (`whole | lines | amount`), each once per request
 *   (`order_refunds_request_unique`); what they give back together never exceeds what the tenders
 *   took: each tender's `refunded_amount` is between 0 and its amount, and the tender is `refunded`
 *   exactly when all of it came back;
 * - a `lines` refund's units (1-999) of the order's lines, each line once per refund;
 * - what a refund gives back of each tender (positive, its payments Idempotency-Key once per
 *   business, a tender once per refund);
 * - every reference is a tenant-consistent composite foreign key (refunds, lines and tenders
 *   restrict: they are the money's history).
 */
const audit = `"created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null`;

export class Migration20261209110000_partial_refunds extends Migration {
  override name = 'Migration20261209110000_partial_refunds';

  override up(): void | Promise<void> {
    this.addSql(`alter table "pos"."order_refunds" drop constraint "order_refunds_order_unique";`);
    this.addSql(`alter table "pos"."order_refunds" add column "kind" text not null default 'whole';`);
    this.addSql(
      `alter table "pos"."order_refunds" add constraint "order_refunds_kind_check" check ("kind" in ('whole', 'lines', 'amount'));`,
    );
    this.addSql(`create index "order_refunds_order_id_index" on "pos"."order_refunds" ("order_id");`);
    this.addSql(
      `alter table "pos"."order_refunds" add constraint "order_refunds_request_unique" unique ("tenant_id", "order_id", "request_key");`,
    );
    for (const table of ['order_refunds', 'order_tenders'])
      this.addSql(
        `alter table "pos"."${table}" add constraint "${table}_tenant_id_id_unique" unique ("tenant_id", "id");`,
      );
    this.addSql(
      `alter table "pos"."order_tenders" add column "refunded_amount" bigint not null default '0';`,
    );
    this.addSql(`update "pos"."order_tenders" set "refunded_amount" = "amount" where "status" = 'refunded';`);
    this.addSql(
      `alter table "pos"."order_tenders" add constraint "order_tenders_refunded_check"
        check ("refunded_amount" between 0 and "amount" and (("status" = 'refunded') = ("refunded_amount" = "amount")));`,
    );
    this.addSql(
      `create table "pos"."order_refund_lines" ("id" uuid not null, "tenant_id" uuid not null, "refund_id" uuid not null,
        "order_id" uuid not null, "line_id" uuid not null, "quantity" int not null, "amount" bigint not null, ${audit},
        primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."order_refund_tenders" ("id" uuid not null, "tenant_id" uuid not null, "refund_id" uuid not null,
        "tender_id" uuid not null, "amount" bigint not null, "payment_key" varchar(200) not null,
        "status" text not null default 'pending', ${audit}, primary key ("id"));`,
    );
    for (const [table, column] of [
      ['order_refund_lines', 'tenant_id'],
      ['order_refund_lines', 'refund_id'],
      ['order_refund_lines', 'line_id'],
      ['order_refund_tenders', 'tenant_id'],
      ['order_refund_tenders', 'refund_id'],
      ['order_refund_tenders', 'tender_id'],
    ])
      this.addSql(`create index "${table}_${column}_index" on "pos"."${table}" ("${column}");`);
    const fk = (table: string, column: string, parent: string) =>
      this.addSql(
        `alter table "pos"."${table}" add constraint "${table}_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "pos"."${parent}" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
      );
    fk('order_refund_lines', 'refund_id', 'order_refunds');
    fk('order_refund_lines', 'order_id', 'orders');
    fk('order_refund_lines', 'line_id', 'order_lines');
    fk('order_refund_tenders', 'refund_id', 'order_refunds');
    fk('order_refund_tenders', 'tender_id', 'order_tenders');
    this.addSql(
      `alter table "pos"."order_refund_lines" add constraint "order_refund_lines_check" check ("quantity" between 1 and 999 and "amount" >= 0);`,
    );
    this.addSql(
      `alter table "pos"."order_refund_lines" add constraint "order_refund_lines_line_unique" unique ("tenant_id", "refund_id", "line_id");`,
    );
    this.addSql(
      `alter table "pos"."order_refund_tenders" add constraint "order_refund_tenders_check" check ("amount" > 0);`,
    );
    this.addSql(
      `alter table "pos"."order_refund_tenders" add constraint "order_refund_tenders_status_check" check ("status" in ('pending', 'refunded'));`,
    );
    this.addSql(
      `alter table "pos"."order_refund_tenders" add constraint "order_refund_tenders_payment_key_unique" unique ("tenant_id", "payment_key");`,
    );
    this.addSql(
      `alter table "pos"."order_refund_tenders" add constraint "order_refund_tenders_tender_unique" unique ("tenant_id", "refund_id", "tender_id");`,
    );
  }

  override down(): void | Promise<void> {
    for (const table of ['order_refund_tenders', 'order_refund_lines'])
      this.addSql(`drop table if exists "pos"."${table}" cascade;`);
    this.addSql(
      `alter table "pos"."order_tenders" drop constraint if exists "order_tenders_refunded_check";`,
    );
    this.addSql(`alter table "pos"."order_tenders" drop column if exists "refunded_amount";`);
    for (const table of ['order_refunds', 'order_tenders'])
      this.addSql(`alter table "pos"."${table}" drop constraint if exists "${table}_tenant_id_id_unique";`);
    this.addSql(
      `alter table "pos"."order_refunds" drop constraint if exists "order_refunds_request_unique";`,
    );
    this.addSql(`drop index if exists "pos"."order_refunds_order_id_index";`);
    this.addSql(`alter table "pos"."order_refunds" drop constraint if exists "order_refunds_kind_check";`);
    this.addSql(`alter table "pos"."order_refunds" drop column if exists "kind";`);
    this.addSql(
      `alter table "pos"."order_refunds" add constraint "order_refunds_order_unique" unique ("tenant_id", "order_id");`,
    );
  }
}
