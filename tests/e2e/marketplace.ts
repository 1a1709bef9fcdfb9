/**
 * The marketplace API in this process, wired like production to the payments harness's identity
 * (JWKS over HTTP), Temporal client and Redis; and an approved professional, set up the way a
 * client app does it. Shared by the end-to-end suites.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import {
  authGuardFromConfig,
  createRedis,
  runMigrations,
  serve,
  type Logger,
  type Orm,
} from '@faena/platform';
import { testDatabaseUrl, testStack } from '@faena/platform/testing';
import { createApp } from '../../services/marketplace/src/app.ts';
import { marketplaceTestConfig } from '../../services/marketplace/test/harness.ts';
import { createMarketplaceDeps, createMarketplaceOrm } from '../../services/marketplace/src/wiring.ts';
import { bearer, type Business, type PaymentsHarness } from '../../services/payments/test/harness.ts';

export const MARKETPLACE = '/api/marketplace/v1';

export interface MarketplaceApi {
  agent: ReturnType<typeof request>;
  /** The same API served over HTTP on a free port (for clients that need a real address). */
  url: string;
  orm: Orm;
  redis: ReturnType<typeof createRedis>;
  close(): Promise<void>;
}

export async function startMarketplaceApi(h: PaymentsHarness, logger: Logger): Promise<MarketplaceApi> {
  const orm = await createMarketplaceOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 5 });
  await runMigrations(orm);
  const storageDir = await mkdtemp(path.join(os.tmpdir(), 'faena-e2e-'));
  const redis = createRedis(testStack.redisUrl);
  const guard = authGuardFromConfig({ IDENTITY_URL: h.identityUrl }, redis, { localCacheMs: 0 });
  // Deals run on the contract's queue, where the suite's workers poll.
  const deps = createMarketplaceDeps(marketplaceTestConfig(storageDir), {
    orm,
    redis,
    logger,
    guard,
    temporal: h.temporal,
  });
  const app = createApp(deps);
  const agent = request(app.app.callback());
  const server = await serve(app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  return {
    agent,
    url: `http://127.0.0.1:${server.port}`,
    orm,
    redis,
    close: async () => {
      await server.stop();
      await guard.close();
      await redis.quit();
      await orm.close(true);
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** The business's professional gets a public profile and an operator approves their KYC. */
export async function approvedProfessional(m: MarketplaceApi, b: Business): Promise<void> {
  const profile = await m.agent
    .post(`${MARKETPLACE}/professionals/me`)
    .set(bearer(b.pro.token))
    .send({
      displayName: 'Ana Plomera',
      bio: 'Gasfitería',
      categories: ['plumbing'],
      skills: ['leaks'],
      location: { latitude: -33.45, longitude: -70.66 },
      radiusMeters: 10000,
    });
  if (profile.status !== 201) throw new Error(`profile: ${profile.status} ${JSON.stringify(profile.body)}`);
  const kyc = await m.agent
    .post(`${MARKETPLACE}/professionals/${b.pro.id}/kyc/decision`)
    .set(bearer(b.owner))
    .send({ status: 'approved' });
  if (kyc.status !== 200) throw new Error(`kyc: ${kyc.status} ${JSON.stringify(kyc.body)}`);
}
