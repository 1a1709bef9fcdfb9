/** The marketplace worker: the job activities the escrow needs, on the marketplace queue. */
import { loadConfigOrExit, runWorker } from '@faena/platform';
import { createActivities } from './activities.ts';
import { marketplaceWorkerConfigSchema, type MarketplaceWorkerConfig } from './config.ts';
import { TASK_QUEUE } from './constants.ts';
import { createMarketplaceActivityDeps, createMarketplaceOrm } from './wiring.ts';

const config = loadConfigOrExit<MarketplaceWorkerConfig>(marketplaceWorkerConfigSchema);
await runWorker({
  config,
  taskQueue: TASK_QUEUE,
  orm: createMarketplaceOrm,
  build: (infra) => ({ activities: createActivities(createMarketplaceActivityDeps(infra)) }),
});
