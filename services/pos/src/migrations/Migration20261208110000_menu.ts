import { Migration } from '@mikro-orm/migrations';

/**
 * The menu's tables (products, variants, modifier groups and modifiers, images, branch prices and
 * availability, branch settings) and what the entities cannot say:
 * - tenant-consistent references: every reference to a pos row is a composite foreign key
 *   `(tenant_id, x_id) -> x (tenant_id, id)` (deferrable, checked at commit);
 * - names once per parent, case-insensitive: a product per business, a variant per product, a
 *   modifier group per product, a modifier per group;
 * - money: a branch's price > 0 in an ISO 4217 code, deltas >= 0; positions >= 0;
 * - choices: 0 <= min <= max, 1 <= max <= 20;
 * - windows: ISO weekday 1-7, `HH:mm` (the end may be 24:00), ending after they start;
 * - one price row per product and branch; one settings row per branch, its zone non-empty.
 */
const FKS: Array<[table: string, column: string, parent: string, onDelete: 'cascade' | 'restrict']> = [
  ['products', 'category_id', 'categories', 'restrict'],
  ['product_variants', 'product_id', 'products', 'cascade'],
  ['modifier_groups', 'product_id', 'products', 'cascade'],
  ['modifiers', 'group_id', 'modifier_groups', 'cascade'],
  ['product_images', 'product_id', 'products', 'cascade'],
  ['branch_products', 'product_id', 'products', 'cascade'],
  ['availability_windows', 'product_id', 'products', 'cascade'],
];
/** Parents whose `unique (tenant_id, id)` this migration adds (categories' came with the init). */
const PARENTS = ['products', 'product_variants', 'modifier_groups', 'modifiers'];
const HHMM = `'^([01][0-9]|2[0-3]):[0-5][0-9]$'`;

