/**
 * How pos is assembled — the one place main.ts, the seed and the test harness build it from: its
 * ORM and the API's dependencies.
 */
import {
  createStorage,
  serviceOrm,
  uploadLimits,
  type AuthGuard,
  type Logger,
  type Orm,
  type Redis,
} from '@faena/platform';
import type { PosKeys } from './config.ts';
import { SCHEMA } from './constants.ts';
import type { PosDeps } from './deps.ts';
import { entities } from './domain/entities.ts';

export const createPosOrm = serviceOrm({ schema: SCHEMA, entities, moduleUrl: import.meta.url });

/** The API's dependencies. */
export function createPosDeps(
  config: PosKeys,
  infra: { orm: Orm; redis: Redis; logger: Logger; guard: AuthGuard },
): PosDeps {
  return { ...infra, storage: createStorage(config), uploads: uploadLimits(config) };
}
