import { Migration } from '@mikro-orm/migrations';

/**
 * Kitchen routing (issue 17), with the rules the database holds whoever writes the rows:
 * - a station's name once per branch (case-insensitive); a `printer`/`both` station has a printer
 *   address and a `screen` none; at most one default station per branch, and only an active one;
 * - a category goes to one station per branch; the mapping and every ticket stay in their
 *   station's branch (`(tenant_id, station_id, branch_id)` over the station's
 *   `unique (tenant_id, id, branch_id)`); a category's removal removes its mappings;
 * - a ticket is an order's or a void's (`order | cancel`), its kitchen status and print status from
 *   their lists, `ready_at` set when ready; an item's quantity 1-999, its status from the
 *   list with its times; a line once per ticket;
 * - every reference to a pos row is a tenant-consistent composite foreign key (a ticket's order
 *   restricts: tickets are the kitchen's history of it). An item's `line_id` names the order line
 *   without a key yet (`order_lines` has no `unique (tenant_id, id)`; lines may be removed).
 */
const audit = `"created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null`;
const STATUSES = `('queued', 'preparing', 'ready', 'cancelled')`;

export class Migration20261208180000_kitchen extends Migration {
  override name = 'Migration20261208180000_kitchen';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "pos"."stations" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
        "name" varchar(60) not null, "kind" text not null, "printer_address" varchar(300) null,
        "is_default" boolean not null default false, "active" boolean not null default true, ${audit},
        primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."category_stations" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
        "category_id" uuid not null, "station_id" uuid not null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."kitchen_tickets" ("id" uuid not null, "tenant_id" uuid not null, "branch_id" uuid not null,
        "station_id" uuid not null, "order_id" uuid not null, "order_number" varchar(40) not null,
        "table_label" varchar(60) null, "kind" text not null, "status" text not null default 'queued',
        "print_status" text not null, "printer_address" varchar(300) null, "printed_at" timestamptz null,
        "ready_at" timestamptz null, ${audit}, primary key ("id"));`,
    );
    this.addSql(
      `create table "pos"."kitchen_ticket_items" ("id" uuid not null, "tenant_id" uuid not null, "ticket_id" uuid not null,
        "line_id" uuid not null, "name" varchar(200) not null, "quantity" int not null,
        "modifiers" text[] not null default '{}', "notes" varchar(500) null, "status" text not null default 'queued',
        "preparing_at" timestamptz null, "ready_at" timestamptz null, ${audit}, primary key ("id"));`,
    );
    for (const [table, column] of [
      ['stations', 'tenant_id'],
      ['stations', 'branch_id'],
      ['category_stations', 'tenant_id'],
      ['category_stations', 'category_id'],
      ['category_stations', 'station_id'],
      ['kitchen_tickets', 'tenant_id'],
      ['kitchen_tickets', 'order_id'],
      ['kitchen_ticket_items', 'tenant_id'],
      ['kitchen_ticket_items', 'ticket_id'],
      ['kitchen_ticket_items', 'line_id'],
    ])
      this.addSql(`create index "${table}_${column}_index" on "pos"."${table}" ("${column}");`);

    // Tenant-consistent references.
    for (const table of ['stations', 'category_stations', 'kitchen_tickets', 'kitchen_ticket_items'])
      this.addSql(
        `alter table "pos"."${table}" add constraint "${table}_tenant_id_id_unique" unique ("tenant_id", "id");`,
      );
    this.addSql(
      `alter table "pos"."stations" add constraint "stations_tenant_id_id_branch_id_unique" unique ("tenant_id", "id", "branch_id");`,
    );
    const fk = (
      table: string,
      name: string,
      columns: string,
      parent: string,
      parentColumns: string,
      onDelete: string,
    ) =>
      this.addSql(
        `alter table "pos"."${table}" add constraint "${table}_${name}_foreign" foreign key (${columns})
          references "pos"."${parent}" (${parentColumns}) on update cascade on delete ${onDelete} deferrable initially deferred;`,
      );
    fk(
      'category_stations',
      'tenant_category_id',
      `"tenant_id", "category_id"`,
      'categories',
      `"tenant_id", "id"`,
      'cascade',
    );
    fk(
      'category_stations',
      'tenant_station_id',
      `"tenant_id", "station_id"`,
      'stations',
      `"tenant_id", "id"`,
      'cascade',
    );
    fk(
      'category_stations',
      'station_branch',
      `"tenant_id", "station_id", "branch_id"`,
      'stations',
      `"tenant_id", "id", "branch_id"`,
      'cascade',
    );
    fk(
      'kitchen_tickets',
      'tenant_station_id',
      `"tenant_id", "station_id"`,
      'stations',
      `"tenant_id", "id"`,
      'restrict',
    );
    fk(
      'kitchen_tickets',
      'station_branch',
      `"tenant_id", "station_id", "branch_id"`,
      'stations',
      `"tenant_id", "id", "branch_id"`,
      'restrict',
    );
    fk(
      'kitchen_tickets',
      'tenant_order_id',
      `"tenant_id", "order_id"`,
      'orders',
      `"tenant_id", "id"`,
      'restrict',
    );
    fk(
      'kitchen_ticket_items',
      'tenant_ticket_id',
      `"tenant_id", "ticket_id"`,
      'kitchen_tickets',
      `"tenant_id", "id"`,
      'cascade',
    );

    // Rules.
    this.addSql(
      `create unique index "stations_name_unique" on "pos"."stations" ("tenant_id", "branch_id", lower("name"));`,
    );
    this.addSql(
      `alter table "pos"."stations" add constraint "stations_kind_check" check ("kind" in ('printer', 'screen', 'both'));`,
    );
    this.addSql(
      `alter table "pos"."stations" add constraint "stations_printer_check"
        check (("kind" = 'screen') = ("printer_address" is null) and ("active" or not "is_default"));`,
    );
    this.addSql(
      `create unique index "stations_default_unique" on "pos"."stations" ("tenant_id", "branch_id") where "is_default";`,
    );
    this.addSql(
      `alter table "pos"."category_stations" add constraint "category_stations_unique" unique ("tenant_id", "branch_id", "category_id");`,
    );
    this.addSql(
      `alter table "pos"."kitchen_tickets" add constraint "kitchen_tickets_kind_check" check ("kind" in ('order', 'cancel'));`,
    );
    this.addSql(
      `alter table "pos"."kitchen_tickets" add constraint "kitchen_tickets_status_check"
        check ("status" in ${STATUSES} and ("status" <> 'ready' or "ready_at" is not null));`,
    );
    this.addSql(
      `alter table "pos"."kitchen_tickets" add constraint "kitchen_tickets_print_status_check"
        check ("print_status" in ('pending', 'printed', 'failed', 'none')
          and (("print_status" = 'printed') = ("printed_at" is not null))
          and ("print_status" = 'none' or "printer_address" is not null));`,
    );
    this.addSql(
      `create index "kitchen_tickets_station_index" on "pos"."kitchen_tickets" ("tenant_id", "station_id", "status", "id");`,
    );
    this.addSql(
      `create index "kitchen_tickets_print_pending_index" on "pos"."kitchen_tickets" ("tenant_id", "created_at")
        where "print_status" = 'pending';`,
    );
    this.addSql(
      `alter table "pos"."kitchen_ticket_items" add constraint "kitchen_ticket_items_status_check"
        check ("status" in ${STATUSES}
          and (("status" in ('preparing', 'ready')) <= ("preparing_at" is not null))
          and ("status" <> 'ready' or "ready_at" is not null));`,
    );
    this.addSql(
      `alter table "pos"."kitchen_ticket_items" add constraint "kitchen_ticket_items_quantity_check" check ("quantity" between 1 and 999);`,
    );
    this.addSql(
      `alter table "pos"."kitchen_ticket_items" add constraint "kitchen_ticket_items_line_unique" unique ("tenant_id", "ticket_id", "line_id");`,
    );
  }

  override down(): void | Promise<void> {
    for (const table of ['kitchen_ticket_items', 'kitchen_tickets', 'category_stations', 'stations'])
      this.addSql(`drop table if exists "pos"."${table}" cascade;`);
  }
}
