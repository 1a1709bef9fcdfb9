/**
 * A business that signed up before the POS nightly cash closure: the migration gives its system
 * manager role `closures.read`, `closures.approve` and `closures.configure`, once each, and no
 * other role (a cashier counts the drawer, it does not approve the day); down takes them back.
 */
import { Migration20261209300000_closure_permissions as AddClosures } from '../src/migrations/Migration20261209300000_closure_permissions.ts';
import { roleId, signUp, startIdentity, type Harness } from './harness.ts';
import { permissionsOf, runMigration, withoutPermissions } from './migrations.ts';

const CLOSURES = ['closures.read', 'closures.approve', 'closures.configure'];
let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('grants the closure permissions to the manager role of existing businesses, once, and to no other role', async () => {
  const biz = await signUp(h, 'restaurant');
  const manager = await roleId(h, biz, 'manager');
  const cashier = await roleId(h, biz, 'cashier');
  // New businesses get them from system-roles.ts.
  expect(await permissionsOf(h, manager)).toEqual(expect.arrayContaining(CLOSURES));
  // As it was before.
  await withoutPermissions(h, [manager], CLOSURES);
  await runMigration(h, AddClosures);
  await runMigration(h, AddClosures);
  const granted = await permissionsOf(h, manager);
  for (const p of CLOSURES) expect(granted.filter((x) => x === p)).toHaveLength(1);
  expect((await permissionsOf(h, cashier)).filter((p) => p.startsWith('closures.'))).toEqual([]);
  await runMigration(h, AddClosures, 'down');
  const after = await permissionsOf(h, manager);
  expect(after.filter((p) => p.startsWith('closures.'))).toEqual([]);
  expect(after).toContain('stations.manage');
});
