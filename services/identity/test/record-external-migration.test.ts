/**
 * A business that signed up before `payments.record_external` existed: the migration gives its
 * cashier and manager the permission (as signup now does), once, and touches no custom role.
 */
import { Migration20261203100000_record_external_permission as AddRecordExternal } from '../src/migrations/Migration20261203100000_record_external_permission.ts';
import { roleId, signUp, startIdentity, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('gives the system cashier and manager of existing businesses payments.record_external, once', async () => {
  const biz = await signUp(h, 'restaurant');
  const sql = h.orm.em.fork().getConnection();
  const permissionsOf = async (id: string) =>
    (
      await sql.execute<Array<{ permissions: string[] }>>(
        `select permissions from identity.roles where id = ?`,
        [id],
      )
    )[0]!.permissions;
  const cashier = await roleId(h, biz, 'cashier');
  const waiter = await roleId(h, biz, 'waiter');
  // As it was before the permission existed.
  await sql.execute(
    `update identity.roles set permissions = array_remove(permissions, 'payments.record_external') where id = ?`,
    [cashier],
  );
  const run = async () => {
    const migration = new AddRecordExternal(h.orm.em.getDriver(), h.orm.config);
    await migration.up();
    for (const q of migration.getQueries()) if (typeof q === 'string') await sql.execute(q);
  };
  await run();
  await run();
  expect((await permissionsOf(cashier)).filter((p) => p === 'payments.record_external')).toHaveLength(1);
  expect(await permissionsOf(waiter)).not.toContain('payments.record_external');
});
