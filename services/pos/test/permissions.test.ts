/**
 * The POS menu and floor permissions: held by the roles that need them (least privilege: whoever
 * takes orders reads, managers keep), and given to businesses that signed up before they existed
 * by identity's `Migration20261208140000_pos_menu_permissions`, once, touching no other role.
 */
import { Migration20261208140000_pos_menu_permissions as AddMenuPermissions } from '../../identity/src/migrations/Migration20261208140000_pos_menu_permissions.ts';
import { SYSTEM_ROLES } from '../../identity/src/domain/system-roles.ts';
import { roleId, signUp, startIdentity, type Harness } from '../../identity/test/harness.ts';

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
  const sql = h.orm.em.fork().getConnection();
  const permissionsOf = async (id: string) =>
    (
      await sql.execute<Array<{ permissions: string[] }>>(
        `select permissions from identity.roles where id = ?`,
        [id],
      )
    )[0]!.permissions;
  const roles = Object.fromEntries(
    await Promise.all(
      ['waiter', 'cashier', 'kitchen', 'manager', 'receptionist'].map(
        async (r) => [r, await roleId(h, biz, r)] as const,
      ),
    ),
  );
  // As they were before the permissions existed.
  for (const id of Object.values(roles))
    for (const p of POS)
      await sql.execute(`update identity.roles set permissions = array_remove(permissions, ?) where id = ?`, [
        p,
        id,
      ]);
  const run = async () => {
    const migration = new AddMenuPermissions(h.orm.em.getDriver(), h.orm.config);
    await migration.up();
    for (const q of migration.getQueries()) if (typeof q === 'string') await sql.execute(q);
  };
  await run();
  await run();
  for (const role of ['waiter', 'cashier', 'kitchen', 'manager'])
    expect((await permissionsOf(roles[role]!)).filter((p) => POS.includes(p)).sort()).toEqual(
      held(role).sort(),
    );
  expect((await permissionsOf(roles.receptionist!)).filter((p) => POS.includes(p))).toEqual([]);
});
