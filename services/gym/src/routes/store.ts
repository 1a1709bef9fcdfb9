import Joi from 'joi';
import type { Context } from 'koa';
import {
  DomainError,
  IMAGE_TYPES,
  assertMembers,
  branchFilter,
  coversBranch,
  currency,
  defineRoute,
  findPage,
  idempotency,
  notFound,
  paginationQuery,
  reply,
  scopedIdempotencyKey,
  storeUploads,
  type Route,
} from '@faena/platform';
import { publishRealtime, rooms } from '@faena/notifications/realtime';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { Member } from '../domain/entities.ts';
import {
  createProduct,
  loadProduct,
  presentMovement,
  presentProduct,
  presentSale,
  presentStock,
  recordMovement,
  sell,
  updateProduct,
  type LowStock,
  type ProductInput,
} from '../domain/store.ts';
import {
  MANUAL_MOVEMENT_REASONS,
  Product,
  ProductImage,
  SALE_PAYMENT_METHODS,
  Sale,
  SaleLine,
  StockLevel,
  StockMovement,
  type MovementReason,
  type SalePaymentMethod,
} from '../domain/store-entities.ts';
import { ensureLowStockProcess } from '../low-stock.ts';
import { amount, em, id, params, tenant, text, token } from './common.ts';
import { movementOut, productOut, saleOut, stockOut } from './store-responses.ts';

const productFields = {
  sku: Joi.string()
    .trim()
    .pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
    .description('unique within the business'),
  name: text(120),
  description: Joi.string().max(4000).allow(''),
  category: text(60),
  price: amount,
  currency,
  lowStockThreshold: Joi.number().integer().min(0).max(1_000_000),
  active: Joi.boolean(),
};

