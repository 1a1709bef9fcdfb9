import { Migration } from '@mikro-orm/migrations';

/**
 * Voiding order lines after sending (issue 17), with the rules the database holds whoever writes
 * the rows:
 * - a voided line has its time, its reason and who voided it, all three or none, and only a line
 *   the kitchen had (`sent_at` set) is voided;
 * - a kitchen ticket item names its order line with a tenant-consistent composite key
 *   `(tenant_id, line_id) → order_lines (tenant_id, id)` (restrict: a sent line is voided, never
 *   deleted; a line not sent yet has no ticket item and may be removed).
 */
export class Migration20261209100000_order_voids extends Migration {
  override name = 'Migration20261209100000_order_voids';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "pos"."order_lines" add column "voided_at" timestamptz null, add column "void_reason" varchar(300) null,
        add column "voided_by" uuid null;`,
    );
    this.addSql(
      `alter table "pos"."order_lines" add constraint "order_lines_void_check" check (
        ("voided_at" is null) = ("void_reason" is null) and ("voided_at" is null) = ("voided_by" is null)
        and ("voided_at" is null or "sent_at" is not null));`,
    );
    this.addSql(
      `alter table "pos"."kitchen_ticket_items" add constraint "kitchen_ticket_items_tenant_line_id_foreign" foreign key ("tenant_id", "line_id")
        references "pos"."order_lines" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(
      `alter table "pos"."kitchen_ticket_items" drop constraint if exists "kitchen_ticket_items_tenant_line_id_foreign";`,
    );
    this.addSql(`alter table "pos"."order_lines" drop constraint if exists "order_lines_void_check";`);
    this.addSql(
      `alter table "pos"."order_lines" drop column if exists "voided_at", drop column if exists "void_reason",
        drop column if exists "voided_by";`,
    );
  }
}
