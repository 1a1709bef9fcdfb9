/**
 * The POS menu and floor permissions: held by the roles that need them (least privilege: whoever
 * takes orders reads, managers keep), and given to businesses that signed up before they existed
 * by identity's `Migration20261208140000_pos_menu_permissions`, once, touching no other role.
 */
import { Migration20261208140000_pos_menu_permissions as AddMenuPermissions } from '../../identity/src/migrations/Migration20261208140000_pos_menu_permissions.ts';
import { SYSTEM_ROLES } from '../../identity/src/domain/system-roles.ts';
import { roleId, signUp, startIdentity, type Harness } from '../../identity/test/harness.ts';
import { permissionsOf, runMigration, withoutPermissions } from '../../identity/test/migrations.ts';

const POS = ['menu.read', 'menu.manage', 'floors.read', 'floors.manage'];
const held = (role: string) =>
  SYSTEM_ROLES.find((r) => r.name === role)!.permissions.filter((p) => POS.includes(p));

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('waiters and cashiers read the menu and floors, the kitchen the menu, managers keep both', () => {
  expect(held('waiter').sort()).toEqual(['floors.read', 'menu.read']);
  expect(held('cashier').sort()).toEqual(['floors.read', 'menu.read']);
  expect(held('kitchen')).toEqual(['menu.read']);
  expect(held('manager').sort()).toEqual([...POS].sort());
  for (const role of ['receptionist', 'trainer', 'client', 'professional']) expect(held(role)).toEqual([]);
});

it("gives existing businesses' system roles the POS permissions, once", async () => {
  const biz = await signUp(h, 'restaurant');
  const roles = Object.fromEntries(
    await Promise.all(
      ['waiter', 'cashier', 'kitchen', 'manager', 'receptionist'].map(
        async (r) => [r, await roleId(h, biz, r)] as const,
      ),
    ),
  );
  // As they were before the permissions existed.
  await withoutPermissions(h, Object.values(roles), POS);
  await runMigration(h, AddMenuPermissions);
  await runMigration(h, AddMenuPermissions);
  for (const role of ['waiter', 'cashier', 'kitchen', 'manager'])
    expect((await permissionsOf(h, roles[role]!)).filter((p) => POS.includes(p)).sort()).toEqual(
      held(role).sort(),
    );
  expect((await permissionsOf(h, roles.receptionist!)).filter((p) => POS.includes(p))).toEqual([]);
});
