import { Migration } from '@mikro-orm/migrations';

/**
 * The POS inventory (issue 17), with the rules the database holds whoever writes the rows:
 * - an item's name once per business (case-insensitive), its base unit from the list, a threshold
 *   of zero or more; one settings row per business;
 * - one stock row per item and branch; **stock never below zero** (nor its value) unless the
 *   business allows negative stock (`allow_negative`, copied from the settings onto every row);
 *   an average cost of zero or more;
 * - the kardex: a movement moves something, in the direction its kind says; transfers' two
 *   movements name their transfer (one out, one in), a count's name their count, sales and refunds
 *   their reference; **a sale deducts an item once per reference**; lines are never changed or
 *   removed (a trigger);
 * - a transfer goes between two branches and moves something; a count is open, posted (with its
 *   time) or cancelled; a line per item and count, counted zero or more, its difference the
 *   counted minus the expected;
 * - every reference to a pos row is a tenant-consistent composite foreign key.
 */
const FKS: Array<[table: string, column: string, parent: string, onDelete: 'cascade' | 'restrict']> = [
  ['inventory_stock', 'item_id', 'inventory_items', 'restrict'],
  ['inventory_movements', 'item_id', 'inventory_items', 'restrict'],
  ['inventory_movements', 'transfer_id', 'inventory_transfers', 'restrict'],
  ['inventory_movements', 'count_id', 'inventory_counts', 'restrict'],
  ['inventory_transfers', 'item_id', 'inventory_items', 'restrict'],
  ['inventory_count_lines', 'count_id', 'inventory_counts', 'cascade'],
  ['inventory_count_lines', 'item_id', 'inventory_items', 'restrict'],
  ['inventory_count_lines', 'movement_id', 'inventory_movements', 'restrict'],
  ['inventory_alerts', 'item_id', 'inventory_items', 'restrict'],
  ['inventory_alerts', 'movement_id', 'inventory_movements', 'restrict'],
];
const PARENTS = [...new Set(FKS.map(([, , parent]) => parent))];
const UNITS = `('kg', 'g', 'l', 'ml', 'unit')`;

const audit = `"created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null`;