export function storeRoutes(deps: GymDeps): Route[] {
  const { guard, storage } = deps;
  const idem = idempotency({ redis: deps.redis, scope: 'gym' });
  const withImages = async (ps: Product[]) => {
    const images = ps.length
      ? await em().find(ProductImage, { productId: { $in: ps.map((p) => p.id) } }, { orderBy: { id: 'asc' } })
      : [];
    return ps.map((p) => presentProduct(p, images));
  };
  /**
   * Tells the branch a product ran low, after the commit: its front desk in the room, its store
   * managers by email through the alert's process (`../low-stock.ts`; best effort here: an alert
   * whose start failed is the sweeper's). The sale or movement stands either way.
   */
  const warnLow = async (ctx: Context, lows: LowStock[]) => {
    for (const l of lows) {
      try {
        await ensureLowStockProcess(em(), deps.temporal, deps.lowStockTaskQueue, l.alert);
      } catch (err) {
        deps.logger.warn('low-stock alert not started; the sweeper starts it', {
          alertId: l.alert.id,
          error: String(err),
        });
      }
      try {
        await publishRealtime(deps.redis, {
          tenantId: tenant(ctx),
          room: rooms.gym(tenant(ctx), l.branchId),
          event: 'store:low_stock',
          data: {
            productId: l.product.id,
            sku: l.product.sku,
            branchId: l.branchId,
            quantity: l.quantity,
            threshold: l.product.lowStockThreshold,
          },
        });
      } catch (err) {
        deps.logger.warn('low stock not published', { productId: l.product.id, error: String(err) });
      }
    }
  };
  const loadSale = async (ctx: Context, saleId: string) => {
    const s = await em().findOne(Sale, { id: saleId });
    if (!s || !coversBranch(ctx, 'store.sell', s.branchId)) throw notFound('Sale');
    return s;
  };

  return [
    defineRoute({
      method: 'post',
      path: '/store/products',
      summary: "Add a product to the business's store (SKU unique per business; price in minor units)",
      tags: ['store'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('store.manage', 'tenant')],
      schemas: {
        body: Joi.object<ProductInput>({
          ...productFields,
          sku: productFields.sku.required(),
          name: productFields.name.required(),
          category: productFields.category.required(),
          price: productFields.price.required(),
          currency: productFields.currency.required(),
        }).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { currency: { 'body.currency': input.body.currency } });
        const p = await createProduct(em(), input.body);
        return reply((await withImages([p]))[0], {
          status: 201,
          headers: { Location: `${BASE_PATH}/store/products/${p.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/store/products',
      summary: "The business's products (one catalog for every branch), newest first; q finds name or SKU",
      tags: ['store'],
      auth: true,
      middleware: [guard.requirePermission('store.read', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; category?: string; active?: boolean }>({
          ...paginationQuery,
          category: text(60),
          active: Joi.boolean(),
        }),
        response: Joi.array().items(productOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = {};
        if (q.category) where.category = q.category;
        if (q.active !== undefined) where.active = q.active;
        const { items, meta } = await findPage(em(), Product, where, q);
        return reply(await withImages(items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/store/products/:id',
      summary: 'One product',
      tags: ['store'],
      auth: true,
      middleware: [guard.requirePermission('store.read', 'records')],
      schemas: { params, response: productOut },
      handler: async (_ctx, input) => (await withImages([await loadProduct(em(), input.params.id)]))[0],
    }),
    defineRoute({
      method: 'patch',
      path: '/store/products/:id',
      summary: 'Change a product (name, price, threshold, active…)',
      tags: ['store'],
      auth: true,
      middleware: [guard.requirePermission('store.manage', 'tenant')],
      schemas: {
        params,
        body: Joi.object<Partial<ProductInput>>(productFields).min(1).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { currency: { 'body.currency': input.body.currency } });
        const p = await updateProduct(em(), await loadProduct(em(), input.params.id), input.body);
        return (await withImages([p]))[0];
      },
    }),
    {
      method: 'post',
      path: '/store/products/:id/images',
      summary: 'Add images to a product (multipart: one or more `images`, JPEG/PNG/WebP checked by content)',
      tags: ['store'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('store.manage', 'tenant')],
      schemas: {
        params,
        response: productOut,
        multipart: { fields: Joi.object({}), file: 'images', maxFiles: deps.uploads.maxFiles },
      },
      handler: async (ctx: Context) => {
        const p = await loadProduct(em(), String((ctx.params as { id: string }).id));
        const { files } = await storeUploads<Record<string, never>>(ctx, storage, {
          ...deps.uploads,
          fileField: 'images',
          accept: IMAGE_TYPES,
          fields: Joi.object({}),
          missing: 'Attach at least one image as `images`',
          keyOf: (imageId, ext) => `${p.tenantId}/products/${p.id}/${imageId}.${ext}`,
        });
        for (const f of files)
          em().create(ProductImage, {
            id: f.id,
            tenantId: p.tenantId,
            productId: p.id,
            storageKey: f.key,
            contentType: f.contentType,
            size: f.body.length,
          });
        await em().flush();
        return reply((await withImages([p]))[0], { status: 201 });
      },
    },
    defineRoute({
      method: 'get',
      path: '/store/products/:id/images/:imageId',
      summary: 'A product image',
      produces: { contentType: [...IMAGE_TYPES] },
      tags: ['store'],
      auth: true,
      middleware: [guard.requirePermission('store.read', 'records')],
      schemas: {
        params: Joi.object<{ id: string; imageId: string }>({ id: id.required(), imageId: id.required() }),
      },
      handler: async (_ctx, input) => {
        const image = await em().findOne(ProductImage, {
          id: input.params.imageId,
          productId: input.params.id,
        });
        const file = image && (await storage.get(image.storageKey));
        if (!file) throw notFound('Image');
        return reply(file.body, {
          raw: true,
          headers: {
            'Content-Type': file.contentType,
            'Content-Length': String(file.body.length),
            'Cache-Control': 'private, max-age=300',
            'Content-Disposition': 'inline',
          },
        });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/store/products/:id/images/:imageId',
      summary: 'Remove a product image',
      tags: ['store'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('store.manage', 'tenant')],
      schemas: {
        params: Joi.object<{ id: string; imageId: string }>({ id: id.required(), imageId: id.required() }),
      },
      handler: async (_ctx, input) => {
        const image = await em().findOne(ProductImage, {
          id: input.params.imageId,
          productId: input.params.id,
        });
        if (!image) throw notFound('Image');
        em().remove(image);
        await em().flush();
        await storage.delete(image.storageKey);
        return reply(null, { status: 204 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/store/products/:id/stock',
      summary: "A product's units in the branches the caller's store.read covers",
      tags: ['store'],
      auth: true,
      middleware: [guard.requirePermission('store.read', 'records')],
      schemas: { params, response: Joi.array().items(stockOut) },
      handler: async (ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        const rows = await em().find(
          StockLevel,
          { $and: [{ productId: p.id }, branchFilter(ctx, 'store.read')] },
          { orderBy: { branchId: 'asc' } },
        );
        return rows.map((s) => presentStock(s, p));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/store/products/:id/movements',
      summary:
        'Record stock in or out of a branch by hand (received, adjustment, loss, returned; quantity signed): never below zero (409 OUT_OF_STOCK)',
      tags: ['store'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('store.manage', { body: 'branchId' })],
      schemas: {
        params,
        body: Joi.object<{ branchId: string; quantity: number; reason: MovementReason; note?: string }>({
          branchId: id.required(),
          quantity: Joi.number().integer().min(-1_000_000).max(1_000_000).invalid(0).required(),
          reason: Joi.string()
            .valid(...MANUAL_MOVEMENT_REASONS)
            .required(),
          note: text(300),
        }).required(),
        response: movementOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        await assertMembers(guard, ctx, { branches: { 'body.branchId': b.branchId } });
        const p = await loadProduct(em(), input.params.id);
        const { movement, low } = await recordMovement(em(), p, b);
        if (low) await warnLow(ctx, [low]);
        return reply(presentMovement(movement), { status: 201 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/store/products/:id/movements',
      summary: "A product's kardex in the branches the caller's store.read covers, newest first",
      tags: ['store'],
      auth: true,
      middleware: [guard.requirePermission('store.read', 'records')],
      schemas: {
        params,
        query: Joi.object<{ limit: number; cursor?: string; branchId?: string }>({
          ...paginationQuery,
          branchId: id,
        }),
        response: Joi.array().items(movementOut),
      },
      handler: async (ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        const where: Record<string, unknown>[] = [{ productId: p.id }, branchFilter(ctx, 'store.read')];
        if (input.query.branchId) where.push({ branchId: input.query.branchId });
        const { items, meta } = await findPage(
          em(),
          StockMovement,
          { $and: where } as Record<string, unknown>,
          input.query,
        );
        return reply(items.map(presentMovement), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/store/sales',
      summary:
        "Sell products at a branch's counter, paid from the member's wallet with the payer code they show or in cash into a reception drawer with an open cash session; the units leave the stock first (409 OUT_OF_STOCK) and come back if payments refuses; Idempotency-Key required",
      tags: ['store'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('store.sell', { body: 'branchId' }), idem],
      schemas: {
        body: Joi.object<{
          branchId: string;
          memberId: string;
          method: SalePaymentMethod;
          payerCode?: string;
          drawerId?: string;
          lines: Array<{ productId: string; quantity: number }>;
        }>({
          branchId: id.required(),
          memberId: id.required().description('the buyer: a member linked to their identity user'),
          method: Joi.string()
            .valid(...SALE_PAYMENT_METHODS)
            .default('wallet'),
          drawerId: id.description(
            "cash only (required, 422 DRAWER_REQUIRED; on another method 422 TENDER_FIELDS): the branch's drawer whose open cash session takes it (422 DRAWER_NOT_OPEN without one)",
          ),
          payerCode: Joi.string()
            .pattern(/^\d{8}$/)
            .description("the one-time code the member shows (payments' POST /wallets/me/payer-codes)"),
          lines: Joi.array()
            .items(
              Joi.object({
                productId: id.required(),
                quantity: Joi.number().integer().min(1).max(1000).required(),
              }),
            )
            .min(1)
            .max(50)
            .required(),
        }).required(),
        response: saleOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        await assertMembers(guard, ctx, { branches: { 'body.branchId': b.branchId } });
        const member = await em().findOne(Member, { id: b.memberId });
        if (!member) throw notFound('Member');
        if (!member.userId)
          throw new DomainError(
            'MEMBER_NOT_LINKED',
            'Payments charge an identity user: link the member to their user first',
            { field: 'body.memberId' },
          );
        const { sale, lines, low, created } = await sell(em(), deps.payments, token(ctx), {
          branchId: b.branchId,
          lines: b.lines,
          payerId: member.userId,
          memberId: member.id,
          method: b.method,
          payerCode: b.payerCode,
          drawerId: b.drawerId,
          saleKey: scopedIdempotencyKey(ctx),
        });
        await warnLow(ctx, low);
        return reply(presentSale(sale, lines), {
          status: created ? 201 : 200,
          headers: { Location: `${BASE_PATH}/store/sales/${sale.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/store/sales',
      summary: "Sales of the branches the caller's store.sell covers, newest first",
      tags: ['store'],
      auth: true,
      middleware: [guard.requirePermission('store.sell', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; branchId?: string }>({
          ...paginationQuery,
          branchId: id,
        }),
        response: Joi.array().items(saleOut),
      },
      handler: async (ctx, input) => {
        const where: Record<string, unknown>[] = [branchFilter(ctx, 'store.sell')];
        if (input.query.branchId) where.push({ branchId: input.query.branchId });
        const { items, meta } = await findPage(
          em(),
          Sale,
          { $and: where } as Record<string, unknown>,
          input.query,
        );
        const lines = items.length
          ? await em().find(SaleLine, { saleId: { $in: items.map((s) => s.id) } })
          : [];
        return reply(
          items.map((s) => presentSale(s, lines)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/store/sales/:id',
      summary: 'One sale',
      tags: ['store'],
      auth: true,
      middleware: [guard.requirePermission('store.sell', 'records')],
      schemas: { params, response: saleOut },
      handler: async (ctx, input) => {
        const s = await loadSale(ctx, input.params.id);
        return presentSale(s, await em().find(SaleLine, { saleId: s.id }));
      },
    }),
  ];
}
