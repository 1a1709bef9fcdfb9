import { Migration } from '@mikro-orm/migrations';

/**
 * Reception, the store and incidents (issue 16), with the rules the database holds:
 * - check-in passes are used once (`used_at`, set by one conditional update); one open visit per
 *   member (partial unique); a manual check-in has its reason; out after in;
 * - a SKU once per business; stock never below zero (CHECK), one stock row per product and branch;
 *   a kardex line moves something and leaves a balance of zero or more; a sale key once;
 * - incidents: priority and status from their lists, the escalation level within the roles, a
 *   resolved incident has its time; the workflow's timeline entries once per key; SLAs positive;
 * - every reference to a gym row is a tenant-consistent composite foreign key.
 */
const FKS: Array<[table: string, column: string, parent: string, onDelete: 'cascade' | 'restrict']> = [
  ['checkin_passes', 'member_id', 'members', 'cascade'],
  ['check_ins', 'member_id', 'members', 'restrict'],
  ['check_ins', 'membership_id', 'memberships', 'restrict'],
  ['check_ins', 'pass_id', 'checkin_passes', 'restrict'],
  ['check_ins', 'attended_booking_id', 'bookings', 'restrict'],
  ['product_images', 'product_id', 'products', 'cascade'],
  ['stock_levels', 'product_id', 'products', 'restrict'],
  ['stock_movements', 'product_id', 'products', 'restrict'],
  ['stock_movements', 'sale_id', 'sales', 'restrict'],
  ['sales', 'member_id', 'members', 'restrict'],
  ['sale_lines', 'sale_id', 'sales', 'cascade'],
  ['sale_lines', 'product_id', 'products', 'restrict'],
  ['incidents', 'reporter_member_id', 'members', 'restrict'],
  ['incident_attachments', 'incident_id', 'incidents', 'cascade'],
  ['incident_events', 'incident_id', 'incidents', 'cascade'],
];
/** Parents whose `unique (tenant_id, id)` this migration adds (members and memberships have theirs). */
const NEW_PARENTS = ['checkin_passes', 'products', 'sales', 'incidents'];

const audit = `"created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null`;

