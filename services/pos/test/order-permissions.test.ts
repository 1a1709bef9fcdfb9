/**
 * The POS orders' permissions: `orders.cancel` and `orders.discount` held by managers only (least
 * privilege: waiters and cashiers take orders, a manager cancels them and approves big discounts),
 * given to businesses that signed up before they existed by identity's
 * `Migration20261208170000_order_permissions`, once, touching no other role; `orders.void`
 * (voiding sent lines) the same way by `Migration20261209100000_order_void_permissions`.
 */
import { Migration20261208170000_order_permissions as AddOrderPermissions } from '../../identity/src/migrations/Migration20261208170000_order_permissions.ts';
import { Migration20261209100000_order_void_permissions as AddVoidPermission } from '../../identity/src/migrations/Migration20261209100000_order_void_permissions.ts';
import { SYSTEM_ROLES } from '../../identity/src/domain/system-roles.ts';
import { roleId, signUp, startIdentity, type Harness } from '../../identity/test/harness.ts';
import { permissionsOf, runMigration, withoutPermissions } from '../../identity/test/migrations.ts';

const ORDERS = ['orders.cancel', 'orders.discount'];
const held = (role: string) =>
  SYSTEM_ROLES.find((r) => r.name === role)!.permissions.filter((p) => ORDERS.includes(p));

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('only managers cancel orders and approve discounts above the threshold', () => {
  expect(held('manager').sort()).toEqual(ORDERS);
  for (const role of ['waiter', 'cashier', 'kitchen', 'receptionist', 'trainer', 'client'])
    expect(held(role)).toEqual([]);
});

it("gives existing businesses' managers the orders permissions, once", async () => {
  const biz = await signUp(h, 'restaurant');
  const roles = Object.fromEntries(
    await Promise.all(
      ['waiter', 'cashier', 'manager'].map(async (r) => [r, await roleId(h, biz, r)] as const),
    ),
  );
  await withoutPermissions(h, Object.values(roles), ORDERS);
  await runMigration(h, AddOrderPermissions);
  await runMigration(h, AddOrderPermissions);
  expect((await permissionsOf(h, roles.manager!)).filter((p) => ORDERS.includes(p)).sort()).toEqual(ORDERS);
  for (const role of ['waiter', 'cashier'])
    expect((await permissionsOf(h, roles[role]!)).filter((p) => ORDERS.includes(p))).toEqual([]);
});

it("voids after sending are managers' (orders.void): existing businesses' managers get it once", async () => {
  const voiders = SYSTEM_ROLES.filter((r) => r.permissions.includes('orders.void')).map((r) => r.name);
  expect(voiders.sort()).toEqual(['admin', 'manager']);
  const biz = await signUp(h, 'restaurant');
  const roles = Object.fromEntries(
    await Promise.all(
      ['waiter', 'cashier', 'manager'].map(async (r) => [r, await roleId(h, biz, r)] as const),
    ),
  );
  await withoutPermissions(h, Object.values(roles), ['orders.void']);
  await runMigration(h, AddVoidPermission);
  await runMigration(h, AddVoidPermission);
  expect((await permissionsOf(h, roles.manager!)).filter((p) => p === 'orders.void')).toEqual([
    'orders.void',
  ]);
  for (const role of ['waiter', 'cashier'])
    expect(await permissionsOf(h, roles[role]!)).not.toContain('orders.void');
});
