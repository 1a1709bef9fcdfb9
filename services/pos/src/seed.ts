/**
 * The POS demo for `make dev` (idempotent: run again, it adds only what is missing and resets
 * nothing a manager changed): identity's demo businesses `fastops-bistro` and `cafe-andino`, whose
 * branches identity's seed creates (dev.sh seeds identity first), get the menus and floors of
 * demo.ts in their first branch, through the POS's own domain functions. Natural keys: names.
 *   node services/pos/src/seed.ts
 */
import Joi from 'joi';
import type { EntityManager } from '@mikro-orm/postgresql';
import { databaseConfigSchema, loadConfigOrExit, runWithContext, withEm } from '@faena/platform';
import { Branch, Tenant, User } from '../../identity/src/domain/entities.ts';
import { demoEmail } from '../../identity/src/demo.ts';
import { createIdentityOrm } from '../../identity/src/wiring.ts';
import { DEMO_MENUS, demoProducts, type DemoMenu } from './demo.ts';
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
import { InventoryItem } from './domain/inventory-entities.ts';
import { saveItem } from './domain/inventory.ts';
import { createStation, setStationCategories } from './domain/kitchen.ts';
import { Station } from './domain/kitchen-entities.ts';
import { RecipeLine } from './domain/recipe-entities.ts';
import { setRecipe } from './domain/recipes.ts';
import { createPosOrm } from './wiring.ts';

const config = loadConfigOrExit<{ DATABASE_URL: string; DATABASE_POOL_MAX: number }>(
  Joi.object(databaseConfigSchema),
);

interface DemoTenant {
  tenantId: string;
  ownerId: string;
  branch: { id: string; timeZone: string };
}

/** What identity's seed made for `slug`: the tenant, its owner and its first branch. */
async function identityDemo(slug: string): Promise<DemoTenant> {
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
        return {
          tenantId: tenant.id,
          ownerId: owner.id,
          branch: { id: branch.id, timeZone: branch.timeZone },
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

const orm = await createPosOrm(config);
try {
  for (const menu of DEMO_MENUS) {
    const t = await identityDemo(menu.slug);
    await runWithContext({ tenantId: t.tenantId, userId: t.ownerId }, () =>
      withEm(orm, (em) => seed(em, menu, t)),
    );
    const tables = menu.floors.reduce((n, f) => n + f.tables.length, 0);
    process.stdout.write(
      `seeded ${menu.slug} (pos): ${menu.categories.length} categories, ${demoProducts(menu).length} products, ` +
        `${Object.keys(menu.recipes).length} recipes, ${menu.floors.length} floor(s), ${tables} tables\n`,
    );
  }
} finally {
  await orm.close();
}
