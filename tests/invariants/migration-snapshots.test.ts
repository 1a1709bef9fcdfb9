/**
 * Each service's `migrations/.snapshot.json` is the schema its migrations build: `migrate create`
 * diffs the entities against it (never the live database, shared by every service), so a stale
 * snapshot makes the next generated migration repeat or undo columns. A hand-written migration must
 * leave the snapshot in step: run `node services/<name>/src/migrate.ts create x`, keep the updated
 * snapshot and delete the generated file.
 */
import { testDatabaseUrl } from '@faena/platform/testing';
import { createIdentityOrm } from '../../services/identity/src/wiring.ts';
import { createMarketplaceOrm } from '../../services/marketplace/src/wiring.ts';
import { createNotificationsOrm } from '../../services/notifications/src/wiring.ts';
import { createPaymentsOrm } from '../../services/payments/src/wiring.ts';

const services = {
  identity: createIdentityOrm,
  payments: createPaymentsOrm,
  marketplace: createMarketplaceOrm,
  notifications: createNotificationsOrm,
};

describe.each(Object.entries(services))('%s', (_name, createOrm) => {
  it('its entities match its migrations snapshot', async () => {
    const orm = await createOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 1 });
    try {
      expect(await orm.migrator.checkSchema()).toBe(false);
    } finally {
      await orm.close(true);
    }
  });
});
