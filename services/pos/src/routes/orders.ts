import Joi from 'joi';
import type { Context } from 'koa';
import {
  assertMembers,
  authOf,
  branchFilter,
  coversBranch,
  defineRoute,
  findPage,
  notFound,
  paginationQuery,
  reply,
  uuid,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { PosDeps } from '../deps.ts';
import { announceKitchen } from '../domain/kitchen.ts';
import { announceOrders } from '../domain/order-events.ts';
import { Category, Product } from '../domain/menu-entities.ts';
import {
  DISCOUNT_KINDS,
  ORDER_KINDS,
  ORDER_STATUSES,
  Order,
  type OrderStatus,
} from '../domain/order-entities.ts';
import {
  addLine,
  cancelOrder,
  createOrder,
  linesOf,
  loadOrder,
  mergeOrders,
  orderSettings,
  presentOrder,
  removeLine,
  sendOrder,
  serveOrder,
  setDiscount,
  setOrderSettings,
  setTip,
  splitOrder,
  voidLine,
  type DiscountInput,
  type LineInput,
  type OrderInput,
  type SplitInput,
} from '../domain/orders.ts';
import { em, params, planScope, reportUsage, text } from './common.ts';
import { orderOut, orderSettingsOut, taxOut } from './orders-responses.ts';

const MAX_MONEY = 1_000_000_000_000;
const orderIn = Joi.object<OrderInput>({
  branchId: uuid.required(),
  kind: Joi.string()
    .valid(...ORDER_KINDS)
    .required(),
  // Which of these a kind takes is a rule of the domain (422 ORDER_KIND_FIELDS), not of the schema.
  tableId: uuid,
  guests: Joi.number().integer().min(1).max(100),
  customerName: text(120),
  deliveryAddress: text(300),
  deliveryPhone: Joi.string()
    .trim()
    .pattern(/^\+?[0-9 ()-]{6,30}$/),
  notes: Joi.string().trim().allow('').max(500),
}).required();

const lineIn = Joi.object<LineInput>({
  productId: uuid.required(),
  variantId: uuid,
  modifierIds: Joi.array().items(uuid).max(50),
  quantity: Joi.number().integer().min(1).max(999).required(),
  notes: Joi.string().trim().allow('').max(300),
}).required();

/** Percent in basis points (1-10000: 1000 = 10 %), amount in minor units. */
const discountIn = Joi.object<DiscountInput>({
  kind: Joi.string()
    .valid(...DISCOUNT_KINDS)
    .required(),
  value: Joi.number()
    .integer()
    .min(1)
    .max(MAX_MONEY)
    .required()
    .description('percent: basis points, at most 10000 (422 DISCOUNT_TOO_LARGE above); amount: minor units'),
});

const lineParams = Joi.object<{ id: string; lineId: string }>({
  id: uuid.required(),
  lineId: uuid.required(),
});

/**
 * Orders of a branch: read with `orders.read`, taken with `orders.create` (waiters, cashiers,
 * managers), cancelled with `orders.cancel`, sent lines voided with `orders.void`, discounts above
 * the business's threshold with `orders.discount` (managers) — each in the order's branch (another
 * branch's or business's order is 404). Every change is announced to the branch's room after its
 * commit (`announceOrders`).
 */
export function orderRoutes(deps: PosDeps): Route[] {
  const { guard } = deps;
  const inScope = async (ctx: Context, permission: string, id: string) => {
    const o = await loadOrder(em(), id);
    if (!coversBranch(ctx, permission, o.branchId)) throw notFound('Order');
    return o;
  };
  const present = async (o: Order) => presentOrder(o, await linesOf(em(), [o]));
  const presentAll = async (orders: Order[]) => {
    const lines = await linesOf(em(), orders);
    return orders.map((o) => presentOrder(o, lines));
  };
  const announce = (orders: Order[], opts?: { created?: Order[] }) =>
    announceOrders(deps, em(), orders, opts);
  const action = (
    path: string,
    summary: string,
    permission: string,
    body: Joi.ObjectSchema | null,
    run: (ctx: Context, o: Order, body: never) => Promise<Order>,
  ) =>
    defineRoute({
      method: 'post',
      path,
      summary,
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission(permission, 'records')],
      schemas: { params, ...(body && { body }), response: orderOut },
      handler: async (ctx, input) => {
        const o = await inScope(ctx, permission, input.params.id);
        const changed = await run(ctx, o, input.body as never);
        await announce([changed]);
        return present(changed);
      },
    });

  return [
    defineRoute({
      method: 'post',
      path: '/orders',
      summary: 'Open an order: dine-in (table, guests), takeaway or delivery (address, phone)',
      tags: ['orders'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('orders.create', { body: 'branchId' })],
      schemas: { body: orderIn, response: orderOut },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { branches: { 'body.branchId': input.body.branchId } });
        const o = await createOrder(em(), input.body, await planScope(guard, ctx));
        await reportUsage(deps, ctx);
        await announce([o], { created: [o] });
        return reply(await present(o), { status: 201, headers: { Location: `${BASE_PATH}/orders/${o.id}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/orders',
      summary: "The orders of the caller's branches, newest first",
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('orders.read', 'records')],
      schemas: {
        query: Joi.object<{
          limit: number;
          cursor?: string;
          branchId?: string;
          tableId?: string;
          status?: OrderStatus;
        }>({
          ...paginationQuery,
          branchId: uuid,
          tableId: uuid,
          status: Joi.string().valid(...ORDER_STATUSES),
        }),
        response: Joi.array().items(orderOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = { ...branchFilter(ctx, 'orders.read') };
        if (q.branchId) where.$and = [{ branchId: q.branchId }];
        if (q.tableId) where.tableId = q.tableId;
        if (q.status) where.status = q.status;
        const { items, meta } = await findPage(em(), Order, where, q);
        return reply(await presentAll(items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/orders/:id',
      summary: 'One order with its lines and totals',
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('orders.read', 'records')],
      schemas: { params, response: orderOut },
      handler: async (ctx, input) => present(await inScope(ctx, 'orders.read', input.params.id)),
    }),
    defineRoute({
      method: 'post',
      path: '/orders/:id/lines',
      summary:
        'Add a line (product, variant, modifiers, notes), priced by the branch, to an order not paid or cancelled (once sent: a second round, sent with the next send)',
      tags: ['orders'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('orders.create', 'records')],
      schemas: { params, body: lineIn, response: orderOut },
      handler: async (ctx, input) => {
        const o = await inScope(ctx, 'orders.create', input.params.id);
        const changed = await addLine(em(), o.id, input.body);
        await announce([changed]);
        return reply(await present(changed), { status: 201 });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/orders/:id/lines/:lineId',
      summary: 'Remove a line the kitchen does not have yet (a sent line is voided)',
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('orders.create', 'records')],
      schemas: { params: lineParams, response: orderOut },
      handler: async (ctx, input) => {
        const o = await inScope(ctx, 'orders.create', input.params.id);
        const changed = await removeLine(em(), o.id, input.params.lineId);
        await announce([changed]);
        return present(changed);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/orders/:id/lines/:lineId/void',
      summary:
        'Void a sent line with a reason (orders.void): it stays on the order, counts in no total and its station gets a cancel ticket; voiding the last live line cancels the order',
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('orders.void', 'records')],
      schemas: {
        params: lineParams,
        body: Joi.object<{ reason: string }>({ reason: text(300).required() }).required(),
        response: orderOut,
      },
      handler: async (ctx, input) => {
        const o = await inScope(ctx, 'orders.void', input.params.id);
        const { order, routed } = await em().transactional((tx) =>
          voidLine(tx, o.id, input.params.lineId, {
            reason: input.body.reason,
            userId: authOf(ctx).claims.sub,
          }),
        );
        await announceKitchen(deps, routed);
        await announce([order]);
        return present(order);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/orders/:id/send',
      summary:
        "Send the order's lines not sent yet to the kitchen (the first send, or a second round): one ticket per station of their categories",
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('orders.create', 'records')],
      schemas: { params, response: orderOut },
      handler: async (ctx, input) => {
        const o = await inScope(ctx, 'orders.create', input.params.id);
        const { order, routed } = await em().transactional((tx) =>
          sendOrder(tx, o.id, { userId: authOf(ctx).claims.sub }),
        );
        if (routed) await announceKitchen(deps, routed);
        await announce([order]);
        return present(order);
      },
    }),
    action(
      '/orders/:id/serve',
      'The order was brought to the customer (sent, preparing or ready → served)',
      'orders.create',
      null,
      (_ctx, o) => serveOrder(em(), o.id),
    ),
    action(
      '/orders/:id/cancel',
      'Cancel an order that is not paid, with its reason',
      'orders.cancel',
      Joi.object({ reason: text(300).required() }).required(),
      async (_ctx, o, body: { reason: string }) => {
        const { order, routed } = await cancelOrder(em(), o.id, body.reason);
        if (routed) await announceKitchen(deps, routed);
        return order;
      },
    ),
    action(
      '/orders/:id/discounts',
      "Set or remove (null) the discount of the order or of one line; above the business's threshold it needs orders.discount",
      'orders.create',
      Joi.object({ lineId: uuid, discount: discountIn.allow(null).required() }).required(),
      (ctx, o, body: { lineId?: string; discount: DiscountInput | null }) =>
        setDiscount(em(), o.id, body, coversBranch(ctx, 'orders.discount', o.branchId)),
    ),
    action(
      '/orders/:id/tip',
      'Set the tip of an order (minor units)',
      'orders.create',
      Joi.object({ amount: Joi.number().integer().min(0).max(MAX_MONEY).required() }).required(),
      (_ctx, o, body: { amount: number }) => setTip(em(), o.id, body.amount),
    ),
    action(
      '/orders/:id/merge',
      "Merge other open bills of the order's table into it",
      'orders.create',
      Joi.object({ orderIds: Joi.array().items(uuid).min(1).max(20).unique().required() }).required(),
      async (ctx, o, body: { orderIds: string[] }) => {
        for (const id of body.orderIds)
          if (!coversBranch(ctx, 'orders.create', (await loadOrder(em(), id)).branchId))
            throw notFound('Order');
        const target = await mergeOrders(em(), o.id, body.orderIds);
        await announce(await em().find(Order, { id: { $in: body.orderIds } }, { refresh: true }));
        return target;
      },
    ),
    defineRoute({
      method: 'post',
      path: '/orders/:id/split',
      summary: 'Split a bill by lines or evenly into new orders whose totals add up to its own',
      tags: ['orders'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('orders.create', 'records')],
      schemas: {
        params,
        body: Joi.alternatives()
          .try(
            Joi.object({
              mode: Joi.string().valid('lines').required(),
              groups: Joi.array().items(Joi.array().items(uuid).min(1).max(200)).min(2).max(20).required(),
            }),
            Joi.object({
              mode: Joi.string().valid('even').required(),
              parts: Joi.number().integer().min(2).max(20).required(),
            }),
          )
          .required(),
        response: Joi.array().items(orderOut),
      },
      handler: async (ctx, input) => {
        const o = await inScope(ctx, 'orders.create', input.params.id);
        const parts = await splitOrder(em(), o.id, input.body as SplitInput);
        await announce([await em().findOneOrFail(Order, { id: o.id }, { refresh: true }), ...parts], {
          created: parts,
        });
        return reply(await presentAll(parts), { status: 201 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/order-settings',
      summary: "The business's order rules (discount threshold in basis points)",
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('orders.read', 'records')],
      schemas: { response: orderSettingsOut },
      handler: async () => orderSettings(em()),
    }),
    defineRoute({
      method: 'put',
      path: '/order-settings',
      summary:
        "Set the business's discount threshold (basis points; above it a discount needs orders.discount)",
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('orders.discount', 'tenant')],
      schemas: {
        body: Joi.object<{ discountThresholdBp: number }>({
          discountThresholdBp: Joi.number().integer().min(0).max(10_000).required(),
        }).required(),
        response: orderSettingsOut,
      },
      handler: async (_ctx, input) => setOrderSettings(em(), input.body),
    }),
    ...(['categories', 'products'] as const).map((what) =>
      defineRoute({
        method: 'put',
        path: `/${what}/:id/tax`,
        summary:
          what === 'categories'
            ? "Set a category's tax (basis points, prices inclusive or not) for its products"
            : "Set a product's own tax (null: its category's)",
        tags: ['menu'],
        auth: true,
        middleware: [guard.requirePermission('menu.manage', 'tenant')],
        schemas: {
          params,
          body:
            what === 'categories'
              ? Joi.object({
                  taxRateBp: Joi.number().integer().min(0).max(10_000).required(),
                  taxInclusive: Joi.boolean().required(),
                }).required()
              : Joi.object({
                  taxRateBp: Joi.number().integer().min(0).max(10_000).allow(null).required(),
                  taxInclusive: Joi.boolean().allow(null).required(),
                }).required(),
          response: taxOut,
        },
        handler: async (_ctx, input) => {
          const body = input.body as { taxRateBp: number | null; taxInclusive: boolean | null };
          const row =
            what === 'categories'
              ? await em().findOne(Category, { id: input.params.id })
              : await em().findOne(Product, { id: input.params.id });
          if (!row) throw notFound(what === 'categories' ? 'Category' : 'Product');
          em().assign(row, body as never);
          await em().flush();
          return { id: row.id, taxRateBp: row.taxRateBp ?? null, taxInclusive: row.taxInclusive ?? null };
        },
      }),
    ),
  ];
}
