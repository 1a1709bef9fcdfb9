/**
 * How marketplace is assembled — the one place main.ts, worker.ts and the test harness build it
 * from: its ORM, the API's dependencies and the worker's activity dependencies.
 */
import type { Client } from '@temporalio/client';
import {
  createStorage,
  serviceOrm,
  uploadLimits,
  type AuthGuard,
  type Logger,
  type Orm,
  type Redis,
  type StorageConfig,
} from '@faena/platform';
import { ESCROW_TASK_QUEUE } from '@faena/workflows/escrow/contract';
import type { ActivityDeps } from './activities.ts';
import { escrowWindows, type EscrowConfig } from './config.ts';
import { SCHEMA } from './constants.ts';
import type { MarketplaceDeps } from './deps.ts';
import { entities } from './domain/entities.ts';

export const createMarketplaceOrm = serviceOrm({ schema: SCHEMA, entities, moduleUrl: import.meta.url });

/**
 * The API's dependencies. `escrowTaskQueue` is the contract's queue; tests pass a queue no worker
 * polls to see a deal started without running it.
 */
export function createMarketplaceDeps(
  config: StorageConfig & EscrowConfig,
  infra: { orm: Orm; redis: Redis; logger: Logger; guard: AuthGuard; temporal: Client },
  opts: { escrowTaskQueue?: string } = {},
): MarketplaceDeps {
  return {
    ...infra,
    storage: createStorage(config),
    uploads: uploadLimits(config),
    escrowTaskQueue: opts.escrowTaskQueue ?? ESCROW_TASK_QUEUE,
    escrowWindows: escrowWindows(config),
  };
}

/** The worker's activity dependencies. */
export const createMarketplaceActivityDeps = (infra: { orm: Orm; logger: Logger }): ActivityDeps => infra;
