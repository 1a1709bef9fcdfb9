/**
 * A business that signed up before trainers kept their own profile: the migration gives its system
 * trainer role `trainers.self`, once, and no other role; down takes it back.
 */
import { Migration20261208130000_trainer_self_permission as AddTrainerSelf } from '../src/migrations/Migration20261208130000_trainer_self_permission.ts';
import { roleId, signUp, startIdentity, type Harness } from './harness.ts';
import { permissionsOf, runMigration, withoutPermissions } from './migrations.ts';

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('grants trainers.self to the trainer role of existing businesses, once, and to no other role', async () => {
  const biz = await signUp(h, 'gym');
  const trainer = await roleId(h, biz, 'trainer');
  const manager = await roleId(h, biz, 'manager');
  // New businesses get it from system-roles.ts.
  expect(await permissionsOf(h, trainer)).toContain('trainers.self');
  // As it was before.
  await withoutPermissions(h, [trainer], ['trainers.self']);
  await runMigration(h, AddTrainerSelf);
  await runMigration(h, AddTrainerSelf);
  expect((await permissionsOf(h, trainer)).filter((p) => p === 'trainers.self')).toHaveLength(1);
  expect(await permissionsOf(h, manager)).not.toContain('trainers.self');
  await runMigration(h, AddTrainerSelf, 'down');
  expect(await permissionsOf(h, trainer)).not.toContain('trainers.self');
  expect(await permissionsOf(h, trainer)).toContain('members.health');
});
