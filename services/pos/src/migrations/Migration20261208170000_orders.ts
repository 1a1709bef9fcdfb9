import { Migration } from '@mikro-orm/migrations';

/**
 * Orders, their lines and the business's order settings, plus the taxes of the menu, and what the
 * entities cannot say:
 * - taxes: `categories.tax_rate_bp` (0-10000, default 0) and `tax_inclusive` (default true); a
 *   product's own `tax_rate_bp`/`tax_inclusive` (null: its category's);
 * - tenant-consistent references (composite keys, deferrable): a line's order, product and
 *   variant; an order's table in the order's own branch `(tenant_id, table_id, branch_id)` over a
 *   new `dining_tables (tenant_id, id, branch_id)` unique; split/merge links to orders;
 * - the kind's fields: dine-in has a table and 1-100 guests, delivery an address and a phone,
 *   the others neither; a cancelled order has its reason and time, a paid one its time;
 * - money: non-negative minor units, total = subtotal - discount + tax-exclusive part + tip is
 *   the application's (domain/order-totals.ts); a percent discount is 1-10000 basis points;
 * - lines: quantity 1-999, item lines have a product, share lines none; one settings row per business.
 */
const KINDS = `('dine_in', 'takeaway', 'delivery')`;
const STATUSES = `('open', 'sent', 'preparing', 'ready', 'served', 'paid', 'cancelled')`;
const DISCOUNTS = `('percent', 'amount')`;

export class Migration20261208170000_orders extends Migration {
  override name = 'Migration20261208170000_orders';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "pos"."categories" add column "tax_rate_bp" int not null default 0, add column "tax_inclusive" boolean not null default true;`,
    );
    this.addSql(
      `alter table "pos"."products" add column "tax_rate_bp" int null, add column "tax_inclusive" boolean null;`,
    );
    this.addSql(
      `alter table "pos"."categories" add constraint "categories_tax_rate_bp_check" check ("tax_rate_bp" between 0 and 10000);`,
    );
    this.addSql(
      `alter table "pos"."products" add constraint "products_tax_rate_bp_check" check ("tax_rate_bp" between 0 and 10000);`,
    );

    this.addSql(
      `create table "pos"."orders" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null, "kind" text not null, "table_id" uuid null, "guests" int null, "customer_name" varchar(120) null, "delivery_address" varchar(300) null, "delivery_phone" varchar(30) null, "notes" varchar(500) not null default '', "status" text not null default 'open', "currency" varchar(3) not null, "discount_kind" text null, "discount_value" bigint null, "tip" bigint not null default '0', "subtotal" bigint not null default '0', "discount_total" bigint not null default '0', "tax_total" bigint not null default '0', "total" bigint not null default '0', "cancel_reason" varchar(300) null, "split_from_id" uuid null, "merged_into_id" uuid null, "payment_ref" varchar(120) null, "sent_at" timestamptz null, "served_at" timestamptz null, "paid_at" timestamptz null, "cancelled_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "orders_tenant_id_index" on "pos"."orders" ("tenant_id");`);
    this.addSql(`create index "orders_branch_id_index" on "pos"."orders" ("branch_id");`);
    this.addSql(`create index "orders_table_id_index" on "pos"."orders" ("table_id");`);
    this.addSql(`create index "orders_split_from_id_index" on "pos"."orders" ("split_from_id");`);
    this.addSql(
      `create index "orders_branch_created_index" on "pos"."orders" ("tenant_id", "branch_id", "created_at");`,
    );
    this.addSql(
      `create table "pos"."order_lines" ("id" uuid not null, "tenant_id" uuid not null, "order_id" uuid not null, "kind" text not null default 'item', "product_id" uuid null, "variant_id" uuid null, "modifiers" jsonb not null default '[]', "name" varchar(200) not null, "notes" varchar(300) not null default '', "quantity" int not null, "unit_price" bigint not null, "tax_rate_bp" int not null default 0, "tax_inclusive" boolean not null default true, "discount_kind" text null, "discount_value" bigint null, "gross" bigint not null default '0', "discount" bigint not null default '0', "tax" bigint not null default '0', "total" bigint not null default '0', "position" int not null default 0, "sent_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "order_lines_tenant_id_index" on "pos"."order_lines" ("tenant_id");`);
    this.addSql(`create index "order_lines_order_id_index" on "pos"."order_lines" ("order_id");`);
    this.addSql(`create index "order_lines_product_id_index" on "pos"."order_lines" ("product_id");`);
    this.addSql(
      `create table "pos"."order_settings" ("id" uuid not null, "tenant_id" uuid not null, "discount_threshold_bp" int not null default 1000, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "order_settings_tenant_id_index" on "pos"."order_settings" ("tenant_id");`);

