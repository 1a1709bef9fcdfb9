/**
 * A business that signed up before trainers, routines and nutrition existed: the migration gives its
 * system manager and trainer the new permissions and adds the `nutritionist` role, once, and leaves
 * a business's own role of that name alone.
 */
import { Migration20261206130000_training_permissions as AddTraining } from '../src/migrations/Migration20261206130000_training_permissions.ts';
import { roleId, signUp, startIdentity, type Harness } from './harness.ts';
import { permissionsOf, runMigration, withoutPermissions } from './migrations.ts';

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('grants the new gym permissions and adds the nutritionist role to existing businesses, once', async () => {
  const biz = await signUp(h, 'gym');
  const sql = h.orm.em.fork().getConnection();
  const trainer = await roleId(h, biz, 'trainer');
  const receptionist = await roleId(h, biz, 'receptionist');
  // As it was before: no new permissions, no nutritionist role.
  await withoutPermissions(h, [trainer], ['routines.manage', 'nutrition.manage']);
  await sql.execute(`delete from identity.roles where tenant_id = ? and name = 'nutritionist'`, [
    biz.tenantId,
  ]);
  await runMigration(h, AddTraining);
  await runMigration(h, AddTraining);
  const granted = await permissionsOf(h, trainer);
  expect(granted.filter((p) => p === 'routines.manage')).toHaveLength(1);
  expect(granted.filter((p) => p === 'nutrition.manage')).toHaveLength(1);
  expect(await permissionsOf(h, receptionist)).not.toContain('routines.manage');
  const nutritionist = await sql.execute<Array<{ permissions: string[]; system: boolean }>>(
    `select permissions, system from identity.roles where tenant_id = ? and name = 'nutritionist'`,
    [biz.tenantId],
  );
  expect(nutritionist).toEqual([
    { permissions: ['tenant.read', 'members.read', 'nutrition.manage', 'notifications.read'], system: true },
  ]);
});
