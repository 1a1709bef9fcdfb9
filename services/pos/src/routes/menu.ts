import Joi from 'joi';
import type { Context } from 'koa';
import {
  IMAGE_TYPES,
  assertMembers,
  branchesFor,
  currency,
  defineRoute,
  findPage,
  notFound,
  paginationQuery,
  reply,
  storeUploads,
  timeZone,
  uuid,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { PosDeps } from '../deps.ts';
import {
  addGroup,
  addModifier,
  addVariant,
  branchMenu,
  branchSettings,
  createProduct,
  loadCategory,
  loadProduct,
  presentBranchProduct,
  presentBranchSettings,
  presentCategory,
  presentProduct,
  productDetails,
  removeBranchProduct,
  saveCategory,
  saveProduct,
  setAvailability,
  setBranchProduct,
  setBranchSettings,
  updateGroup,
  updateModifier,
  updateVariant,
  type BranchProductInput,
  type CategoryInput,
  type GroupInput,
  type ModifierInput,
  type ProductInput,
  type VariantInput,
  type WindowInput,
} from '../domain/menu.ts';
import { Category, Product, ProductImage, type Product as ProductRow } from '../domain/menu-entities.ts';
import { em, params, planScope, reportUsage, text } from './common.ts';
import { syncBranchClosureSchedule } from '../closure/routes.ts';
import {
  branchMenuOut,
  branchProductOut,
  branchSettingsOut,
  categoryOut,
  productOut,
} from './menu-responses.ts';

const position = Joi.number().integer().min(0).max(10_000);
/** A price: minor units of the business's currency, a positive safe integer. */
const amount = Joi.number().integer().min(1).max(Number.MAX_SAFE_INTEGER).description('minor units');
/** What a variant or modifier adds to the price: minor units, 0 or more. */
const delta = Joi.number().integer().min(0).max(Number.MAX_SAFE_INTEGER).description('minor units added');
const hhmm = Joi.string().pattern(/^([01]\d|2[0-3]):[0-5]\d$/);

const categoryFields = {
  name: text(80),
  description: Joi.string().max(2000).allow(''),
  position,
  active: Joi.boolean(),
};
const productFields = {
  categoryId: uuid,
  name: text(120),
  description: Joi.string().max(4000).allow(''),
  position,
  active: Joi.boolean(),
};
const optionFields = { name: text(80), priceDelta: delta, position, active: Joi.boolean() };
const groupFields = {
  name: text(80),
  minChoices: Joi.number().integer().min(0).max(20),
  maxChoices: Joi.number().integer().min(1).max(20),
  position,
};
/** `/products/:id/...` with more uuids in the path (`variantId`, `groupId`…). */
const productParams = <K extends string>(...keys: K[]) =>
  Joi.object<{ id: string } & Record<K, string>>({
    id: uuid.required(),
    ...Object.fromEntries(keys.map((k) => [k, uuid.required()])),
  });
const branchProductParams = Joi.object<{ branchId: string; id: string }>({
  branchId: uuid.required(),
  id: uuid.required(),
});
const branchParams = Joi.object<{ branchId: string }>({ branchId: uuid.required() });

/**
 * The menu: one for the whole business, read by whoever takes orders in any branch (`menu.read`,
 * scope `records`: a waiter's grant in one branch reads it, with the prices of the branches the
 * grant covers) and kept by managers (`menu.manage`: the menu itself tenant-wide, a branch's prices,
 * stock flag and settings in that branch).
 */
export function menuRoutes(deps: PosDeps): Route[] {
  const { guard, storage } = deps;
  const present = async (ctx: Context, products: ProductRow[]) => {
    const d = await productDetails(em(), products, branchesFor(ctx, 'menu.read'));
    return products.map((p) => presentProduct(p, d));
  };
  const one = async (ctx: Context, p: ProductRow) => (await present(ctx, [p]))[0]!;

  return [
    // --- categories ---
    defineRoute({
      method: 'post',
      path: '/categories',
      summary: 'Add a category to the menu (name unique per business)',
      tags: ['menu'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        body: Joi.object<CategoryInput>({
          ...categoryFields,
          name: categoryFields.name.required(),
        }).required(),
        response: categoryOut,
      },
      handler: async (_ctx, input) => {
        const c = await saveCategory(em(), input.body);
        return reply(presentCategory(c), {
          status: 201,
          headers: { Location: `${BASE_PATH}/categories/${c.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/categories',
      summary: "The menu's categories, newest first",
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.read', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; active?: boolean }>({
          ...paginationQuery,
          active: Joi.boolean(),
        }),
        response: Joi.array().items(categoryOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const { items, meta } = await findPage(
          em(),
          Category,
          q.active === undefined ? {} : { active: q.active },
          q,
        );
        return reply(items.map(presentCategory), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/categories/:id',
      summary: 'One category',
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.read', 'records')],
      schemas: { params, response: categoryOut },
      handler: async (_ctx, input) => presentCategory(await loadCategory(em(), input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/categories/:id',
      summary: 'Change a category (name, description, position, active)',
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params,
        body: Joi.object<Partial<CategoryInput>>(categoryFields).min(1).required(),
        response: categoryOut,
      },
      handler: async (_ctx, input) =>
        presentCategory(await saveCategory(em(), input.body, await loadCategory(em(), input.params.id))),
    }),

    // --- products ---
    defineRoute({
      method: 'post',
      path: '/products',
      summary: 'Add a product to a category (name unique per business)',
      tags: ['menu'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        body: Joi.object<ProductInput>({
          ...productFields,
          categoryId: productFields.categoryId.required(),
          name: productFields.name.required(),
        }).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        const p = await createProduct(em(), input.body, await planScope(guard, ctx));
        await reportUsage(deps, ctx);
        return reply(await one(ctx, p), {
          status: 201,
          headers: { Location: `${BASE_PATH}/products/${p.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/products',
      summary:
        "The menu's products with variants, modifiers, images, windows and the caller's branches' prices",
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.read', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; categoryId?: string; active?: boolean }>({
          ...paginationQuery,
          categoryId: uuid,
          active: Joi.boolean(),
        }),
        response: Joi.array().items(productOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = {};
        if (q.categoryId) where.categoryId = q.categoryId;
        if (q.active !== undefined) where.active = q.active;
        const { items, meta } = await findPage(em(), Product, where, q);
        return reply(await present(ctx, items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/products/:id',
      summary: 'One product',
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.read', 'records')],
      schemas: { params, response: productOut },
      handler: async (ctx, input) => one(ctx, await loadProduct(em(), input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/products/:id',
      summary: 'Change a product (category, name, description, position, active)',
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params,
        body: Joi.object<Partial<ProductInput>>(productFields).min(1).required(),
        response: productOut,
      },
      handler: async (ctx, input) =>
        one(ctx, await saveProduct(em(), input.body, await loadProduct(em(), input.params.id))),
    }),
    defineRoute({
      method: 'post',
      path: '/products/:id/variants',
      summary: 'Add a variant (Chico, Grande): its price is the branch price plus priceDelta',
      tags: ['menu'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params,
        body: Joi.object<VariantInput>({ ...optionFields, name: optionFields.name.required() }).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        await addVariant(em(), p, input.body);
        return reply(await one(ctx, p), { status: 201 });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/products/:id/variants/:variantId',
      summary: 'Change a variant',
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params: productParams('variantId'),
        body: Joi.object<Partial<VariantInput>>(optionFields).min(1).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        await updateVariant(em(), p, input.params.variantId, input.body);
        return one(ctx, p);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/products/:id/modifier-groups',
      summary:
        'Add a modifier group (between minChoices and maxChoices of its modifiers), with its modifiers',
      tags: ['menu'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params,
        body: Joi.object<GroupInput>({
          ...groupFields,
          name: groupFields.name.required(),
          modifiers: Joi.array()
            .items(Joi.object<ModifierInput>({ ...optionFields, name: optionFields.name.required() }))
            .max(50),
        }).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        await addGroup(em(), p, input.body);
        return reply(await one(ctx, p), { status: 201 });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/products/:id/modifier-groups/:groupId',
      summary: 'Change a modifier group (name, choices, position)',
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params: productParams('groupId'),
        body: Joi.object<Partial<Omit<GroupInput, 'modifiers'>>>(groupFields).min(1).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        await updateGroup(em(), p, input.params.groupId, input.body);
        return one(ctx, p);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/products/:id/modifier-groups/:groupId/modifiers',
      summary: 'Add a modifier to a group',
      tags: ['menu'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params: productParams('groupId'),
        body: Joi.object<ModifierInput>({ ...optionFields, name: optionFields.name.required() }).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        await addModifier(em(), p, input.params.groupId, input.body);
        return reply(await one(ctx, p), { status: 201 });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/products/:id/modifier-groups/:groupId/modifiers/:modifierId',
      summary: 'Change a modifier',
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params: productParams('groupId', 'modifierId'),
        body: Joi.object<Partial<ModifierInput>>(optionFields).min(1).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        await updateModifier(em(), p, input.params.groupId, input.params.modifierId, input.body);
        return one(ctx, p);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/products/:id/availability',
      summary:
        "Replace a product's availability windows (local HH:mm per ISO weekday, read in each branch's zone)",
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: {
        params,
        body: Joi.object<{ windows: WindowInput[] }>({
          windows: Joi.array()
            .items(
              Joi.object<WindowInput>({
                weekday: Joi.number().integer().min(1).max(7).required().description('ISO: 1 = Monday'),
                startsAt: hhmm.required(),
                endsAt: Joi.alternatives(hhmm, Joi.string().valid('24:00')).required(),
              }),
            )
            .max(50)
            .required(),
        }).required(),
        response: productOut,
      },
      handler: async (ctx, input) => {
        const p = await loadProduct(em(), input.params.id);
        await setAvailability(em(), p, input.body.windows);
        return one(ctx, p);
      },
    }),
    {
      method: 'post',
      path: '/products/:id/images',
      summary: 'Add images to a product (multipart: one or more `images`, JPEG/PNG/WebP checked by content)',
      tags: ['menu'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
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
          keyOf: (imageId, ext) => `pos/${p.tenantId}/products/${p.id}/${imageId}.${ext}`,
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
        return reply(await one(ctx, p), { status: 201 });
      },
    },
    defineRoute({
      method: 'get',
      path: '/products/:id/images/:imageId',
      summary: 'A product image',
      produces: { contentType: [...IMAGE_TYPES] },
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.read', 'records')],
      schemas: { params: productParams('imageId') },
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
            'X-Content-Type-Options': 'nosniff',
            'Cache-Control': 'private, max-age=300',
          },
        });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/products/:id/images/:imageId',
      summary: 'Remove a product image',
      tags: ['menu'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('menu.manage', 'tenant')],
      schemas: { params: productParams('imageId') },
      handler: async (_ctx, input) => {
        const image = await em().findOne(ProductImage, {
          id: input.params.imageId,
          productId: input.params.id,
        });
        if (!image) throw notFound('Image');
        await storage.delete(image.storageKey);
        await em().remove(image).flush();
        return reply(null, { status: 204 });
      },
    }),

    // --- a branch's prices, stock flag, settings and menu ---
    defineRoute({
      method: 'put',
      path: '/branches/:branchId/products/:id',
      summary:
        "Sell a product in a branch: its price there (minor units, the business's currency) and out-of-stock flag",
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.manage', { param: 'branchId' })],
      schemas: {
        params: branchProductParams,
        body: Joi.object<BranchProductInput>({ price: amount, currency, outOfStock: Joi.boolean() })
          .min(1)
          .required(),
        response: branchProductOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, {
          branches: { 'params.branchId': input.params.branchId },
          currency: { 'body.currency': input.body.currency },
        });
        const p = await loadProduct(em(), input.params.id);
        return presentBranchProduct(await setBranchProduct(em(), p, input.params.branchId, input.body));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/branches/:branchId/products/:id',
      summary: 'Stop selling a product in a branch',
      tags: ['menu'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('menu.manage', { param: 'branchId' })],
      schemas: { params: branchProductParams },
      handler: async (_ctx, input) => {
        await removeBranchProduct(em(), await loadProduct(em(), input.params.id), input.params.branchId);
        return reply(null, { status: 204 });
      },
    }),
    defineRoute({
      method: 'put',
      path: '/branches/:branchId/settings',
      summary: "Set a branch's POS settings: the IANA zone its menu's availability is read in",
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.manage', { param: 'branchId' })],
      schemas: {
        params: branchParams,
        body: Joi.object<{ timeZone: string }>({ timeZone: timeZone.required() }).required(),
        response: branchSettingsOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { branches: { 'params.branchId': input.params.branchId } });
        const settings = await setBranchSettings(em(), input.params.branchId, input.body);
        // The nightly closure's schedule fires on the branch's zone: a new zone moves it.
        await syncBranchClosureSchedule(deps, ctx, input.params.branchId);
        return presentBranchSettings(settings);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/branches/:branchId/settings',
      summary: "A branch's POS settings",
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.read', { param: 'branchId' })],
      schemas: { params: branchParams, response: branchSettingsOut },
      handler: async (_ctx, input) =>
        presentBranchSettings(await branchSettings(em(), input.params.branchId)),
    }),
    defineRoute({
      method: 'get',
      path: '/branches/:branchId/menu',
      summary:
        "The menu a branch sells, at its prices, with each product's availability on the branch's clock (now, or `at`)",
      tags: ['menu'],
      auth: true,
      middleware: [guard.requirePermission('menu.read', { param: 'branchId' })],
      schemas: {
        params: branchParams,
        query: Joi.object<{ at?: Date }>({ at: Joi.date().iso() }),
        response: branchMenuOut,
      },
      handler: async (_ctx, input) => branchMenu(em(), input.params.branchId, input.query.at ?? new Date()),
    }),
  ];
}
