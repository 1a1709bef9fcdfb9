/**
 * A month of a branch's sales written straight into the POS schema, for measuring the sales report
 * (domain/reports.ts) at volume: the benchmarks' "POS report at 1×/4×/16× rows" growth figure and
 * the throwaway EXPLAIN of the report's indexes. Not for behaviour tests — those create orders
 * through the API (test/reports.test.ts).
 *
 * `seedReportMonth` writes, in one transaction of set-based SQL (10,000 orders in a few seconds):
 * the branch's zone (`branch_settings`, unless it has one), 4 categories with 5 products each,
 * and `orders` paid takeaway orders spread evenly over the local month, each with two lines (tax
 * inclusive at 19 %, every 10th order 10 % off its first line, every 5th a tip of 500) and one
 * captured tender (cash, card, transfer, wallet in turn) for its total — rows as the order and
 * payment parts write them, their CHECKs and composite keys holding. Every 50th order is
 * cancelled instead (not paid, no tender). Returns the period and what was written.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';

export interface ReportSeed {
  tenantId: string;
  branchId: string;
  /** The business's currency (ISO 4217). */
  currency: string;
  /** The branch's zone: used for its settings when it has none, and for the month's bounds. */
  timeZone: string;
  /** The local month, `YYYY-MM`. */
  month: string;
  /** How many orders (default 10,000): 1 in 50 cancelled, the rest paid. */
  orders?: number;
  /** Who opened the orders, in turn (default: five made-up users). */
  waiters?: string[];
}

export interface SeededMonth {
  /** First and last local day of the month, as the report takes them. */
  from: string;
  to: string;
  orders: number;
  paid: number;
  cancelled: number;
  productIds: string[];
}

