/**
 * The sales report of a branch over business days in the branch's zone (issue 17), one reusable
 * function for the API (`GET /reports/sales`, `/reports/sales.csv`) and for the nightly cash
 * closure of issue 18 (one branch, one business date):
 *
 * - **Period**: `from`..`to` are calendar days (`YYYY-MM-DD`, inclusive) of the branch's IANA zone
 *   (`branch_settings`); the report covers `[local midnight of from, local midnight after to)` as
 *   instants (luxon, DST-correct: "2026-12-01" in Bogotá is 05:00Z..05:00Z the next day). At most
 *   `MAX_REPORT_DAYS` days; `to` before `from`, a day that is not on the calendar or a longer range
 *   is 422 `INVALID_RANGE` naming the field.
 * - **Sales** are the orders **paid** in the period, at their paid time (`orders.paid_at`), with
 *   their stored totals (domain/order-totals.ts): `gross` (line prices × quantities), `discounts`,
 *   `tax`, `net` (what the lines bring without tax: `sales − tax`), `sales` (what the lines cost
 *   the customer: `gross − discounts` plus exclusive tax), `tips`, `total` (`sales + tips`: what
 *   the tenders took). Products and categories read the paid orders' lines (a voided line —
 *   `voided_at` — counts nowhere but in cancellations); the shares of an evenly split bill have no
 *   product: they are one row with a null product and category, so the rows always add up to the
 *   totals. A waiter is the user who opened the order (`created_by`; a split part's is its
 *   original's).
 * - **Payment methods**: the captured tenders of those orders (`captured` or since `refunded`),
 *   minus what the refunds **refunded in the period** gave back of each tender
 *   (`order_refund_tenders`, at `order_refunds.refunded_at`, whatever day the order was paid; whole
 *   and partial refunds alike), per method.
 * - **Cancellations**: orders cancelled in the period (not the bookkeeping ones: an original whose
 *   parts were split off, a bill merged into another) at their value before tip, and lines voided in
 *   the period at their total (a voided line keeps the money it had), by reason. An order cancelled
 *   by voiding its last line counts once, as its voided lines.
 *
 * Every statement names the tenant (raw SQL bypasses the ORM's tenant filter) and runs on the
 * indexes of `Migration20261209200000_report_indexes`. Money is `bigint` minor units in the domain
 * (`presentSalesReport` gives decimal strings for JSON); `salesReportCsv` writes a section through
 * platform `toCsv`.
 */
import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import { DomainError, toCsv, type CsvColumn } from '@faena/platform';
import { branchSettings } from './menu.ts';
import { TENDER_METHODS, type TenderMethod } from './order-payments-tenders.ts';

/** The longest period a report covers (a calendar quarter fits). */
export const MAX_REPORT_DAYS = 92;
/** How many products each top list has unless asked (at most `MAX_TOP`). */
export const DEFAULT_TOP = 10;
export const MAX_TOP = 100;

export interface SalesReportInput {
  tenantId: string;
  branchId: string;
  /** First and last business day, `YYYY-MM-DD` in the branch's zone (inclusive). */
  from: string;
  to: string;
  /** The business's currency (identity's; every amount of the business is in it). */
  currency: string;
  /** Length of each top-products list (default 10). */
  top?: number;
}

/** The money of a group of lines or orders, minor units. */
export interface Amounts {
  gross: bigint;
  discounts: bigint;
  net: bigint;
  tax: bigint;
  sales: bigint;
}
export interface OrderGroup extends Amounts {
  orders: number;
  tips: bigint;
  total: bigint;
}
export interface ProductRow extends Amounts {
  /** Null: the shares of evenly split bills (no product). */
  productId: string | null;
  name: string | null;
  categoryId: string | null;
  quantity: number;
}
export interface CategoryRow extends Amounts {
  categoryId: string | null;
  name: string | null;
  quantity: number;
}
export interface MethodRow {
  method: TenderMethod;
  /** Captured tenders of the period's paid orders. */
  tenders: number;
  captured: bigint;
  /** Refunded in the period (tenders of refunds whose refund happened in it). */
  refunded: bigint;
  net: bigint;
}
export interface CancellationReason {
  kind: 'order' | 'line';
  reason: string;
  count: number;
  amount: bigint;
}

