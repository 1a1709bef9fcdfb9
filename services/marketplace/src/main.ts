/** The marketplace API: `runApi` boots it (logger → db → redis → temporal → auth guard → app → listen). */
import { appOptionsFrom, loadConfigOrExit, runApi } from '@faena/platform';
import { createApp } from './app.ts';
import { marketplaceConfigSchema, type MarketplaceConfig } from './config.ts';
import { createMarketplaceDeps, createMarketplaceOrm } from './wiring.ts';

const config = loadConfigOrExit<MarketplaceConfig>(marketplaceConfigSchema);
await runApi({
  config,
  orm: createMarketplaceOrm,
  temporal: true,
  authGuard: true,
  build: (infra) => ({ app: createApp(createMarketplaceDeps(config, infra), appOptionsFrom(config)) }),
});
