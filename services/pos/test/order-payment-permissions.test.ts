/**
 * The order-payment permissions: cashiers and managers take an order's payment (`orders.pay`),
 * admins (and owners) refund it (`orders.refund`, beside the `payments.refund` payments checks);
 * businesses that signed up before they existed get them from identity's
 * `Migration20261208190000_order_payment_permissions`, once, touching no other role.
 */
import { Migration20261208190000_order_payment_permissions as AddOrderPayments } from '../../identity/src/migrations/Migration20261208190000_order_payment_permissions.ts';
import { SYSTEM_ROLES } from '../../identity/src/domain/system-roles.ts';
import { roleId, signUp, startIdentity, type Harness } from '../../identity/test/harness.ts';
import { permissionsOf, runMigration, withoutPermissions } from '../../identity/test/migrations.ts';

const GRANTS = ['orders.pay', 'orders.refund'];
const held = (role: string) =>
  SYSTEM_ROLES.find((r) => r.name === role)!.permissions.filter((p) => GRANTS.includes(p));

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('cashiers and managers take payments, only admins refund (the holders of payments.refund)', () => {
  expect(held('cashier')).toEqual(['orders.pay']);
  expect(held('manager')).toEqual(['orders.pay']);
  expect(held('admin')).toEqual(['orders.refund']);
  expect(SYSTEM_ROLES.find((r) => r.name === 'admin')!.permissions).toContain('payments.refund');
  for (const role of ['waiter', 'kitchen', 'receptionist', 'client']) expect(held(role)).toEqual([]);
});

it("gives existing businesses' system roles the order-payment permissions, once", async () => {
  const biz = await signUp(h, 'restaurant');
  const roles = Object.fromEntries(
    await Promise.all(
      ['cashier', 'manager', 'admin', 'waiter'].map(async (r) => [r, await roleId(h, biz, r)] as const),
    ),
  );
  await withoutPermissions(h, Object.values(roles), GRANTS);
  await runMigration(h, AddOrderPayments);
  await runMigration(h, AddOrderPayments);
  for (const role of ['cashier', 'manager', 'admin', 'waiter'])
    expect((await permissionsOf(h, roles[role]!)).filter((p) => GRANTS.includes(p)).sort()).toEqual(
      held(role).sort(),
    );
});
