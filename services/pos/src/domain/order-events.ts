/**
 * Real-time order and table events, published through the notifications gateway's intake stream
 * (`publishRealtime`) **after the commit** of the change, best effort: a failure is logged and the
 * rows stand (clients that missed an event read the order over HTTP).
 *
 * Events go to the order's **branch room** (`rooms.branch`: the gateway lets in a socket whose
 * grant holds `orders.read` in that branch — waiters, cashiers, kitchen, managers; a tenant-wide
 * grant joins every branch's room). Not to the tenant room: every socket of the business is in it,
 * customers included, and orders and tables are the staff's.
 *
 * - `order:created` — a new order (opened, or a part of a split);
 * - `order:updated` — its status, lines (added, removed, voided, sent), discounts, tip or totals;
 * - `order:paid`, `order:cancelled` — it closed (paid; cancelled, voided away, split or merged);
 * - `table:updated` — after an order of the table opened or closed: the table's status as it is
 *   then (`occupied`, `available`, `out_of_service`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger, Redis } from '@faena/platform';
import { publishRealtime, rooms } from '@faena/notifications/realtime';
import { DiningTable } from './floor-entities.ts';
import type { Order } from './order-entities.ts';
import { orderNumber } from './orders.ts';

export type OrderEventName = 'order:created' | 'order:updated' | 'order:paid' | 'order:cancelled';

export interface OrderEventDeps {
  redis: Redis;
  logger: Logger;
}

/** What every order event carries: enough to refresh a list; the lines are read over HTTP. */
export const orderEventData = (o: Order) => ({
  orderId: o.id,
  number: orderNumber(o),
  branchId: o.branchId,
  kind: o.kind,
  tableId: o.tableId ?? null,
  status: o.status,
  currency: o.currency,
  subtotal: o.subtotal.toString(),
  discountTotal: o.discountTotal.toString(),
  taxTotal: o.taxTotal.toString(),
  tip: o.tip.toString(),
  total: o.total.toString(),
  splitFromId: o.splitFromId ?? null,
  mergedIntoId: o.mergedIntoId ?? null,
  updatedAt: o.updatedAt.toISOString(),
});

const eventOf = (o: Order): OrderEventName =>
  o.status === 'paid' ? 'order:paid' : o.status === 'cancelled' ? 'order:cancelled' : 'order:updated';

async function publish(
  deps: OrderEventDeps,
  tenantId: string,
  branchId: string,
  event: string,
  data: Record<string, unknown>,
): Promise<void> {
  try {
    await publishRealtime(deps.redis, { tenantId, room: rooms.branch(tenantId, branchId), event, data });
  } catch (err) {
    deps.logger.warn('order event not published', { event, branchId, error: String(err) });
  }
}

/**
 * Tells the orders' branch rooms what a committed change did: each order's event (`created` for
 * the ones listed there, else by its status: paid, cancelled or updated), then, for the orders that
 * opened or closed, `table:updated` with their table as the database holds it now. Never throws.
 */
export async function announceOrders(
  deps: OrderEventDeps,
  em: EntityManager,
  orders: Order[],
  opts: { created?: Order[] } = {},
): Promise<void> {
  const opening: Order[] = [];
  for (const o of orders) {
    const event = opts.created?.includes(o) ? 'order:created' : eventOf(o);
    if (event !== 'order:updated') opening.push(o);
    await publish(deps, o.tenantId, o.branchId, event, orderEventData(o));
  }
  // A table's status follows its orders opening and closing: only those events (or a manager's
  // change of the table, which announces it itself) can change it.
  await announceTables(
    deps,
    em,
    opening.flatMap((o) => (o.tableId ? [o.tableId] : [])),
  );
}

/** `table:updated` for each table, with its status as the database holds it now. Never throws. */
export async function announceTables(deps: OrderEventDeps, em: EntityManager, ids: string[]): Promise<void> {
  const tableIds = [...new Set(ids)];
  if (!tableIds.length) return;
  try {
    const tables = await em.find(DiningTable, { id: { $in: tableIds } }, { refresh: true });
    for (const t of tables)
      await publish(deps, t.tenantId, t.branchId, 'table:updated', {
        tableId: t.id,
        floorId: t.floorId,
        branchId: t.branchId,
        name: t.name,
        status: t.status,
      });
  } catch (err) {
    deps.logger.warn('table events not published', { tableIds, error: String(err) });
  }
}
