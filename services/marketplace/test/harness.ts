import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Client } from '@temporalio/client';
import Joi from 'joi';
import {
  loadConfig,
  storageConfigSchema,
  type AuthGuard,
  type Orm,
  type Redis,
  type StorageConfig,
} from '@faena/platform';
import { uniqueTaskQueue } from '@faena/platform/testing';
import {
  addUser,
  bearer,
  roleId,
  signUp,
  startTrustingService,
  type Harness as IdentityHarness,
  type SignedUp,
} from '../../identity/test/harness.ts';
import { createActivities, type MarketplaceActivities } from '../src/activities.ts';
import { createApp } from '../src/app.ts';
import { escrowConfigSchema, type EscrowConfig } from '../src/config.ts';
import type { MarketplaceDeps } from '../src/deps.ts';
import { createMarketplaceDeps, createMarketplaceOrm } from '../src/wiring.ts';

export const API = '/api/marketplace/v1';
export const MAX_FILE_BYTES = 64 * 1024;

/** The storage and escrow settings of a test marketplace: production's schema and defaults, local uploads in `storageDir`. */
export const marketplaceTestConfig = (storageDir: string): StorageConfig & EscrowConfig =>
  loadConfig<StorageConfig & EscrowConfig>(Joi.object({ ...storageConfigSchema, ...escrowConfigSchema }), {
    STORAGE_DIR: storageDir,
    UPLOAD_MAX_FILE_BYTES: String(MAX_FILE_BYTES),
    UPLOAD_MAX_FILES: '3',
  });

export interface MarketplaceHarness {
  identity: IdentityHarness;
  orm: Orm;
  redis: Redis;
  temporal: Client;
  deps: MarketplaceDeps;
  guard: AuthGuard;
  agent: ReturnType<typeof request>;
  activities: MarketplaceActivities;
  storageDir: string;
  /** The same API wired to another Temporal client (to make the workflow start fail on purpose). */
  appWith(temporal: Client): ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * The marketplace wired like production: real identity over HTTP (JWKS), PostgreSQL + PostGIS,
 * Redis, Temporal, a local storage folder. The escrow workflow is started on a task queue unique
 * to this file, where no worker polls: tests see that it was started (describe) without running it.
 */
export async function startMarketplace(): Promise<MarketplaceHarness> {
  const infra = await startTrustingService('marketplace', createMarketplaceOrm);
  const { identity, logs, orm, redis, temporal, guard } = infra;
  const storageDir = await mkdtemp(path.join(os.tmpdir(), 'faena-marketplace-'));
  const deps = createMarketplaceDeps(
    marketplaceTestConfig(storageDir),
    { orm, redis, logger: logs.logger, guard, temporal },
    { escrowTaskQueue: uniqueTaskQueue('escrow-never-run') },
  );
  const app = createApp(deps);
  return {
    identity,
    orm,
    redis,
    temporal,
    deps,
    guard,
    storageDir,
    agent: request(app.app.callback()),
    activities: createActivities({ orm, logger: logs.logger }),
    appWith: (other) => request(createApp({ ...deps, temporal: other }).app.callback()),
    close: async () => {
      await infra.close();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

export interface User {
  id: string;
  token: string;
}

export interface Business {
  biz: SignedUp;
  /** The owner: every permission, so also the operator (kyc.review, disputes.resolve). */
  operator: User;
  client: User;
  client2: User;
  pro: User;
  pro2: User;
}

/** A marketplace business: owner (operator), two clients and two professionals. */
export async function business(h: MarketplaceHarness): Promise<Business> {
  // Chilean businesses: they charge in CLP, the currency of every test payment and offer.
  const biz = await signUp(h.identity, 'marketplace', 'CLP');
  const clientRole = await roleId(h.identity, biz, 'client');
  const proRole = await roleId(h.identity, biz, 'professional');
  const [client, client2, pro, pro2] = await Promise.all([
    addUser(h.identity, biz, [{ roleId: clientRole }]),
    addUser(h.identity, biz, [{ roleId: clientRole }]),
    addUser(h.identity, biz, [{ roleId: proRole }]),
    addUser(h.identity, biz, [{ roleId: proRole }]),
  ]);
  return { biz, operator: { id: biz.ownerId, token: biz.token }, client, client2, pro, pro2 };
}

export const SANTIAGO = { latitude: -33.4489, longitude: -70.6693 };

/** Creates the professional's profile; `approve` has the operator approve their KYC. */
export async function professional(
  h: MarketplaceHarness,
  b: Business,
  who: User,
  opts: { approve?: boolean; categories?: string[]; location?: { latitude: number; longitude: number } } = {},
) {
  const created = await h.agent
    .post(`${API}/professionals/me`)
    .set(bearer(who.token))
    .send({
      displayName: 'Ana Plomera',
      bio: 'Gasfitería y electricidad',
      categories: opts.categories ?? ['plumbing'],
      skills: ['leaks', 'boilers'],
      location: opts.location ?? SANTIAGO,
      radiusMeters: 15000,
    });
  if (created.status !== 201)
    throw new Error(`profile failed: ${created.status} ${JSON.stringify(created.body)}`);
  if (opts.approve ?? true) {
    const ok = await h.agent
      .post(`${API}/professionals/${who.id}/kyc/decision`)
      .set(bearer(b.operator.token))
      .send({ status: 'approved' });
    if (ok.status !== 200) throw new Error(`kyc failed: ${ok.status} ${JSON.stringify(ok.body)}`);
  }
  return created.body.data as { id: string };
}

export const inOneDay = () => new Date(Date.now() + 86_400_000).toISOString();

/** An offer from `pro` to `client`. */
export async function offer(
  h: MarketplaceHarness,
  pro: User,
  client: User,
  body: Record<string, unknown> = {},
): Promise<{ id: string; status: string; amount: string }> {
  const res = await h.agent
    .post(`${API}/offers`)
    .set(bearer(pro.token))
    .send({
      clientId: client.id,
      description: 'Cambiar calefont',
      amount: 45000,
      currency: 'CLP',
      expiresAt: inOneDay(),
      ...body,
    });
  if (res.status !== 201) throw new Error(`offer failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** Rows of a SQL query on this worker's database. */
export const sql = <T>(h: MarketplaceHarness, query: string, params: unknown[] = []) =>
  h.orm.em.fork().getConnection().execute<T[]>(query, params);

/**
 * Real images (uploads are decoded and re-encoded, so a signature followed by filler is refused):
 * a 1×1 PNG, and the platform's 4×4 JPEG and WebP.
 */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
export { TEST_JPEG as JPEG, TEST_WEBP as WEBP } from '@faena/platform/testing';
export const PDF = Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

export { bearer };