export class Migration20261206120000_reception_store_incidents extends Migration {
  override name = 'Migration20261206120000_reception_store_incidents';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "gym"."checkin_passes" ("id" uuid not null, "tenant_id" uuid not null, "member_id" uuid not null,
        "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."check_ins" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
        "member_id" uuid not null, "membership_id" uuid not null, "method" text not null, "reason" varchar(300) null,
        "pass_id" uuid null, "checked_in_at" timestamptz not null, "checked_out_at" timestamptz null,
        "checked_out_by" uuid null, "attended_booking_id" uuid null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."products" ("id" uuid not null, "tenant_id" uuid not null, "sku" varchar(64) not null,
        "name" varchar(120) not null, "description" text not null default '', "category" varchar(60) not null,
        "price" bigint not null, "currency" varchar(3) not null, "low_stock_threshold" int not null default 0,
        "active" boolean not null default true, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."product_images" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null,
        "storage_key" varchar(300) not null, "content_type" varchar(40) not null, "size" int not null, ${audit},
        primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."stock_levels" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null,
        "branch_id" uuid not null, "quantity" int not null default 0, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."sales" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
        "member_id" uuid null, "payer_id" uuid not null, "status" text not null default 'pending_payment',
        "total" bigint not null, "currency" varchar(3) not null, "payment_method" text not null, "payment_id" uuid null,
        "sale_key" varchar(300) not null, "failure_reason" varchar(300) null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."sale_lines" ("id" uuid not null, "tenant_id" uuid not null, "sale_id" uuid not null,
        "product_id" uuid not null, "quantity" int not null, "unit_price" bigint not null, "amount" bigint not null,
        primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."stock_movements" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null,
        "branch_id" uuid not null, "quantity" int not null, "reason" text not null, "note" varchar(300) null,
        "sale_id" uuid null, "balance_after" int not null, "created_at" timestamptz not null, "created_by" uuid null,
        primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."incidents" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
        "title" varchar(200) not null, "description" text not null default '', "priority" text not null,
        "status" text not null default 'open', "reported_by" uuid not null, "reporter_member_id" uuid null,
        "assignee_id" uuid null, "escalation_level" int not null default 0, "sla_due_at" timestamptz not null,
        "acknowledged_at" timestamptz null, "acknowledged_by" uuid null, "resolved_at" timestamptz null,
        "resolved_by" uuid null, "resolution" text null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."incident_attachments" ("id" uuid not null, "tenant_id" uuid not null,
        "incident_id" uuid not null, "storage_key" varchar(300) not null, "content_type" varchar(40) not null,
        "size" int not null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."incident_events" ("id" uuid not null, "tenant_id" uuid not null, "incident_id" uuid not null,
        "type" text not null, "key" varchar(200) null, "data" jsonb not null default '{}',
        "created_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create table "gym"."incident_settings" ("tenant_id" uuid not null, "sla_low_minutes" int not null default 1440,
        "sla_medium_minutes" int not null default 240, "sla_high_minutes" int not null default 60,
        "sla_urgent_minutes" int not null default 15, "updated_at" timestamptz not null, primary key ("tenant_id"));`,
    );
    for (const [table, column] of [
      ['checkin_passes', 'tenant_id'],
      ['checkin_passes', 'member_id'],
      ['check_ins', 'tenant_id'],
      ['check_ins', 'branch_id'],
      ['check_ins', 'member_id'],
      ['products', 'tenant_id'],
      ['product_images', 'tenant_id'],
      ['product_images', 'product_id'],
      ['stock_levels', 'tenant_id'],
      ['stock_levels', 'product_id'],
      ['stock_movements', 'tenant_id'],
      ['stock_movements', 'product_id'],
      ['sales', 'tenant_id'],
      ['sales', 'branch_id'],
      ['sale_lines', 'tenant_id'],
      ['sale_lines', 'sale_id'],
      ['incidents', 'tenant_id'],
      ['incidents', 'branch_id'],
      ['incident_attachments', 'tenant_id'],
      ['incident_attachments', 'incident_id'],
      ['incident_events', 'tenant_id'],
      ['incident_events', 'incident_id'],
    ])
      this.addSql(`create index "${table}_${column}_index" on "gym"."${table}" ("${column}");`);

    // Rules.
    this.addSql(
      `alter table "gym"."check_ins" add constraint "check_ins_method_check" check ("method" in ('qr', 'manual')
        and ("method" <> 'manual' or "reason" is not null) and ("method" <> 'qr' or "pass_id" is not null)
        and ("checked_out_at" is null or "checked_out_at" >= "checked_in_at"));`,
    );
    this.addSql(
      `create unique index "check_ins_open_unique" on "gym"."check_ins" ("tenant_id", "member_id") where "checked_out_at" is null;`,
    );
    this.addSql(`create unique index "check_ins_pass_unique" on "gym"."check_ins" ("tenant_id", "pass_id");`);
    this.addSql(
      `alter table "gym"."products" add constraint "products_sku_unique" unique ("tenant_id", "sku");`,
    );
    this.addSql(
      `alter table "gym"."products" add constraint "products_check" check ("price" > 0 and "low_stock_threshold" >= 0);`,
    );
    this.addSql(
      `alter table "gym"."stock_levels" add constraint "stock_levels_unique" unique ("tenant_id", "product_id", "branch_id");`,
    );
    this.addSql(
      `alter table "gym"."stock_levels" add constraint "stock_levels_quantity_check" check ("quantity" >= 0);`,
    );
    this.addSql(
      `alter table "gym"."stock_movements" add constraint "stock_movements_check" check ("quantity" <> 0
        and "balance_after" >= 0 and "reason" in ('received', 'adjustment', 'loss', 'returned', 'sale', 'sale_reversed'));`,
    );
    this.addSql(
      `create index "stock_movements_kardex_index" on "gym"."stock_movements" ("tenant_id", "product_id", "branch_id", "created_at");`,
    );
    this.addSql(
      `alter table "gym"."sales" add constraint "sales_check" check ("total" > 0
        and "status" in ('pending_payment', 'paid', 'failed') and "payment_method" in ('wallet'));`,
    );
    this.addSql(
      `alter table "gym"."sales" add constraint "sales_sale_key_unique" unique ("tenant_id", "sale_key");`,
    );
    this.addSql(
      `alter table "gym"."sale_lines" add constraint "sale_lines_check" check ("quantity" > 0 and "unit_price" > 0
        and "amount" = "quantity" * "unit_price");`,
    );
    this.addSql(
      `alter table "gym"."incidents" add constraint "incidents_check" check ("priority" in ('low', 'medium', 'high', 'urgent')
        and "status" in ('open', 'in_progress', 'resolved') and "escalation_level" between 0 and 2
        and ("status" <> 'resolved' or "resolved_at" is not null));`,
    );
    this.addSql(
      `alter table "gym"."incident_events" add constraint "incident_events_key_unique" unique ("tenant_id", "key");`,
    );
    this.addSql(
      `alter table "gym"."incident_events" add constraint "incident_events_type_check" check ("type" in ('reported', 'assigned',
        'acknowledged', 'resolved', 'escalated', 'priority_changed'));`,
    );
    this.addSql(
      `alter table "gym"."incident_settings" add constraint "incident_settings_check" check ("sla_low_minutes" > 0
        and "sla_medium_minutes" > 0 and "sla_high_minutes" > 0 and "sla_urgent_minutes" > 0);`,
    );

    // Tenant-consistent references. Bookings may already have their `unique (tenant_id, id)` (another
    // migration of this issue references them too): added only when missing.
    this.addSql(
      `do $$ begin
        if not exists (select 1 from pg_constraint where conname = 'bookings_tenant_id_id_unique'
            and conrelid = '"gym"."bookings"'::regclass) then
          alter table "gym"."bookings" add constraint "bookings_tenant_id_id_unique" unique ("tenant_id", "id");
        end if;
      end $$;`,
    );
    for (const parent of NEW_PARENTS)
      this.addSql(
        `alter table "gym"."${parent}" add constraint "${parent}_tenant_id_id_unique" unique ("tenant_id", "id");`,
      );
    for (const [table, column, parent, onDelete] of FKS)
      this.addSql(
        `alter table "gym"."${table}" add constraint "${table}_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "gym"."${parent}" ("tenant_id", "id") on update cascade on delete ${onDelete} deferrable initially deferred;`,
      );
  }

  override down(): void | Promise<void> {
    for (const table of [
      'incident_settings',
      'incident_events',
      'incident_attachments',
      'incidents',
      'stock_movements',
      'sale_lines',
      'sales',
      'stock_levels',
      'product_images',
      'products',
      'check_ins',
      'checkin_passes',
    ])
      this.addSql(`drop table if exists "gym"."${table}" cascade;`);
  }
}
