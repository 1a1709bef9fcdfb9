import { Migration } from '@mikro-orm/migrations';

/**
 * The indexes the sales report (domain/reports.ts) runs on: every statement of the report starts
 * from one branch's rows in a time range, so each is `(tenant_id, branch_id, <time>)`, partial on
 * the rows that have that time (few of a branch's orders are cancelled, fewer refunded or voided):
 * - paid orders by paid time (totals, days, hours, waiters; their lines and tenders are then read
 *   by `order_id` through the existing `order_lines_order_id_index` / `order_tenders_order_id_index`);
 * - cancelled orders by cancel time, refunds by refund time;
 * - voided lines by void time (the line has no branch: its order, by primary key, says it).
 */
const INDEXES = [
  ['orders_paid_report_index', 'orders', ['tenant_id', 'branch_id', 'paid_at'], 'paid_at'],
  ['orders_cancelled_report_index', 'orders', ['tenant_id', 'branch_id', 'cancelled_at'], 'cancelled_at'],
  [
    'order_refunds_refunded_report_index',
    'order_refunds',
    ['tenant_id', 'branch_id', 'refunded_at'],
    'refunded_at',
  ],
  ['order_lines_voided_report_index', 'order_lines', ['tenant_id', 'voided_at'], 'voided_at'],
] as const;

export class Migration20261209200000_report_indexes extends Migration {
  override name = 'Migration20261209200000_report_indexes';

  override up(): void | Promise<void> {
    for (const [name, table, columns, time] of INDEXES)
      this.addSql(
        `create index "${name}" on "pos"."${table}" (${columns.map((c) => `"${c}"`).join(', ')}) where "${time}" is not null;`,
      );
  }

  override down(): void | Promise<void> {
    for (const [name] of INDEXES) this.addSql(`drop index if exists "pos"."${name}";`);
  }
}
