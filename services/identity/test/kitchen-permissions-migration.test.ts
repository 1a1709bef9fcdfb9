/**
 * A business that signed up before POS kitchen stations: the migration gives its system manager
 * role `stations.manage`, once, and no other role (the kitchen works the screen, it does not keep
 * stations); down takes it back.
 */
import { Migration20261208180000_kitchen_permissions as AddStations } from '../src/migrations/Migration20261208180000_kitchen_permissions.ts';
import { roleId, signUp, startIdentity, type Harness } from './harness.ts';
import { permissionsOf, runMigration, withoutPermissions } from './migrations.ts';

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('grants stations.manage to the manager role of existing businesses, once, and to no other role', async () => {
  const biz = await signUp(h, 'restaurant');
  const manager = await roleId(h, biz, 'manager');
  const kitchen = await roleId(h, biz, 'kitchen');
  // New businesses get it from system-roles.ts.
  expect(await permissionsOf(h, manager)).toContain('stations.manage');
  // As it was before.
  await withoutPermissions(h, [manager], ['stations.manage']);
  await runMigration(h, AddStations);
  await runMigration(h, AddStations);
  expect((await permissionsOf(h, manager)).filter((p) => p === 'stations.manage')).toHaveLength(1);
  expect(await permissionsOf(h, kitchen)).not.toContain('stations.manage');
  expect(await permissionsOf(h, kitchen)).toContain('kitchen.operate');
  await runMigration(h, AddStations, 'down');
  expect(await permissionsOf(h, manager)).not.toContain('stations.manage');
  expect(await permissionsOf(h, manager)).toContain('kitchen.operate');
});
