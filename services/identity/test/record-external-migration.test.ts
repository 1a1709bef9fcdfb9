/**
 * A business that signed up before `payments.record_external` existed: the migration gives its
 * cashier and manager the permission (as signup now does), once, and touches no custom role.
 */
import { Migration20261203100000_record_external_permission as AddRecordExternal } from '../src/migrations/Migration20261203100000_record_external_permission.ts';
import { roleId, signUp, startIdentity, type Harness } from './harness.ts';
import { permissionsOf, runMigration, withoutPermissions } from './migrations.ts';

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(() => h.close());

it('gives the system cashier and manager of existing businesses payments.record_external, once', async () => {
  const biz = await signUp(h, 'restaurant');
  const cashier = await roleId(h, biz, 'cashier');
  const waiter = await roleId(h, biz, 'waiter');
  // As it was before the permission existed.
  await withoutPermissions(h, [cashier], ['payments.record_external']);
  await runMigration(h, AddRecordExternal);
  await runMigration(h, AddRecordExternal);
  expect((await permissionsOf(h, cashier)).filter((p) => p === 'payments.record_external')).toHaveLength(1);
  expect(await permissionsOf(h, waiter)).not.toContain('payments.record_external');
});
