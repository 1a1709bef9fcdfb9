/**
 * A business that signed up before trainers, routines and nutrition existed: the migration gives its
 * system manager and trainer the new permissions and adds the `nutritionist` role, once, and leaves
 * a business's own role of that name alone.
 */
import { Migration20261206130000_training_permissions as AddTraining } from '../src/migrations/Migration20261206130000_training_permissions.ts';
import { roleId, signUp, startIdentity, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('grants the new gym permissions and adds the nutritionist role to existing businesses, once', async () => {
  const biz = await signUp(h, 'gym');
  const sql = h.orm.em.fork().getConnection();
  const permissionsOf = async (id: string) =>
    (
      await sql.execute<Array<{ permissions: string[] }>>(
        `select permissions from identity.roles where id = ?`,
        [id],
      )
    )[0]!.permissions;
  const trainer = await roleId(h, biz, 'trainer');
  const receptionist = await roleId(h, biz, 'receptionist');
  // As it was before: no new permissions, no nutritionist role.
  await sql.execute(
    `update identity.roles set permissions = array_remove(array_remove(permissions, 'routines.manage'), 'nutrition.manage')
      where id = ?`,
    [trainer],
  );
  await sql.execute(`delete from identity.roles where tenant_id = ? and name = 'nutritionist'`, [
    biz.tenantId,
  ]);
  const run = async () => {
    const migration = new AddTraining(h.orm.em.getDriver(), h.orm.config);
    await migration.up();
    for (const q of migration.getQueries()) if (typeof q === 'string') await sql.execute(q);
  };
  await run();
  await run();
  const granted = await permissionsOf(trainer);
  expect(granted.filter((p) => p === 'routines.manage')).toHaveLength(1);
  expect(granted.filter((p) => p === 'nutrition.manage')).toHaveLength(1);
  expect(await permissionsOf(receptionist)).not.toContain('routines.manage');
  const nutritionist = await sql.execute<Array<{ permissions: string[]; system: boolean }>>(
    `select permissions, system from identity.roles where tenant_id = ? and name = 'nutritionist'`,
    [biz.tenantId],
  );
  expect(nutritionist).toEqual([
    { permissions: ['tenant.read', 'members.read', 'nutrition.manage', 'notifications.read'], system: true },
  ]);
});