    this.addSql(
      `alter table "pos"."orders" add constraint "orders_tenant_id_id_unique" unique ("tenant_id", "id");`,
    );
    this.addSql(
      `alter table "pos"."order_lines" add constraint "order_lines_tenant_id_id_unique" unique ("tenant_id", "id");`,
    );
    this.addSql(
      `alter table "pos"."dining_tables" add constraint "dining_tables_tenant_id_id_branch_id_unique" unique ("tenant_id", "id", "branch_id");`,
    );
    this.addSql(
      `alter table "pos"."order_settings" add constraint "order_settings_tenant_unique" unique ("tenant_id");`,
    );
    this.addSql(
      `alter table "pos"."orders" add constraint "orders_tenant_table_id_foreign" foreign key ("tenant_id", "table_id")
        references "pos"."dining_tables" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "pos"."orders" add constraint "orders_table_branch_foreign" foreign key ("tenant_id", "table_id", "branch_id")
        references "pos"."dining_tables" ("tenant_id", "id", "branch_id") on update cascade on delete restrict deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "pos"."orders" add constraint "orders_tenant_split_from_id_foreign" foreign key ("tenant_id", "split_from_id")
        references "pos"."orders" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "pos"."orders" add constraint "orders_tenant_merged_into_id_foreign" foreign key ("tenant_id", "merged_into_id")
        references "pos"."orders" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "pos"."order_lines" add constraint "order_lines_tenant_order_id_foreign" foreign key ("tenant_id", "order_id")
        references "pos"."orders" ("tenant_id", "id") on update cascade on delete cascade deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "pos"."order_lines" add constraint "order_lines_tenant_product_id_foreign" foreign key ("tenant_id", "product_id")
        references "pos"."products" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "pos"."order_lines" add constraint "order_lines_tenant_variant_id_foreign" foreign key ("tenant_id", "variant_id")
        references "pos"."product_variants" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
    );

    this.addSql(`alter table "pos"."orders" add constraint "orders_kind_check" check ("kind" in ${KINDS});`);
    this.addSql(
      `alter table "pos"."orders" add constraint "orders_status_check" check ("status" in ${STATUSES});`,
    );
    this.addSql(
      `alter table "pos"."orders" add constraint "orders_discount_kind_check" check ("discount_kind" in ${DISCOUNTS});`,
    );
    this.addSql(
      `alter table "pos"."orders" add constraint "orders_kind_fields_check" check (
        ("kind" = 'dine_in' and "table_id" is not null and "guests" between 1 and 100 and "delivery_address" is null)
        or ("kind" = 'takeaway' and "table_id" is null and "guests" is null and "delivery_address" is null)
        or ("kind" = 'delivery' and "table_id" is null and "guests" is null and "delivery_address" is not null and "delivery_phone" is not null));`,
    );
    this.addSql(
      `alter table "pos"."orders" add constraint "orders_money_check" check ("tip" >= 0 and "subtotal" >= 0 and "discount_total" >= 0
        and "tax_total" >= 0 and "total" >= 0 and ("discount_kind" is null) = ("discount_value" is null)
        and ("discount_kind" is distinct from 'percent' or "discount_value" between 1 and 10000)
        and ("discount_kind" is distinct from 'amount' or "discount_value" >= 1));`,
    );
    this.addSql(
      `alter table "pos"."orders" add constraint "orders_closed_check" check ((("status" = 'cancelled') = ("cancelled_at" is not null and "cancel_reason" is not null))
        and (("status" = 'paid') = ("paid_at" is not null)));`,
    );
    this.addSql(
      `alter table "pos"."order_lines" add constraint "order_lines_kind_check" check ("kind" in ('item', 'share'));`,
    );
    this.addSql(
      `alter table "pos"."order_lines" add constraint "order_lines_discount_kind_check" check ("discount_kind" in ${DISCOUNTS});`,
    );
    this.addSql(
      `alter table "pos"."order_lines" add constraint "order_lines_check" check ("quantity" between 1 and 999 and "unit_price" >= 0
        and "tax_rate_bp" between 0 and 10000 and "gross" >= 0 and "discount" between 0 and "gross" and "tax" >= 0 and "total" >= 0
        and (("kind" = 'item') = ("product_id" is not null))
        and ("discount_kind" is null) = ("discount_value" is null)
        and ("discount_kind" is distinct from 'percent' or "discount_value" between 1 and 10000));`,
    );
    this.addSql(
      `alter table "pos"."order_settings" add constraint "order_settings_threshold_check" check ("discount_threshold_bp" between 0 and 10000);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "pos"."order_lines" cascade;`);
    this.addSql(`drop table if exists "pos"."orders" cascade;`);
    this.addSql(`drop table if exists "pos"."order_settings" cascade;`);
    this.addSql(
      `alter table "pos"."dining_tables" drop constraint if exists "dining_tables_tenant_id_id_branch_id_unique";`,
    );
    this.addSql(`alter table "pos"."products" drop column "tax_rate_bp", drop column "tax_inclusive";`);
    this.addSql(`alter table "pos"."categories" drop column "tax_rate_bp", drop column "tax_inclusive";`);
  }
}
