/**
 * Each service's `migrations/.snapshot.json` is the schema its migrations build: `migrate create`
 * diffs the entities against it (never the live database, shared by every service), so a stale
 * snapshot makes the next generated migration repeat or undo columns. A hand-written migration must
 * leave the snapshot in step: run `node services/<name>/src/migrate.ts create x`, keep the updated
 * snapshot and delete the generated file.
 *
 * And the migrations must build what the entities say: on a fresh database, after every migration,
 * MikroORM's diff of the entities against the database may only drop what the database alone
 * knows (composite tenant keys, partial indexes, richer checks) — never add a table, a column, a
 * type change or a check the entities declare and no migration wrote. A check the database holds
 * under the entity's own name is a richer rule of the same column, and counts as there.
 */
import { runMigrations } from '@faena/platform';
import { testDatabaseUrl } from '@faena/platform/testing';
import { createGymOrm } from '../../services/gym/src/wiring.ts';
import { createIdentityOrm } from '../../services/identity/src/wiring.ts';
import { createMarketplaceOrm } from '../../services/marketplace/src/wiring.ts';
import { createNotificationsOrm } from '../../services/notifications/src/wiring.ts';
import { createPaymentsOrm } from '../../services/payments/src/wiring.ts';
import { createPosOrm } from '../../services/pos/src/wiring.ts';

const services = {
  identity: createIdentityOrm,
  payments: createPaymentsOrm,
  marketplace: createMarketplaceOrm,
  notifications: createNotificationsOrm,
  gym: createGymOrm,
  pos: createPosOrm,
};

describe.each(Object.entries(services))('%s', (name, createOrm) => {
  it('its entities match its migrations snapshot', async () => {
    const orm = await createOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 1 });
    try {
      expect(await orm.migrator.checkSchema()).toBe(false);
    } finally {
      await orm.close(true);
    }
  });

  it('its migrations build every table, column and check its entities declare', async () => {
    const orm = await createOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 2 });
    try {
      await runMigrations(orm);
      const held = new Set(
        (
          await orm.em
            .fork()
            .getConnection()
            .execute<Array<{ conname: string }>>(
              `select c.conname from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = ?`,
              [name],
            )
        ).map((r) => r.conname),
      );
      const missing = (await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: true }))
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !/ drop (constraint|index) /.test(line) && !/^drop index /.test(line))
        .filter((line) => {
          const check = /add constraint "([^"]+)" check /.exec(line);
          return !(check && held.has(check[1]!));
        });
      expect(missing).toEqual([]);
    } finally {
      await orm.close(true);
    }
  });
});
