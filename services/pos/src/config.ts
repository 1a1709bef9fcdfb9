import {
  authConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  redisConfigSchema,
  storageConfigSchema,
  type AuthConfig,
  type BaseConfig,
  type DatabaseConfig,
  type HttpConfig,
  type RedisConfig,
  type StorageConfig,
} from '@faena/platform';

/** What the POS domain needs: where product images are stored (the platform's storage settings). */
export const posKeysSchema = {
  ...storageConfigSchema,
};
export type PosKeys = StorageConfig;

/** The POS API (src/main.ts). */
export const posConfigSchema = baseConfigSchema.keys({
  ...httpConfigSchema,
  ...databaseConfigSchema,
  ...redisConfigSchema,
  ...authConfigSchema,
  ...posKeysSchema,
});
export interface PosConfig extends BaseConfig, HttpConfig, DatabaseConfig, RedisConfig, AuthConfig, PosKeys {}