export class Migration20261208150000_inventory extends Migration {
  override name = 'Migration20261208150000_inventory';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "pos"."inventory_items" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(120) not null,
        "base_unit" text not null, "currency" varchar(3) not null, "low_stock_threshold" bigint not null default '0',
        "active" boolean not null default true, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."inventory_settings" ("id" uuid not null, "tenant_id" uuid not null,
        "allow_negative_stock" boolean not null default false, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."inventory_stock" ("id" uuid not null, "tenant_id" uuid not null, "item_id" uuid not null,
        "branch_id" uuid not null, "quantity" bigint not null default '0', "value" bigint not null default '0',
        "avg_cost" bigint not null default '0', "allow_negative" boolean not null default false,
        "low_stock" boolean not null default false, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."inventory_transfers" ("id" uuid not null, "tenant_id" uuid not null, "item_id" uuid not null,
        "from_branch_id" uuid not null, "to_branch_id" uuid not null, "quantity" bigint not null, "value" bigint not null,
        "note" varchar(300) null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."inventory_counts" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
        "status" text not null default 'open', "note" varchar(300) null, "posted_at" timestamptz null,
        "posted_by" uuid null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."inventory_movements" ("id" uuid not null, "tenant_id" uuid not null, "item_id" uuid not null,
        "branch_id" uuid not null, "kind" text not null, "quantity" bigint not null, "value" bigint not null,
        "entered_quantity" varchar(40) null, "entered_unit" text null, "unit_cost" bigint null,
        "balance_quantity" bigint not null, "balance_value" bigint not null, "avg_cost" bigint not null,
        "transfer_id" uuid null, "count_id" uuid null, "reference" varchar(120) null, "note" varchar(300) null,
        "created_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."inventory_count_lines" ("id" uuid not null, "tenant_id" uuid not null, "count_id" uuid not null,
        "item_id" uuid not null, "counted" bigint not null, "expected" bigint null, "difference" bigint null,
        "movement_id" uuid null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."inventory_alerts" ("id" uuid not null, "tenant_id" uuid not null, "item_id" uuid not null,
        "branch_id" uuid not null, "movement_id" uuid not null, "quantity" bigint not null, "threshold" bigint not null,
        "created_at" timestamptz not null, "delivered_at" timestamptz null, primary key ("id"));`,
    );
    for (const [table, column] of [
      ['inventory_items', 'tenant_id'],
      ['inventory_settings', 'tenant_id'],
      ['inventory_stock', 'tenant_id'],
      ['inventory_stock', 'item_id'],
      ['inventory_transfers', 'tenant_id'],
      ['inventory_transfers', 'item_id'],
      ['inventory_counts', 'tenant_id'],
      ['inventory_counts', 'branch_id'],
      ['inventory_movements', 'tenant_id'],
      ['inventory_movements', 'item_id'],
      ['inventory_count_lines', 'tenant_id'],
      ['inventory_count_lines', 'count_id'],
      ['inventory_alerts', 'tenant_id'],
      ['inventory_alerts', 'item_id'],
    ])
      this.addSql(`create index "${table}_${column}_index" on "pos"."${table}" ("${column}");`);

    // Tenant-consistent references.
    for (const parent of PARENTS)
      this.addSql(
        `alter table "pos"."${parent}" add constraint "${parent}_tenant_id_id_unique" unique ("tenant_id", "id");`,
      );
    for (const [table, column, parent, onDelete] of FKS)
      this.addSql(
        `alter table "pos"."${table}" add constraint "${table}_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "pos"."${parent}" ("tenant_id", "id") on update cascade on delete ${onDelete} deferrable initially deferred;`,
      );

    // Rules.
    this.addSql(
      `create unique index "inventory_items_name_unique" on "pos"."inventory_items" ("tenant_id", lower("name"));`,
    );
    this.addSql(
      `alter table "pos"."inventory_items" add constraint "inventory_items_base_unit_check" check ("base_unit" in ${UNITS});`,
    );
    this.addSql(
      `alter table "pos"."inventory_items" add constraint "inventory_items_threshold_check" check ("low_stock_threshold" >= 0);`,
    );
    this.addSql(
      `alter table "pos"."inventory_settings" add constraint "inventory_settings_tenant_unique" unique ("tenant_id");`,
    );
    this.addSql(
      `alter table "pos"."inventory_stock" add constraint "inventory_stock_unique" unique ("tenant_id", "item_id", "branch_id");`,
    );
    this.addSql(
      `alter table "pos"."inventory_stock" add constraint "inventory_stock_negative_check"
        check ("allow_negative" or ("quantity" >= 0 and "value" >= 0));`,
    );
    this.addSql(
      `alter table "pos"."inventory_stock" add constraint "inventory_stock_avg_cost_check" check ("avg_cost" >= 0);`,
    );
    this.addSql(
      `alter table "pos"."inventory_movements" add constraint "inventory_movements_kind_check" check (
        "kind" in ('purchase', 'sale', 'waste', 'adjustment', 'transfer_out', 'transfer_in', 'refund', 'count')
        and "quantity" <> 0
        and ("kind" not in ('purchase', 'transfer_in', 'refund') or "quantity" > 0)
        and ("kind" not in ('sale', 'waste', 'transfer_out') or "quantity" < 0)
        and ("kind" not in ('transfer_out', 'transfer_in') or "transfer_id" is not null)
        and ("kind" <> 'count' or "count_id" is not null)
        and ("kind" not in ('sale', 'refund') or "reference" is not null)
        and ("unit_cost" is null or ("kind" = 'purchase' and "unit_cost" >= 0)));`,
    );
    this.addSql(
      `alter table "pos"."inventory_movements" add constraint "inventory_movements_entered_unit_check"
        check ("entered_unit" in ${UNITS});`,
    );
    this.addSql(
      `create unique index "inventory_movements_sale_once" on "pos"."inventory_movements" ("tenant_id", "reference", "item_id")
        where "kind" = 'sale';`,
    );
    this.addSql(
      `create unique index "inventory_movements_transfer_unique" on "pos"."inventory_movements" ("tenant_id", "transfer_id", "kind")
        where "transfer_id" is not null;`,
    );
    this.addSql(
      `create index "inventory_movements_reference_index" on "pos"."inventory_movements" ("tenant_id", "reference")
        where "reference" is not null;`,
    );
    this.addSql(
      `create index "inventory_movements_kardex_index" on "pos"."inventory_movements" ("tenant_id", "item_id", "branch_id", "id");`,
    );
    this.addSql(
      `create function "pos"."inventory_movements_immutable"() returns trigger language plpgsql as $$
        begin raise exception 'the kardex is append-only' using errcode = 'restrict_violation'; end $$;`,
    );
    this.addSql(
      `create trigger "inventory_movements_immutable" before update or delete on "pos"."inventory_movements"
        for each row execute function "pos"."inventory_movements_immutable"();`,
    );
    this.addSql(
      `alter table "pos"."inventory_transfers" add constraint "inventory_transfers_check"
        check ("from_branch_id" <> "to_branch_id" and "quantity" > 0);`,
    );
    this.addSql(
      `alter table "pos"."inventory_counts" add constraint "inventory_counts_status_check"
        check ("status" in ('open', 'posted', 'cancelled') and (("status" = 'posted') = ("posted_at" is not null)));`,
    );
    this.addSql(
      `alter table "pos"."inventory_count_lines" add constraint "inventory_count_lines_unique" unique ("tenant_id", "count_id", "item_id");`,
    );
    this.addSql(
      `alter table "pos"."inventory_count_lines" add constraint "inventory_count_lines_check" check ("counted" >= 0
        and ("difference" is null or ("expected" is not null and "difference" = "counted" - "expected")));`,
    );
    this.addSql(
      `create index "inventory_alerts_undelivered_index" on "pos"."inventory_alerts" ("tenant_id", "created_at")
        where "delivered_at" is null;`,
    );
  }

  override down(): void | Promise<void> {
    for (const table of [
      'inventory_alerts',
      'inventory_count_lines',
      'inventory_movements',
      'inventory_counts',
      'inventory_transfers',
      'inventory_stock',
      'inventory_settings',
      'inventory_items',
    ])
      this.addSql(`drop table if exists "pos"."${table}" cascade;`);
    this.addSql(`drop function if exists "pos"."inventory_movements_immutable"();`);
  }
}