export interface SalesReport {
  branchId: string;
  timeZone: string;
  from: string;
  to: string;
  /** The instants the period covers: `[start, end)`. */
  start: Date;
  end: Date;
  currency: string;
  totals: OrderGroup & { refunds: bigint; refundCount: number };
  byDay: Array<OrderGroup & { day: string }>;
  /** Local hour of the paid time (0-23); hours without sales are left out. */
  byHour: Array<OrderGroup & { hour: number }>;
  byProduct: ProductRow[];
  byCategory: CategoryRow[];
  /** Null: orders opened by no user (system work). */
  byWaiter: Array<OrderGroup & { userId: string | null }>;
  byPaymentMethod: MethodRow[];
  topProducts: { byQuantity: ProductRow[]; byRevenue: ProductRow[] };
  cancellations: {
    count: number;
    amount: bigint;
    orders: { count: number; amount: bigint };
    lines: { count: number; amount: bigint };
    reasons: CancellationReason[];
  };
  discounts: { orders: number; amount: bigint };
  tips: { orders: number; amount: bigint };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The instants `from`..`to` (business days of `timeZone`, inclusive) cover, or 422 INVALID_RANGE
 * naming the field: a day not on the calendar, `to` before `from`, more than MAX_REPORT_DAYS days.
 */
export function reportPeriod(from: string, to: string, timeZone: string): { start: Date; end: Date } {
  const day = (value: string, field: string) => {
    const d = DateTime.fromISO(value, { zone: timeZone });
    if (!DAY.test(value) || !d.isValid || d.toISODate() !== value)
      throw new DomainError('INVALID_RANGE', `${value} is not a calendar day (YYYY-MM-DD)`, { field });
    return d.startOf('day');
  };
  const start = day(from, 'query.from');
  const last = day(to, 'query.to');
  if (last < start) throw new DomainError('INVALID_RANGE', 'to comes before from', { field: 'query.to' });
  const days = Math.round(last.diff(start, 'days').days) + 1;
  if (days > MAX_REPORT_DAYS)
    throw new DomainError(
      'INVALID_RANGE',
      `A report covers at most ${MAX_REPORT_DAYS} days (this one ${days})`,
      { field: 'query.to' },
    );
  return { start: start.toJSDate(), end: last.plus({ days: 1 }).startOf('day').toJSDate() };
}

/** A numeric SQL value (bigint sums arrive as text) as bigint / number. */
const big = (v: string | number | null | undefined) => BigInt(v ?? 0);
const int = (v: string | number | null | undefined) => Number(v ?? 0);

interface OrderGroupRow {
  g: number;
  day: string | null;
  hour: number | null;
  waiter: string | null;
  orders: string;
  gross: string | null;
  discounts: string | null;
  tax: string | null;
  sales: string | null;
  tips: string | null;
  total: string | null;
  discounted: string;
  tipped: string;
}
interface LineGroupRow {
  g: number;
  product_id: string | null;
  product_name: string | null;
  category_id: string | null;
  category_name: string | null;
  quantity: string | null;
  gross: string | null;
  discounts: string | null;
  tax: string | null;
  sales: string | null;
}

const orderGroup = (r: OrderGroupRow): OrderGroup => {
  const sales = big(r.sales);
  const tax = big(r.tax);
  return {
    orders: int(r.orders),
    gross: big(r.gross),
    discounts: big(r.discounts),
    net: sales - tax,
    tax,
    sales,
    tips: big(r.tips),
    total: big(r.total),
  };
};
const lineAmounts = (r: LineGroupRow): Amounts & { quantity: number } => {
  const sales = big(r.sales);
  const tax = big(r.tax);
  return {
    quantity: int(r.quantity),
    gross: big(r.gross),
    discounts: big(r.discounts),
    net: sales - tax,
    tax,
    sales,
  };
};

/**
 * The paid orders of the period (index `orders_paid_report_index`), with their local day and hour
 * and their waiter. Params: zone, zone, tenant, branch, start, end.
 */
const PAID = `paid as (
    select o.id, o.subtotal, o.discount_total, o.tax_total, o.tip, o.total,
      to_char(o.paid_at at time zone ?, 'YYYY-MM-DD') as day,
      extract(hour from o.paid_at at time zone ?)::int as hour,
      case when o.split_from_id is null then o.created_by else coalesce((select parent.created_by
        from pos.orders parent where parent.tenant_id = o.tenant_id and parent.id = o.split_from_id), o.created_by) end as waiter
    from pos.orders o
    where o.tenant_id = ? and o.branch_id = ? and o.status = 'paid' and o.paid_at >= ? and o.paid_at < ?)`;

/**
 * The sales report of one branch over business days `from`..`to` of its zone (see the file's
 * comment). 422 BRANCH_NOT_CONFIGURED when the branch has no zone in POS, INVALID_RANGE for a bad
 * period.
 */
export async function salesReport(em: EntityManager, input: SalesReportInput): Promise<SalesReport> {
  const { timeZone } = await branchSettings(em, input.branchId);
  const { start, end } = reportPeriod(input.from, input.to, timeZone);
  const { tenantId, branchId } = input;
  const paidParams = [timeZone, timeZone, tenantId, branchId, start, end];

  // One snapshot for every statement (a payment landing between two of them would make the
  // sections disagree): a read-only, repeatable-read transaction — or the caller's, when it has one.
  const read = async (tx: EntityManager) => {
    // Orders: totals, days, hours and waiters in one pass over the period's paid orders.
    const orderRows = await tx.execute<OrderGroupRow[]>(
      `with ${PAID}
      select grouping(day, hour, waiter) as g, day, hour, waiter, count(*)::text as orders,
        sum(subtotal)::text as gross, sum(discount_total)::text as discounts, sum(tax_total)::text as tax,
        sum(total - tip)::text as sales, sum(tip)::text as tips, sum(total)::text as total,
        count(*) filter (where discount_total > 0)::text as discounted,
        count(*) filter (where tip > 0)::text as tipped
      from paid group by grouping sets ((), (day), (hour), (waiter))`,
      paidParams,
    );
    // Lines of those orders (not voided): products and categories in one pass.
    const lineRows = await tx.execute<LineGroupRow[]>(
      `with ${PAID}
      select grouping(l.product_id, c.id) as g, l.product_id, min(p.name) as product_name,
        c.id as category_id, min(c.name) as category_name, sum(l.quantity)::text as quantity,
        sum(l.gross)::text as gross, sum(l.discount)::text as discounts, sum(l.tax)::text as tax,
        sum(l.total)::text as sales
      from paid
      join pos.order_lines l on l.tenant_id = ? and l.order_id = paid.id and l.voided_at is null
      left join pos.products p on p.tenant_id = l.tenant_id and p.id = l.product_id
      left join pos.categories c on c.tenant_id = p.tenant_id and c.id = p.category_id
      group by grouping sets ((l.product_id, c.id), (c.id))`,
      [...paidParams, tenantId],
    );
    const tenderRows = await tx.execute<Array<{ method: TenderMethod; tenders: string; captured: string }>>(
      `with ${PAID}
      select t.method, count(*)::text as tenders, sum(t.amount)::text as captured
      from paid join pos.order_tenders t on t.tenant_id = ? and t.order_id = paid.id
      where t.status in ('captured', 'refunded') group by t.method`,
      [...paidParams, tenantId],
    );
    const refundRows = await tx.execute<Array<{ method: TenderMethod; refunded: string }>>(
      `select t.method, sum(rt.amount)::text as refunded
      from pos.order_refunds r
      join pos.order_refund_tenders rt on rt.tenant_id = r.tenant_id and rt.refund_id = r.id and rt.status = 'refunded'
      join pos.order_tenders t on t.tenant_id = rt.tenant_id and t.id = rt.tender_id
      where r.tenant_id = ? and r.branch_id = ? and r.status = 'refunded' and r.refunded_at >= ? and r.refunded_at < ?
      group by t.method`,
      [tenantId, branchId, start, end],
    );
    const refundTotal = await tx.execute<Array<{ refunds: string; amount: string | null }>>(
      `select count(*)::text as refunds, sum(amount)::text as amount from pos.order_refunds
      where tenant_id = ? and branch_id = ? and status = 'refunded' and refunded_at >= ? and refunded_at < ?`,
      [tenantId, branchId, start, end],
    );
    const cancelRows = await tx.execute<
      Array<{ kind: 'order' | 'line'; reason: string; count: string; amount: string }>
    >(
      `select 'order' as kind, coalesce(o.cancel_reason, '') as reason, count(*)::text as count, sum(o.total - o.tip)::text as amount
      from pos.orders o
      where o.tenant_id = ? and o.branch_id = ? and o.status = 'cancelled'
        and o.cancelled_at >= ? and o.cancelled_at < ? and o.merged_into_id is null
        and not exists (select 1 from pos.orders part where part.tenant_id = o.tenant_id and part.split_from_id = o.id)
        and not (o.total = o.tip and exists (select 1 from pos.order_lines v
          where v.tenant_id = o.tenant_id and v.order_id = o.id and v.voided_at is not null))
      group by o.cancel_reason
      union all
      select 'line', coalesce(l.void_reason, ''), count(*)::text, sum(l.total)::text
      from pos.order_lines l
      join pos.orders o on o.tenant_id = l.tenant_id and o.id = l.order_id
      where l.tenant_id = ? and o.branch_id = ? and l.voided_at >= ? and l.voided_at < ?
      group by l.void_reason`,
      [tenantId, branchId, start, end, tenantId, branchId, start, end],
    );
    return { orderRows, lineRows, tenderRows, refundRows, refundTotal, cancelRows };
  };
  const { orderRows, lineRows, tenderRows, refundRows, refundTotal, cancelRows } = em.isInTransaction()
    ? await read(em)
    : await em.transactional(read, { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });

  // grouping(day, hour, waiter): 7 = all orders, 3 = by day, 5 = by hour, 6 = by waiter.
  const all = orderRows.find((r) => r.g === 7);
  const totalsRow = all ? orderGroup(all) : orderGroup({ orders: '0' } as OrderGroupRow);
  const byDay = orderRows
    .filter((r) => r.g === 3)
    .map((r) => ({ day: r.day!, ...orderGroup(r) }))
    .sort((a, b) => a.day.localeCompare(b.day));
  const byHour = orderRows
    .filter((r) => r.g === 5)
    .map((r) => ({ hour: int(r.hour), ...orderGroup(r) }))
    .sort((a, b) => a.hour - b.hour);
  const byWaiter = orderRows
    .filter((r) => r.g === 6)
    .map((r) => ({ userId: r.waiter, ...orderGroup(r) }))
    .sort((a, b) =>
      b.sales === a.sales ? (a.userId ?? '').localeCompare(b.userId ?? '') : b.sales > a.sales ? 1 : -1,
    );

  // grouping(product, category): 0 = by product, 2 = by category.
  const bySales = <T extends { sales: bigint; name: string | null }>(a: T, b: T) =>
    b.sales === a.sales ? (a.name ?? '').localeCompare(b.name ?? '') : b.sales > a.sales ? 1 : -1;
  const byProduct: ProductRow[] = lineRows
    .filter((r) => r.g === 0)
    .map((r) => ({
      productId: r.product_id,
      name: r.product_name,
      categoryId: r.category_id,
      ...lineAmounts(r),
    }))
    .sort(bySales);
  const byCategory: CategoryRow[] = lineRows
    .filter((r) => r.g === 2)
    .map((r) => ({ categoryId: r.category_id, name: r.category_name, ...lineAmounts(r) }))
    .sort(bySales);
  const top = Math.min(Math.max(input.top ?? DEFAULT_TOP, 1), MAX_TOP);
  const products = byProduct.filter((p) => p.productId !== null);
  const topProducts = {
    byQuantity: [...products].sort((a, b) => b.quantity - a.quantity || bySales(a, b)).slice(0, top),
    byRevenue: [...products]
      .sort((a, b) => (b.net === a.net ? bySales(a, b) : b.net > a.net ? 1 : -1))
      .slice(0, top),
  };

  const refundedBy = new Map(refundRows.map((r) => [r.method, big(r.refunded)]));
  const capturedBy = new Map(tenderRows.map((r) => [r.method, r]));
  const byPaymentMethod: MethodRow[] = TENDER_METHODS.filter(
    (m) => capturedBy.has(m) || refundedBy.has(m),
  ).map((method) => {
    const captured = big(capturedBy.get(method)?.captured);
    const refunded = refundedBy.get(method) ?? 0n;
    return {
      method,
      tenders: int(capturedBy.get(method)?.tenders),
      captured,
      refunded,
      net: captured - refunded,
    };
  });

  // Orders first, then lines; each by count, then amount, then reason.
  const reasons = cancelRows
    .map((r) => ({ kind: r.kind, reason: r.reason, count: int(r.count), amount: big(r.amount) }))
    .sort(
      (a, b) =>
        b.kind.localeCompare(a.kind) ||
        b.count - a.count ||
        (b.amount === a.amount ? a.reason.localeCompare(b.reason) : b.amount > a.amount ? 1 : -1),
    );
  const sumOf = (kind: 'order' | 'line') => {
    const rows = reasons.filter((r) => r.kind === kind);
    return { count: rows.reduce((a, r) => a + r.count, 0), amount: rows.reduce((a, r) => a + r.amount, 0n) };
  };
  const cancelledOrders = sumOf('order');
  const voidedLines = sumOf('line');

  return {
    branchId,
    timeZone,
    from: input.from,
    to: input.to,
    start,
    end,
    currency: input.currency,
    totals: {
      ...totalsRow,
      refunds: big(refundTotal[0]?.amount),
      refundCount: int(refundTotal[0]?.refunds),
    },
    byDay,
    byHour,
    byProduct,
    byCategory,
    byWaiter,
    byPaymentMethod,
    topProducts,
    cancellations: {
      count: cancelledOrders.count + voidedLines.count,
      amount: cancelledOrders.amount + voidedLines.amount,
      orders: cancelledOrders,
      lines: voidedLines,
      reasons,
    },
    discounts: { orders: int(all?.discounted), amount: totalsRow.discounts },
    tips: { orders: int(all?.tipped), amount: totalsRow.tips },
  };
}

// ---------------------------------------------------------------------------------------------
// As JSON (decimal strings of minor units, ISO instants) and as CSV, one section at a time

/** A report value as JSON carries it: bigint minor units as decimal strings, instants ISO 8601 UTC. */
export type Presented<T> = T extends bigint
  ? string
  : T extends Date
    ? string
    : T extends Array<infer U>
      ? Array<Presented<U>>
      : T extends object
        ? { [K in keyof T]: Presented<T[K]> }
        : T;

function present(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(present);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, present(v)]));
  return value;
}

