import {
  authConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  redisConfigSchema,
  paymentsClientConfigSchema,
  storageConfigSchema,
  temporalConfigSchema,
  workerConfigSchema,
  type AuthConfig,
  type BaseConfig,
  type DatabaseConfig,
  type HttpConfig,
  type RedisConfig,
  type PaymentsClientConfig,
  type StorageConfig,
  type TemporalConfig,
  type WorkerConfig,
} from '@faena/platform';

/**
 * What the POS domain needs: where product images are stored (the platform's storage settings) and
 * where payments is (orders are paid through it: the platform's payments client).
 */
export const posKeysSchema = {
  ...storageConfigSchema,
  ...paymentsClientConfigSchema,
};
export type PosKeys = StorageConfig & PaymentsClientConfig;

/** The POS API (src/main.ts). */
export const posConfigSchema = baseConfigSchema.keys({
  ...httpConfigSchema,
  ...databaseConfigSchema,
  ...redisConfigSchema,
  ...temporalConfigSchema,
  ...authConfigSchema,
  ...posKeysSchema,
});
export interface PosConfig
  extends BaseConfig, HttpConfig, DatabaseConfig, RedisConfig, TemporalConfig, AuthConfig, PosKeys {}

/** The POS worker (src/worker.ts): POS's activities and its sweepers — PostgreSQL, Redis and Temporal. */
export const posWorkerConfigSchema = baseConfigSchema.keys({
  ...workerConfigSchema,
  ...databaseConfigSchema,
  // Kitchen printing's fallback tells the kitchen screen through the real-time stream.
  ...redisConfigSchema,
  ...temporalConfigSchema,
});
export interface PosWorkerConfig
  extends BaseConfig, WorkerConfig, DatabaseConfig, RedisConfig, TemporalConfig {}
