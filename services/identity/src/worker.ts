/**
 * The identity worker: what processes ask of identity, on the identity queue — people, operators,
 * and the seller's side of the SaaS subscriptions' renewal — with the subscription sweeper beside it.
 */
import { besideWorker, createTemporalClient, loadConfigOrExit, runWorker } from '@faena/platform';
import { RENEWAL_TASK_QUEUE } from '@faena/workflows/renewal/contract';
import { createActivities } from './activities.ts';
import { identityWorkerConfigSchema, type IdentityWorkerConfig } from './config.ts';
import { TASK_QUEUE } from './constants.ts';
import { subscriptionActivities } from './subscription-activities.ts';
import { subscriptionSweeper } from './subscription.ts';
import { createIdentityActivityDeps, createIdentityOrm } from './wiring.ts';

const config = loadConfigOrExit<IdentityWorkerConfig>(identityWorkerConfigSchema);
await runWorker({
  config,
  taskQueue: TASK_QUEUE,
  orm: createIdentityOrm,
  redis: true,
  build: async (infra) => {
    const { orm, logger, redis } = infra;
    const temporal = await createTemporalClient(config);
    return {
      activities: {
        ...createActivities(createIdentityActivityDeps({ orm, logger })),
        ...subscriptionActivities({ orm, logger, redis }),
      },
      // Paid plans a crash (or Temporal away) left without their renewal chain (subscription.ts).
      background: besideWorker(
        subscriptionSweeper({
          orm,
          logger,
          temporal,
          taskQueue: RENEWAL_TASK_QUEUE,
          platformSlug: config.PLATFORM_TENANT_SLUG,
        }),
      ),
      closers: [{ name: 'temporal-client', close: () => temporal.connection.close() }],
    };
  },
});