/** The report as the API answers it (also what a workflow may carry: no bigint, no Date). */
export const presentSalesReport = (r: SalesReport): Presented<SalesReport> =>
  present(r) as Presented<SalesReport>;

/** The CSV sections (`GET /reports/sales.csv?section=`), each with a header row and stable columns. */
export const REPORT_SECTIONS = [
  'summary',
  'days',
  'hours',
  'products',
  'categories',
  'waiters',
  'payment_methods',
  'top_products',
  'cancellations',
] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

const numeric = <Row>(header: string, value: (row: Row) => bigint | number): CsvColumn<Row> => ({
  header,
  value,
  numeric: true,
});
const amountColumns = <Row extends Amounts>(): Array<CsvColumn<Row>> => [
  numeric('gross', (r) => r.gross),
  numeric('discounts', (r) => r.discounts),
  numeric('net', (r) => r.net),
  numeric('tax', (r) => r.tax),
  numeric('sales', (r) => r.sales),
];
const orderColumns = <Row extends OrderGroup>(): Array<CsvColumn<Row>> => [
  numeric('orders', (r) => r.orders),
  ...amountColumns<Row>(),
  numeric('tips', (r) => r.tips),
  numeric('total', (r) => r.total),
];
type TopRow = ProductRow & { ranking: 'quantity' | 'revenue'; rank: number };

