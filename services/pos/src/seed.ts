/**
 * The POS demo for `make dev` (idempotent: run again, it adds only what is missing and resets
 * nothing a manager changed): identity's demo businesses `fastops-bistro` and `cafe-andino`, whose
 * branches identity's seed creates (dev.sh seeds identity first), get the menus, floors, stations
 * and stock of demo.ts in their first branch, through the POS's own domain functions, and the
 * bistro's cash drawer with an open session through payments' (its schema is migrated before this
 * seed runs: dev.sh migrates and seeds identity, then every other service in name order). Natural
 * keys: names; the opening stock is one purchase per item and branch (DEMO_STOCK_REFERENCE, checked
 * under the stock row's lock); a drawer without an open session gets one.
 *   node services/pos/src/seed.ts
 */
import Joi from 'joi';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  createRedis,
  databaseConfigSchema,
  DomainError,
  loadConfigOrExit,
  redisConfigSchema,
  runWithContext,
  withEm,
} from '@faena/platform';
import { Branch, Tenant, User } from '../../identity/src/domain/entities.ts';
import { demoEmail } from '../../identity/src/demo.ts';
import { createIdentityOrm } from '../../identity/src/wiring.ts';
import { createDrawer, openSession } from '../../payments/src/domain/cash.ts';
import { CashSession, Drawer } from '../../payments/src/domain/entities.ts';
import { createPaymentsOrm } from '../../payments/src/wiring.ts';
import { DEMO_MENUS, DEMO_STOCK_REFERENCE, demoProducts, type DemoCash, type DemoMenu } from './demo.ts';
import { DiningTable, Floor } from './domain/floor-entities.ts';
import { addTable, createFloor } from './domain/floors.ts';
import {
  addGroup,
  addVariant,
  saveCategory,
  saveProduct,
  setAvailability,
  setBranchProduct,
  setBranchSettings,
} from './domain/menu.ts';
import { BranchProduct, Category, Product } from './domain/menu-entities.ts';
import { InventoryItem, InventoryMovement } from './domain/inventory-entities.ts';
import { applyMovement, lockStock, saveItem } from './domain/inventory.ts';
import { costOf, toBase } from './domain/inventory-units.ts';
import { createStation, setStationCategories } from './domain/kitchen.ts';
import { Station } from './domain/kitchen-entities.ts';
import { RecipeLine } from './domain/recipe-entities.ts';
import { setRecipe } from './domain/recipes.ts';
import { reportPosUsage } from './domain/plan-limits.ts';
import { createPosOrm } from './wiring.ts';

const config = loadConfigOrExit<{ DATABASE_URL: string; DATABASE_POOL_MAX: number; REDIS_URL: string }>(
  Joi.object({ ...databaseConfigSchema, ...redisConfigSchema }),
);

interface DemoTenant {
  tenantId: string;
  ownerId: string;
  branch: { id: string; timeZone: string };
  /** The demo cashier whose shift the open cash session is (DemoCash.cashier), if any. */
  cashierId?: string;
}

/** What identity's seed made for `slug`: the tenant, its owner, its first branch and the demo cashier. */
async function identityDemo(slug: string, cashier?: string): Promise<DemoTenant> {
  const orm = await createIdentityOrm(config);
  try {
    return await withEm(
      orm,
      async (em) => {
        const tenant = await em.findOne(Tenant, { slug });
        if (!tenant)
          throw new Error(
            `identity has no ${slug}: run identity's seed first (services/identity/src/seed.ts)`,
          );
        const branch = await em.findOne(
          Branch,
          { tenantId: tenant.id, deletedAt: null },
          { orderBy: { createdAt: 'asc' } },
        );
        if (!branch) throw new Error(`${slug} has no branch: run identity's seed first`);
        const owner = await em.findOne(User, { tenantId: tenant.id, email: demoEmail('owner', slug) });
        if (!owner) throw new Error(`${slug} has no owner: run identity's seed first`);
        const till = cashier
          ? await em.findOne(User, { tenantId: tenant.id, email: demoEmail(cashier, slug) })
          : null;
        if (cashier && !till) throw new Error(`${slug} has no ${cashier}: run identity's seed first`);
        return {
          tenantId: tenant.id,
          ownerId: owner.id,
          branch: { id: branch.id, timeZone: branch.timeZone },
          ...(till && { cashierId: till.id }),
        };
      },
      { system: true },
    );
  } finally {
    await orm.close();
  }
}