export class Migration20261208110000_menu extends Migration {
  override name = 'Migration20261208110000_menu';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "pos"."availability_windows" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null, "weekday" int not null, "starts_at" varchar(5) not null, "ends_at" varchar(5) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "availability_windows_tenant_id_index" on "pos"."availability_windows" ("tenant_id");`,
    );
    this.addSql(
      `create index "availability_windows_product_id_index" on "pos"."availability_windows" ("product_id");`,
    );
    this.addSql(
      `create table "pos"."branch_products" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null, "branch_id" uuid not null, "price" bigint not null, "currency" varchar(3) not null, "out_of_stock" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "branch_products_tenant_id_index" on "pos"."branch_products" ("tenant_id");`);
    this.addSql(`create index "branch_products_product_id_index" on "pos"."branch_products" ("product_id");`);
    this.addSql(`create index "branch_products_branch_id_index" on "pos"."branch_products" ("branch_id");`);
    this.addSql(
      `create table "pos"."branch_settings" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null, "time_zone" varchar(64) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "branch_settings_tenant_id_index" on "pos"."branch_settings" ("tenant_id");`);
    this.addSql(
      `create table "pos"."modifiers" ("id" uuid not null, "tenant_id" uuid not null, "group_id" uuid not null, "name" varchar(80) not null, "price_delta" bigint not null default '0', "position" int not null default 0, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "modifiers_tenant_id_index" on "pos"."modifiers" ("tenant_id");`);
    this.addSql(`create index "modifiers_group_id_index" on "pos"."modifiers" ("group_id");`);
    this.addSql(
      `create table "pos"."modifier_groups" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null, "name" varchar(80) not null, "min_choices" int not null default 0, "max_choices" int not null default 1, "position" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "modifier_groups_tenant_id_index" on "pos"."modifier_groups" ("tenant_id");`);
    this.addSql(`create index "modifier_groups_product_id_index" on "pos"."modifier_groups" ("product_id");`);
    this.addSql(
      `create table "pos"."products" ("id" uuid not null, "tenant_id" uuid not null, "category_id" uuid not null, "name" varchar(120) not null, "description" text not null default '', "position" int not null default 0, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "products_tenant_id_index" on "pos"."products" ("tenant_id");`);
    this.addSql(`create index "products_category_id_index" on "pos"."products" ("category_id");`);
    this.addSql(
      `create table "pos"."product_images" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null, "storage_key" varchar(300) not null, "content_type" varchar(40) not null, "size" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "product_images_tenant_id_index" on "pos"."product_images" ("tenant_id");`);
    this.addSql(`create index "product_images_product_id_index" on "pos"."product_images" ("product_id");`);
    this.addSql(
      `create table "pos"."product_variants" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null, "name" varchar(80) not null, "price_delta" bigint not null default '0', "position" int not null default 0, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "product_variants_tenant_id_index" on "pos"."product_variants" ("tenant_id");`);
    this.addSql(
      `create index "product_variants_product_id_index" on "pos"."product_variants" ("product_id");`,
    );
    for (const parent of PARENTS)
      this.addSql(
        `alter table "pos"."${parent}" add constraint "${parent}_tenant_id_id_unique" unique ("tenant_id", "id");`,
      );
    for (const [table, column, parent, onDelete] of FKS)
      this.addSql(
        `alter table "pos"."${table}" add constraint "${table}_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "pos"."${parent}" ("tenant_id", "id") on update cascade on delete ${onDelete} deferrable initially deferred;`,
      );
    this.addSql(
      `create unique index "products_name_unique" on "pos"."products" ("tenant_id", lower("name"));`,
    );
    this.addSql(
      `create unique index "product_variants_name_unique" on "pos"."product_variants" ("tenant_id", "product_id", lower("name"));`,
    );
    this.addSql(
      `create unique index "modifier_groups_name_unique" on "pos"."modifier_groups" ("tenant_id", "product_id", lower("name"));`,
    );
    this.addSql(
      `create unique index "modifiers_name_unique" on "pos"."modifiers" ("tenant_id", "group_id", lower("name"));`,
    );
    this.addSql(
      `alter table "pos"."products" add constraint "products_position_check" check ("position" >= 0);`,
    );
    this.addSql(
      `alter table "pos"."product_variants" add constraint "product_variants_amounts_check" check ("price_delta" >= 0 and "position" >= 0);`,
    );
    this.addSql(
      `alter table "pos"."modifiers" add constraint "modifiers_amounts_check" check ("price_delta" >= 0 and "position" >= 0);`,
    );
    this.addSql(
      `alter table "pos"."modifier_groups" add constraint "modifier_groups_choices_check" check ("min_choices" >= 0
        and "max_choices" between 1 and 20 and "min_choices" <= "max_choices" and "position" >= 0);`,
    );
    this.addSql(
      `alter table "pos"."branch_products" add constraint "branch_products_unique" unique ("tenant_id", "product_id", "branch_id");`,
    );
    this.addSql(
      `alter table "pos"."branch_products" add constraint "branch_products_price_check" check ("price" > 0 and "currency" ~ '^[A-Z]{3}$');`,
    );
    this.addSql(
      `alter table "pos"."availability_windows" add constraint "availability_windows_check" check ("weekday" between 1 and 7
        and "starts_at" ~ ${HHMM} and ("ends_at" ~ ${HHMM} or "ends_at" = '24:00') and "starts_at" < "ends_at");`,
    );
    this.addSql(
      `alter table "pos"."availability_windows" add constraint "availability_windows_unique" unique ("tenant_id", "product_id", "weekday", "starts_at");`,
    );
    this.addSql(
      `alter table "pos"."branch_settings" add constraint "branch_settings_branch_unique" unique ("tenant_id", "branch_id");`,
    );
    this.addSql(
      `alter table "pos"."branch_settings" add constraint "branch_settings_time_zone_check" check (length("time_zone") > 0);`,
    );
  }

  override down(): void | Promise<void> {
    for (const table of [
      'availability_windows',
      'branch_products',
      'branch_settings',
      'product_images',
      'modifiers',
    ])
      this.addSql(`drop table if exists "pos"."${table}" cascade;`);
    for (const table of ['modifier_groups', 'product_variants', 'products'])
      this.addSql(`drop table if exists "pos"."${table}" cascade;`);
  }
}