/** One section of the report as CSV text (platform `toCsv`: text cells neutralised, amounts raw integers). */
export function salesReportCsv(r: SalesReport, section: ReportSection): string {
  const currency = <Row>(): CsvColumn<Row> => ({ header: 'currency', value: () => r.currency });
  switch (section) {
    case 'summary':
      return toCsv<SalesReport>(
        [
          { header: 'branch_id', value: (x) => x.branchId },
          { header: 'from', value: (x) => x.from },
          { header: 'to', value: (x) => x.to },
          { header: 'time_zone', value: (x) => x.timeZone },
          currency(),
          numeric('orders', (x) => x.totals.orders),
          numeric('gross', (x) => x.totals.gross),
          numeric('discounts', (x) => x.totals.discounts),
          numeric('net', (x) => x.totals.net),
          numeric('tax', (x) => x.totals.tax),
          numeric('sales', (x) => x.totals.sales),
          numeric('tips', (x) => x.totals.tips),
          numeric('total', (x) => x.totals.total),
          numeric('refunds', (x) => x.totals.refunds),
          numeric('refund_count', (x) => x.totals.refundCount),
          numeric('discounted_orders', (x) => x.discounts.orders),
          numeric('tipped_orders', (x) => x.tips.orders),
          numeric('cancellations', (x) => x.cancellations.count),
          numeric('cancelled_amount', (x) => x.cancellations.amount),
        ],
        [r],
      );
    case 'days':
      return toCsv<SalesReport['byDay'][number]>(
        [{ header: 'day', value: (x) => x.day }, ...orderColumns(), currency()],
        r.byDay,
      );
    case 'hours':
      return toCsv<SalesReport['byHour'][number]>(
        [numeric('hour', (x) => x.hour), ...orderColumns(), currency()],
        r.byHour,
      );
    case 'products':
      return toCsv<ProductRow>(
        [
          { header: 'product_id', value: (x) => x.productId },
          { header: 'name', value: (x) => x.name },
          { header: 'category_id', value: (x) => x.categoryId },
          numeric('quantity', (x) => x.quantity),
          ...amountColumns(),
          currency(),
        ],
        r.byProduct,
      );
    case 'categories':
      return toCsv<CategoryRow>(
        [
          { header: 'category_id', value: (x) => x.categoryId },
          { header: 'name', value: (x) => x.name },
          numeric('quantity', (x) => x.quantity),
          ...amountColumns(),
          currency(),
        ],
        r.byCategory,
      );
    case 'waiters':
      return toCsv<SalesReport['byWaiter'][number]>(
        [{ header: 'user_id', value: (x) => x.userId }, ...orderColumns(), currency()],
        r.byWaiter,
      );
    case 'payment_methods':
      return toCsv<MethodRow>(
        [
          { header: 'method', value: (x) => x.method },
          numeric('tenders', (x) => x.tenders),
          numeric('captured', (x) => x.captured),
          numeric('refunded', (x) => x.refunded),
          numeric('net', (x) => x.net),
          currency(),
        ],
        r.byPaymentMethod,
      );
    case 'top_products': {
      const ranked = (ranking: TopRow['ranking'], rows: ProductRow[]) =>
        rows.map((x, i): TopRow => ({ ...x, ranking, rank: i + 1 }));
      return toCsv<TopRow>(
        [
          { header: 'ranking', value: (x) => x.ranking },
          numeric('rank', (x) => x.rank),
          { header: 'product_id', value: (x) => x.productId },
          { header: 'name', value: (x) => x.name },
          numeric('quantity', (x) => x.quantity),
          numeric('net', (x) => x.net),
          numeric('sales', (x) => x.sales),
          currency(),
        ],
        [...ranked('quantity', r.topProducts.byQuantity), ...ranked('revenue', r.topProducts.byRevenue)],
      );
    }
    case 'cancellations':
      return toCsv<CancellationReason>(
        [
          { header: 'kind', value: (x) => x.kind },
          { header: 'reason', value: (x) => x.reason },
          numeric('count', (x) => x.count),
          numeric('amount', (x) => x.amount),
          currency(),
        ],
        r.cancellations.reasons,
      );
  }
}