async function seed(em: EntityManager, menu: DemoMenu, t: DemoTenant) {
  const branchId = t.branch.id;
  await setBranchSettings(em, branchId, { timeZone: t.branch.timeZone });
  for (const [ci, c] of menu.categories.entries()) {
    const category =
      (await em.findOne(Category, { name: c.name })) ??
      (await saveCategory(em, { name: c.name, position: ci }));
    for (const [pi, d] of c.products.entries()) {
      const existing = await em.findOne(Product, { name: d.name });
      const p =
        existing ??
        (await saveProduct(em, {
          categoryId: category.id,
          name: d.name,
          description: d.description,
          position: pi,
        }));
      if (!existing) {
        for (const [vi, v] of (d.variants ?? []).entries())
          await addVariant(em, p, { name: v.name, priceDelta: v.priceDelta ?? 0, position: vi });
        for (const [gi, g] of (d.groups ?? []).entries()) await addGroup(em, p, { ...g, position: gi });
        if (d.windows)
          await setAvailability(
            em,
            p,
            d.windows.flatMap((w) =>
              w.weekdays.map((weekday) => ({ weekday, startsAt: w.startsAt, endsAt: w.endsAt })),
            ),
          );
      }
      if (!(await em.findOne(BranchProduct, { productId: p.id, branchId })))
        await setBranchProduct(em, p, branchId, { price: d.price, currency: menu.currency });
    }
  }
  // Recipes: the items they use (the inventory's), then each product's lines unless it has a recipe.
  const items = new Map<string, string>();
  for (const i of menu.items) {
    const item =
      (await em.findOne(InventoryItem, { name: i.name })) ??
      (await saveItem(em, { name: i.name, baseUnit: i.baseUnit, currency: menu.currency }));
    items.set(i.name, item.id);
    if (i.stock) await openingStock(em, item, branchId, i.stock);
  }
  for (const [name, lines] of Object.entries(menu.recipes)) {
    const p = await em.findOneOrFail(Product, { name });
    if (await em.count(RecipeLine, { productId: p.id })) continue;
    await setRecipe(
      em,
      p,
      lines.map((l) => ({ itemId: items.get(l.item)!, quantity: l.quantity })),
    );
  }
  for (const [fi, f] of menu.floors.entries()) {
    const floor =
      (await em.findOne(Floor, { branchId, name: f.name })) ??
      (await createFloor(em, { branchId, name: f.name, position: fi }));
    for (const table of f.tables)
      if (!(await em.findOne(DiningTable, { branchId, name: table.name }))) await addTable(em, floor, table);
  }
  // Kitchen stations (by name) and their categories.
  for (const st of menu.stations ?? []) {
    const { categories, ...input } = st;
    const station =
      (await em.findOne(Station, { branchId, name: st.name })) ??
      (await createStation(em, { branchId, ...input }));
    const ids = await em.find(Category, { name: { $in: categories } });
    await setStationCategories(
      em,
      station,
      ids.map((c) => c.id),
    );
  }
}

/**
 * The item's opening stock in the branch: one purchase at its unit cost, through the inventory's
 * one way to move stock (the row locked, the kardex line written), keyed by DEMO_STOCK_REFERENCE:
 * under the row's lock a purchase with that reference means it is there already (a rerun, or a
 * concurrent seed that committed first), and nothing is posted again.
 */
async function openingStock(
  em: EntityManager,
  item: InventoryItem,
  branchId: string,
  stock: { quantity: string; unitCost: number },
) {
  await em.transactional(async (tx) => {
    const row = await lockStock(tx, item, branchId);
    if (await tx.count(InventoryMovement, { itemId: item.id, branchId, reference: DEMO_STOCK_REFERENCE }))
      return;
    const unitCost = BigInt(stock.unitCost);
    applyMovement(tx, item, row, {
      kind: 'purchase',
      quantity: toBase(stock.quantity, item.baseUnit, item.baseUnit),
      value: costOf(stock.quantity, unitCost),
      entered: { quantity: stock.quantity, unit: item.baseUnit },
      unitCost,
      reference: DEMO_STOCK_REFERENCE,
      note: 'demo opening stock',
    });
    await tx.flush();
  });
}

/**
 * The branch's cash drawer (payments': by name) and an open session on it, opened by the demo
 * cashier with the float (payments' own domain functions, as its routes call them). A drawer with
 * an open session keeps it; one whose session was closed gets a new one (a new shift). Payments'
 * unique open session per drawer backs the check: a concurrent open is SESSION_ALREADY_OPEN, done.
 */
async function openCashSession(t: DemoTenant, cash: DemoCash, currency: string): Promise<void> {
  const orm = await createPaymentsOrm(config);
  try {
    await runWithContext({ tenantId: t.tenantId, userId: t.cashierId! }, () =>
      withEm(orm, async (em) => {
        const drawer =
          (await em.findOne(Drawer, { branchId: t.branch.id, name: cash.drawer })) ??
          (await createDrawer(em, t.tenantId, t.branch.id, cash.drawer));
        if (await em.findOne(CashSession, { drawerId: drawer.id, status: 'open' })) return;
        try {
          await openSession(em, drawer, {
            openingFloat: BigInt(cash.openingFloat),
            currency,
            userId: t.cashierId!,
          });
        } catch (err) {
          if (!(err instanceof DomainError && err.code === 'SESSION_ALREADY_OPEN')) throw err;
        }
      }),
    );
  } finally {
    await orm.close();
  }
}

const orm = await createPosOrm(config);
const redis = createRedis(config.REDIS_URL, { name: 'pos-seed' });
try {
  for (const menu of DEMO_MENUS) {
    const t = await identityDemo(menu.slug, menu.cash?.cashier);
    await runWithContext({ tenantId: t.tenantId, userId: t.ownerId }, async () => {
      await withEm(orm, (em) => seed(em, menu, t));
      // The plan's usage identity shows (GET /tenant/plan): the products the demo menu has.
      await withEm(orm, (em) => reportPosUsage(em, redis, t.tenantId));
    });
    if (menu.cash) await openCashSession(t, menu.cash, menu.currency);
    const tables = menu.floors.reduce((n, f) => n + f.tables.length, 0);
    const stocked = menu.items.filter((i) => i.stock).length;
    process.stdout.write(
      `seeded ${menu.slug} (pos): ${menu.categories.length} categories, ${demoProducts(menu).length} products, ` +
        `${Object.keys(menu.recipes).length} recipes, ${stocked} items in stock, ${menu.floors.length} floor(s), ` +
        `${tables} tables${menu.cash ? `, ${menu.cash.drawer} open` : ''}\n`,
    );
  }
} finally {
  await redis.quit();
  await orm.close();
}
