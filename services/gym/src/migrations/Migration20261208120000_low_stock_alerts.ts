import { Migration } from '@mikro-orm/migrations';

/**
 * Low-stock alerts (the store's outbox for the `lowStockAlert` process): one row per crossing of a
 * product's threshold in a branch, written in the transaction of the movement that crossed it —
 * `movement_id` unique, so a crossing is alerted once — with the quantity it left and the threshold
 * then (a positive threshold, a quantity at or below it). `process_started_at` is set once the
 * process was started (or found started); a partial index holds the rows still to start, which the
 * gym worker's sweeper reads. References are tenant-consistent composite keys (the stock movement
 * gets its `unique (tenant_id, id)` for it).
 */
export class Migration20261208120000_low_stock_alerts extends Migration {
  override name = 'Migration20261208120000_low_stock_alerts';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "gym"."low_stock_alerts" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null,
        "branch_id" uuid not null, "movement_id" uuid not null, "quantity" int not null, "threshold" int not null,
        "process_started_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null,
        "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "gym"."low_stock_alerts" add constraint "low_stock_alerts_movement_unique" unique ("movement_id");`,
    );
    this.addSql(
      `alter table "gym"."low_stock_alerts" add constraint "low_stock_alerts_check" check ("threshold" > 0
        and "quantity" >= 0 and "quantity" <= "threshold");`,
    );
    this.addSql(
      `create index "low_stock_alerts_unstarted_index" on "gym"."low_stock_alerts" ("created_at", "id")
        where "process_started_at" is null;`,
    );
    this.addSql(`create index "low_stock_alerts_tenant_id_index" on "gym"."low_stock_alerts" ("tenant_id");`);
    this.addSql(
      `alter table "gym"."stock_movements" add constraint "stock_movements_tenant_id_id_unique" unique ("tenant_id", "id");`,
    );
    for (const [column, parent] of [
      ['product_id', 'products'],
      ['movement_id', 'stock_movements'],
    ] as const)
      this.addSql(
        `alter table "gym"."low_stock_alerts" add constraint "low_stock_alerts_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "gym"."${parent}" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
      );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "gym"."low_stock_alerts" cascade;`);
    this.addSql(
      `alter table "gym"."stock_movements" drop constraint if exists "stock_movements_tenant_id_id_unique";`,
    );
  }
}