export async function seedReportMonth(em: EntityManager, seed: ReportSeed): Promise<SeededMonth> {
  const n = seed.orders ?? 10_000;
  const first = DateTime.fromISO(`${seed.month}-01`, { zone: seed.timeZone });
  if (!first.isValid) throw new Error(`seedReportMonth: ${seed.month} is not a month (YYYY-MM)`);
  const next = first.plus({ months: 1 });
  const waiters = seed.waiters ?? Array.from({ length: 5 }, () => crypto.randomUUID());
  const tag = crypto.randomUUID().slice(0, 8);
  const { tenantId, branchId } = seed;
  await em.transactional(async (tx) => {
    await tx.execute(
      `insert into pos.branch_settings (id, tenant_id, branch_id, time_zone, created_at, updated_at)
        select gen_random_uuid(), ?, ?, ?, now(), now()
        where not exists (select 1 from pos.branch_settings where tenant_id = ? and branch_id = ?)`,
      [tenantId, branchId, seed.timeZone, tenantId, branchId],
    );
    await tx.execute(
      `insert into pos.categories (id, tenant_id, name, position, created_at, updated_at)
        select gen_random_uuid(), ?, 'Report ' || ? || ' ' || c, c, now(), now() from generate_series(0, 3) c`,
      [tenantId, tag],
    );
    await tx.execute(
      `insert into pos.products (id, tenant_id, category_id, name, position, created_at, updated_at)
        select gen_random_uuid(), c.tenant_id, c.id, 'Report ' || ? || ' product ' || (c.position * 5 + k), c.position * 5 + k,
          now(), now()
        from pos.categories c cross join generate_series(0, 4) k
        where c.tenant_id = ? and c.name like 'Report ' || ? || ' %'`,
      [tag, tenantId, tag],
    );
    // The orders (i), their time (evenly over the month), waiter and tip.
    await tx.execute(
      `create temporary table seed_orders on commit drop as
        select gen_random_uuid() as id, i,
          ?::timestamptz + (?::timestamptz - ?::timestamptz) * (i + 0.5) / ? as at,
          (?::uuid[])[1 + i % ?] as waiter,
          case when i % 5 = 0 then 500 else 0 end as tip,
          i % 50 = 49 as cancelled
        from generate_series(0, ? - 1) i`,
      [first.toISO(), next.toISO(), first.toISO(), n, `{${waiters.join(',')}}`, waiters.length, n],
    );
    // Two lines each: product i mod 20 × 1 and product 7i mod 20 × (1 + i mod 3), at 10.00 + 2.50 per
    // product position; every 10th order 10 % off its first line; 19 % tax included in the price.
    await tx.execute(
      `create temporary table seed_lines on commit drop as
        with picked as (
          select o.id as order_id, o.i, o.at, o.waiter, k.position,
            p.id as product_id, p.name, p.position as product_position,
            case when k.position = 0 then 1 else 1 + o.i % 3 end as quantity,
            o.i % 10 = 0 and k.position = 0 as discounted
          from seed_orders o
          cross join (values (0), (1)) k(position)
          join pos.products p on p.tenant_id = ? and p.name like 'Report ' || ? || ' product %'
            and p.position = case when k.position = 0 then o.i % 20 else (7 * o.i) % 20 end),
        priced as (
          select *, 1000 + 250 * product_position as unit_price,
            (1000 + 250 * product_position) * quantity as gross,
            case when discounted then round((1000 + 250 * product_position) * quantity * 0.1) else 0 end as discount
          from picked)
        select gen_random_uuid() as id, *, round((gross - discount) * 1900.0 / 11900) as tax, gross - discount as total
        from priced`,
      [tenantId, tag],
    );
    // Temporary tables have no statistics until analysed (the planner would nest loops over them).
    await tx.execute(`analyze seed_orders`);
    await tx.execute(`analyze seed_lines`);
    await tx.execute(
      `insert into pos.orders (id, tenant_id, branch_id, kind, status, currency, tip, subtotal, discount_total, tax_total,
          total, cancel_reason, sent_at, paid_at, cancelled_at, payment_ref, created_at, updated_at, created_by)
        select o.id, ?, ?, 'takeaway', case when o.cancelled then 'cancelled' else 'paid' end, ?, o.tip,
          l.gross, l.discount, l.tax, l.total + o.tip,
          case when o.cancelled then 'Cliente se fue' end, o.at - interval '20 minutes',
          case when o.cancelled then null else o.at end, case when o.cancelled then o.at end,
          case when o.cancelled then null else 'seed' end, o.at - interval '30 minutes', o.at, o.waiter
        from seed_orders o
        join (select order_id, sum(gross) as gross, sum(discount) as discount, sum(tax) as tax, sum(total) as total
          from seed_lines group by order_id) l on l.order_id = o.id`,
      [tenantId, branchId, seed.currency],
    );
    await tx.execute(
      `insert into pos.order_lines (id, tenant_id, order_id, kind, product_id, name, quantity, unit_price, tax_rate_bp,
          tax_inclusive, discount_kind, discount_value, gross, discount, tax, total, position, sent_at, created_at, updated_at,
          created_by)
        select id, ?, order_id, 'item', product_id, name, quantity, unit_price, 1900, true,
          case when discounted then 'percent' end, case when discounted then 1000 end,
          gross, discount, tax, total, position, at - interval '20 minutes', at - interval '25 minutes', at, waiter
        from seed_lines`,
      [tenantId],
    );
    await tx.execute(
      `insert into pos.order_tenders (id, tenant_id, order_id, branch_id, request_key, position, method, amount, received,
          change, currency, drawer_id, payer_id, payment_key, payment_id, status, created_at, updated_at, created_by)
        select gen_random_uuid(), ?, o.id, ?, 'seed', 0, (array['cash', 'card', 'transfer', 'wallet'])[1 + o.i % 4],
          x.total, x.total, 0, ?, case when o.i % 4 = 0 then ?::uuid end, o.waiter, 'seed:' || o.id, gen_random_uuid(),
          'captured', o.at, o.at, o.waiter
        from seed_orders o join pos.orders x on x.tenant_id = ? and x.id = o.id
        where not o.cancelled`,
      [tenantId, branchId, seed.currency, crypto.randomUUID(), tenantId],
    );
  });
  const productIds = (
    await em.execute<Array<{ id: string }>>(
      `select id from pos.products where tenant_id = ? and name like 'Report ' || ? || ' product %' order by position`,
      [tenantId, tag],
    )
  ).map((r) => r.id);
  const cancelled = Math.floor(n / 50);
  return {
    from: first.toISODate(),
    to: next.minus({ days: 1 }).toISODate(),
    orders: n,
    paid: n - cancelled,
    cancelled,
    productIds,
  };
}
