import Joi from 'joi';
import type { Context } from 'koa';
import {
  DomainError,
  assertMembers,
  authOf,
  branchFilter,
  coversBranch,
  currency,
  defineRoute,
  findPage,
  idempotency,
  notFound,
  paginationQuery,
  reply,
  uuid,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { PosDeps } from '../deps.ts';
import {
  getSettings,
  loadItem,
  presentAlert,
  presentItem,
  presentMovement,
  presentStock,
  presentTransfer,
  recordMovement,
  saveItem,
  setSettings,
  transfer,
  type ItemInput,
  type ManualMovementInput,
  type TransferInput,
} from '../domain/inventory.ts';
import { countLines, countView, loadCount, openCount, postCount } from '../domain/inventory-counts.ts';
import { deliverLowStock } from '../low-stock.ts';
import {
  COUNT_STATUSES,
  InventoryAlert,
  InventoryItem,
  InventoryMovement,
  InventoryStock,
  InventoryTransfer,
  MANUAL_MOVEMENT_KINDS,
  StockCount,
  type CountStatus,
} from '../domain/inventory-entities.ts';
import { UNITS, type Unit } from '../domain/inventory-units.ts';
import { em, params, tenant, text } from './common.ts';
import {
  alertOut,
  countOut,
  itemOut,
  movedOut,
  movementOut,
  settingsOut,
  stockOut,
  transferOut,
} from './inventory-responses.ts';

/** A decimal as entered (`"1.5"`), in `unit`; never a JSON number (no binary fractions). */
const positive = Joi.string()
  .pattern(/^\d{1,9}(\.\d{1,6})?$/)
  .description('decimal string, zero or more');
/** What a movement moves: more than zero (an adjustment may be negative). */
const moved = Joi.string()
  .pattern(/^(?!0+(\.0+)?$)\d{1,9}(\.\d{1,6})?$/)
  .description('decimal string, more than zero');
const signed = Joi.string()
  .pattern(/^-?(?!0+(\.0+)?$)\d{1,9}(\.\d{1,6})?$/)
  .description('decimal string, not zero: negative takes stock out');

/** The movements staff record by hand, one route each. */
const MANUAL_PATHS = { purchase: 'purchases', waste: 'waste', adjustment: 'adjustments' } as const;
const MANUAL_SUMMARIES = {
  purchase:
    'Record a purchase into a branch at its unitCost per entered unit or its totalCost (exactly one: 422 EXACTLY_ONE_REQUIRED): the weighted average cost is recomputed',
  waste: 'Record waste (spoiled, broken, spilled) out of a branch, at its share of the stock value',
  adjustment: 'Record a correction of a branch’s stock (signed), valued at the average cost',
} as const;
const unit = Joi.string()
  .valid(...UNITS)
  .description("kg, g, l, ml or unit: converted exactly to the item's base unit (same dimension)");
const cost = Joi.number().integer().min(0).max(Number.MAX_SAFE_INTEGER).description('minor units');

const itemFields = {
  name: text(120),
  baseUnit: Joi.string()
    .valid(...UNITS)
    .description('what quantities are kept in'),
  currency,
  lowStockThreshold: positive.description(
    'in the base unit; at or below it a branch is alerted once (0: never)',
  ),
  active: Joi.boolean(),
};

/**
 * The inventory: items are one catalog for the business (`inventory.read` anywhere reads them,
 * `inventory.manage` tenant-wide keeps them); stock, kardex, movements, transfers, counts and
 * alerts belong to a branch (a grant in some branches sees and moves only theirs; another
 * branch's record is 404, like another business's).
 */
export function inventoryRoutes(deps: PosDeps): Route[] {
  const { guard } = deps;
  const idem = idempotency({ redis: deps.redis, scope: 'pos' });
  const branchCount = async (ctx: Context, id: string, permission: string) => {
    const c = await loadCount(em(), id);
    if (!coversBranch(ctx, permission, c.branchId)) throw notFound('Stock count');
    return c;
  };
  const itemsOf = async (ids: string[]) =>
    new Map(
      (ids.length ? await em().find(InventoryItem, { id: { $in: [...new Set(ids)] } }) : []).map((i) => [
        i.id,
        i,
      ]),
    );

  return [
    defineRoute({
      method: 'post',
      path: '/inventory/items',
      summary: 'Add an inventory item (name unique per business) with its base unit and low-stock threshold',
      tags: ['inventory'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('inventory.manage', 'tenant')],
      schemas: {
        body: Joi.object<ItemInput>({
          ...itemFields,
          name: itemFields.name.required(),
          baseUnit: itemFields.baseUnit.required(),
          currency: itemFields.currency.required(),
        }).required(),
        response: itemOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { currency: { 'body.currency': input.body.currency } });
        const i = await saveItem(em(), input.body);
        return reply(presentItem(i), {
          status: 201,
          headers: { Location: `${BASE_PATH}/inventory/items/${i.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/items',
      summary: "The business's inventory items, newest first",
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.read', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; active?: boolean }>({
          ...paginationQuery,
          active: Joi.boolean(),
        }),
        response: Joi.array().items(itemOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const { items, meta } = await findPage(
          em(),
          InventoryItem,
          q.active === undefined ? {} : { active: q.active },
          q,
        );
        return reply(items.map(presentItem), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/items/:id',
      summary: 'One inventory item',
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.read', 'records')],
      schemas: { params, response: itemOut },
      handler: async (_ctx, input) => presentItem(await loadItem(em(), input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/inventory/items/:id',
      summary: 'Change an item (name, threshold, active; its base unit only before any movement)',
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.manage', 'tenant')],
      schemas: {
        params,
        body: Joi.object<Partial<Omit<ItemInput, 'currency'>>>({
          name: itemFields.name,
          baseUnit: itemFields.baseUnit,
          lowStockThreshold: itemFields.lowStockThreshold,
          active: itemFields.active,
        })
          .min(1)
          .required(),
        response: itemOut,
      },
      handler: async (_ctx, input) =>
        presentItem(await saveItem(em(), input.body, await loadItem(em(), input.params.id))),
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/stock',
      summary:
        "Stock per item and branch (quantity in the base unit, value and weighted average cost in minor units) in the branches the caller's inventory.read covers",
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.read', 'records')],
      schemas: {
        query: Joi.object<{
          limit: number;
          cursor?: string;
          branchId?: string;
          itemId?: string;
          lowStock?: boolean;
        }>({
          ...paginationQuery,
          branchId: uuid,
          itemId: uuid,
          lowStock: Joi.boolean(),
        }),
        response: Joi.array().items(stockOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown>[] = [branchFilter(ctx, 'inventory.read')];
        if (q.branchId) where.push({ branchId: q.branchId });
        if (q.itemId) where.push({ itemId: q.itemId });
        if (q.lowStock !== undefined) where.push({ lowStock: q.lowStock });
        const { items, meta } = await findPage(
          em(),
          InventoryStock,
          { $and: where } as Record<string, unknown>,
          q,
        );
        const byId = await itemsOf(items.map((s) => s.itemId));
        return reply(
          items.map((s) => presentStock(s, byId.get(s.itemId)!)),
          { meta },
        );
      },
    }),
    ...MANUAL_MOVEMENT_KINDS.map((kind) =>
      defineRoute({
        method: 'post',
        path: `/inventory/items/:id/${MANUAL_PATHS[kind]}`,
        summary: `${MANUAL_SUMMARIES[kind]}; quantity as a decimal string in any unit of the item's dimension; never below zero unless the business allows it (409 OUT_OF_STOCK); Idempotency-Key required`,
        tags: ['inventory'],
        auth: true,
        status: 201,
        middleware: [guard.requirePermission('inventory.manage', { body: 'branchId' }), idem],
        schemas: {
          params,
          body: Joi.object<Omit<ManualMovementInput, 'kind'>>({
            branchId: uuid.required(),
            quantity: (kind === 'adjustment' ? signed : moved).required(),
            unit,
            note: text(300),
            ...(kind === 'purchase' && {
              unitCost: cost.description('minor units per entered unit (or totalCost)'),
              totalCost: cost.description('what it all cost, minor units (or unitCost)'),
            }),
          }).required(),
          response: movedOut,
        },
        handler: async (ctx, input) => {
          const b = input.body;
          await assertMembers(guard, ctx, { branches: { 'body.branchId': b.branchId } });
          const item = await loadItem(em(), input.params.id);
          const { movement, alert } = await recordMovement(em(), item, { ...b, kind });
          if (alert) await deliverLowStock(deps, em(), [alert]);
          return reply({ ...presentMovement(movement, item), lowStock: !!alert }, { status: 201 });
        },
      }),
    ),
    defineRoute({
      method: 'get',
      path: '/inventory/items/:id/movements',
      summary:
        "An item's kardex (running quantity, value and average cost) in the caller's branches, newest first",
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.read', 'records')],
      schemas: {
        params,
        query: Joi.object<{ limit: number; cursor?: string; branchId?: string }>({
          ...paginationQuery,
          branchId: uuid,
        }),
        response: Joi.array().items(movementOut),
      },
      handler: async (ctx, input) => {
        const item = await loadItem(em(), input.params.id);
        const where: Record<string, unknown>[] = [{ itemId: item.id }, branchFilter(ctx, 'inventory.read')];
        if (input.query.branchId) where.push({ branchId: input.query.branchId });
        const { items, meta } = await findPage(
          em(),
          InventoryMovement,
          { $and: where } as Record<string, unknown>,
          input.query,
        );
        return reply(
          items.map((m) => presentMovement(m, item)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/inventory/transfers',
      summary:
        'Move stock of an item from one branch to another: two linked kardex movements in one transaction, valued at the source’s average (inventory.manage in both branches); Idempotency-Key required',
      tags: ['inventory'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('inventory.manage', { body: 'fromBranchId' }), idem],
      schemas: {
        body: Joi.object<TransferInput & { itemId: string }>({
          itemId: uuid.required(),
          fromBranchId: uuid.required(),
          toBranchId: uuid.required(),
          quantity: moved.required(),
          unit,
          note: text(300),
        }).required(),
        response: transferOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        if (!coversBranch(ctx, 'inventory.manage', b.toBranchId))
          throw new DomainError('FORBIDDEN', 'inventory.manage does not cover the destination branch', {
            field: 'body.toBranchId',
          });
        await assertMembers(guard, ctx, {
          branches: { 'body.fromBranchId': b.fromBranchId, 'body.toBranchId': b.toBranchId },
        });
        const item = await loadItem(em(), b.itemId);
        const t = await transfer(em(), item, b);
        await deliverLowStock(deps, em(), t.alerts);
        return reply(presentTransfer(t.transfer, item, t.movements), {
          status: 201,
          headers: { Location: `${BASE_PATH}/inventory/transfers/${t.transfer.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/transfers/:id',
      summary: 'One transfer with its two movements (the caller covers either branch)',
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.read', 'records')],
      schemas: { params, response: transferOut },
      handler: async (ctx, input) => {
        const t = await em().findOne(InventoryTransfer, { id: input.params.id });
        if (
          !t ||
          (!coversBranch(ctx, 'inventory.read', t.fromBranchId) &&
            !coversBranch(ctx, 'inventory.read', t.toBranchId))
        )
          throw notFound('Transfer');
        const item = await loadItem(em(), t.itemId);
        const movements = await em().find(
          InventoryMovement,
          { transferId: t.id },
          { orderBy: { quantity: 'asc' } },
        );
        return presentTransfer(t, item, movements);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/alerts',
      summary: "Low-stock crossings (one per crossing) in the caller's branches, newest first",
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.read', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; branchId?: string; delivered?: boolean }>({
          ...paginationQuery,
          branchId: uuid,
          delivered: Joi.boolean(),
        }),
        response: Joi.array().items(alertOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown>[] = [branchFilter(ctx, 'inventory.read')];
        if (q.branchId) where.push({ branchId: q.branchId });
        if (q.delivered !== undefined) where.push({ deliveredAt: q.delivered ? { $ne: null } : null });
        const { items, meta } = await findPage(
          em(),
          InventoryAlert,
          { $and: where } as Record<string, unknown>,
          q,
        );
        const byId = await itemsOf(items.map((a) => a.itemId));
        return reply(
          items.map((a) => presentAlert(a, byId.get(a.itemId)!)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/settings',
      summary: "The business's inventory rules (negative stock allowed or not)",
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.read', 'records')],
      schemas: { response: settingsOut },
      handler: async () => getSettings(em()),
    }),
    defineRoute({
      method: 'put',
      path: '/inventory/settings',
      summary:
        'Allow or refuse negative stock for the whole business (turning it off with stock below zero somewhere is 409 NEGATIVE_STOCK_EXISTS)',
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.manage', 'tenant')],
      schemas: {
        body: Joi.object<{ allowNegativeStock: boolean }>({
          allowNegativeStock: Joi.boolean().required(),
        }).required(),
        response: settingsOut,
      },
      handler: async (ctx, input) => setSettings(em(), tenant(ctx), input.body),
    }),
    defineRoute({
      method: 'post',
      path: '/inventory/counts',
      summary: "Open a physical count of a branch's stock",
      tags: ['inventory'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('inventory.count', { body: 'branchId' })],
      schemas: {
        body: Joi.object<{ branchId: string; note?: string }>({
          branchId: uuid.required(),
          note: text(300),
        }).required(),
        response: countOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { branches: { 'body.branchId': input.body.branchId } });
        const c = await openCount(em(), input.body);
        return reply(await countView(em(), c), {
          status: 201,
          headers: { Location: `${BASE_PATH}/inventory/counts/${c.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/counts',
      summary: "Physical counts in the caller's branches, newest first",
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.count', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; branchId?: string; status?: CountStatus }>({
          ...paginationQuery,
          branchId: uuid,
          status: Joi.string().valid(...COUNT_STATUSES),
        }),
        response: Joi.array().items(countOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown>[] = [branchFilter(ctx, 'inventory.count')];
        if (q.branchId) where.push({ branchId: q.branchId });
        if (q.status) where.push({ status: q.status });
        const { items, meta } = await findPage(
          em(),
          StockCount,
          { $and: where } as Record<string, unknown>,
          q,
        );
        const views = [];
        for (const c of items) views.push(await countView(em(), c));
        return reply(views, { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/counts/:id',
      summary: 'One physical count with its lines (expected and difference once posted)',
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.count', 'records')],
      schemas: { params, response: countOut },
      handler: async (ctx, input) =>
        countView(em(), await branchCount(ctx, input.params.id, 'inventory.count')),
    }),
    defineRoute({
      method: 'put',
      path: '/inventory/counts/:id/lines',
      summary:
        'Record what was counted of each item (decimal strings in any unit of its dimension); an item counted again replaces its line; only while open',
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.count', 'records')],
      schemas: {
        params,
        body: Joi.object<{ lines: Array<{ itemId: string; quantity: string; unit?: Unit }> }>({
          lines: Joi.array()
            .items(Joi.object({ itemId: uuid.required(), quantity: positive.required(), unit }))
            .min(1)
            .max(200)
            .required(),
        }).required(),
        response: countOut,
      },
      handler: async (ctx, input) => {
        const c = await branchCount(ctx, input.params.id, 'inventory.count');
        await countLines(em(), c, input.body.lines);
        return countView(em(), await em().findOneOrFail(StockCount, { id: c.id }, { refresh: true }));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/inventory/counts/:id/post',
      summary:
        "Post a count: each line's difference against the stock now becomes a `count` movement of the kardex, once (409 INVALID_STATE_TRANSITION afterwards)",
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.manage', 'records')],
      schemas: { params, response: countOut },
      handler: async (ctx, input) => {
        const c = await branchCount(ctx, input.params.id, 'inventory.manage');
        const { count, alerts } = await postCount(em(), c, authOf(ctx).claims.sub);
        await deliverLowStock(deps, em(), alerts);
        return countView(em(), count);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/inventory/counts/:id/cancel',
      summary: 'Cancel an open count (nothing is posted)',
      tags: ['inventory'],
      auth: true,
      middleware: [guard.requirePermission('inventory.manage', 'records')],
      schemas: { params, response: countOut },
      handler: async (ctx, input) => {
        const c = await branchCount(ctx, input.params.id, 'inventory.manage');
        const done = await em().nativeUpdate(
          StockCount,
          { id: c.id, status: 'open' },
          { status: 'cancelled' },
        );
        if (done !== 1)
          throw new DomainError(
            'INVALID_STATE_TRANSITION',
            `The count is ${c.status}: only an open count is cancelled`,
          );
        return countView(em(), await em().findOneOrFail(StockCount, { id: c.id }, { refresh: true }));
      },
    }),
  ];
}
