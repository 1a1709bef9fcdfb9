/**
 * A business that signed up before trainers kept their own profile: the migration gives its system
 * trainer role `trainers.self`, once, and no other role; down takes it back.
 */
import { Migration20261208130000_trainer_self_permission as AddTrainerSelf } from '../src/migrations/Migration20261208130000_trainer_self_permission.ts';
import { roleId, signUp, startIdentity, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('grants trainers.self to the trainer role of existing businesses, once, and to no other role', async () => {
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
  const manager = await roleId(h, biz, 'manager');
  // New businesses get it from system-roles.ts.
  expect(await permissionsOf(trainer)).toContain('trainers.self');
  // As it was before.
  await sql.execute(
    `update identity.roles set permissions = array_remove(permissions, 'trainers.self') where id = ?`,
    [trainer],
  );
  const run = async (direction: 'up' | 'down') => {
    const migration = new AddTrainerSelf(h.orm.em.getDriver(), h.orm.config);
    await migration[direction]();
    for (const q of migration.getQueries()) if (typeof q === 'string') await sql.execute(q);
  };
  await run('up');
  await run('up');
  expect((await permissionsOf(trainer)).filter((p) => p === 'trainers.self')).toHaveLength(1);
  expect(await permissionsOf(manager)).not.toContain('trainers.self');
  await run('down');
  expect(await permissionsOf(trainer)).not.toContain('trainers.self');
  expect(await permissionsOf(trainer)).toContain('members.health');
});
