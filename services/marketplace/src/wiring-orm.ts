import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrm, type Logger, type Orm } from '@faena/platform';
import { entities } from './domain/entities.ts';

export const SCHEMA = 'marketplace';
export const MIGRATIONS_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export function createMarketplaceOrm(
  config: { DATABASE_URL: string; DATABASE_POOL_MAX: number },
  logger?: Logger,
): Promise<Orm> {
  return createOrm({
    url: config.DATABASE_URL,
    schema: SCHEMA,
    entities,
    migrationsPath: MIGRATIONS_PATH,
    poolMax: config.DATABASE_POOL_MAX,
    logger,
  });
}
