/**
 * Running one identity migration against a test database, as a business that signed up before it:
 * the permission-grant migrations' tests (`RoleGrantsMigration`) share these.
 */
import type { Migration } from '@mikro-orm/migrations';
import type { Harness } from './harness.ts';

type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

/** A role's permissions as stored. */
export async function permissionsOf(h: Harness, roleId: string): Promise<string[]> {
  const rows = await h.orm.em
    .fork()
    .getConnection()
    .execute<Array<{ permissions: string[] }>>(`select permissions from identity.roles where id = ?`, [
      roleId,
    ]);
  return rows[0]!.permissions;
}

/** The roles as they were before `permissions` existed. */
export async function withoutPermissions(
  h: Harness,
  roleIds: string[],
  permissions: string[],
): Promise<void> {
  const sql = h.orm.em.fork().getConnection();
  for (const id of roleIds)
    for (const p of permissions)
      await sql.execute(`update identity.roles set permissions = array_remove(permissions, ?) where id = ?`, [
        p,
        id,
      ]);
}

/** Runs the migration's `up` (or `down`) SQL, as the migrator would. */
export async function runMigration(
  h: Harness,
  M: MigrationClass,
  direction: 'up' | 'down' = 'up',
): Promise<void> {
  const sql = h.orm.em.fork().getConnection();
  const migration = new M(h.orm.em.getDriver(), h.orm.config);
  await migration[direction]();
  for (const q of migration.getQueries()) if (typeof q === 'string') await sql.execute(q);
}
