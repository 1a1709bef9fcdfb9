import {
  authConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  outboundGuardConfigSchema,
  redisConfigSchema,
  paymentsClientConfigSchema,
  storageConfigSchema,
  temporalConfigSchema,
  workerConfigSchema,
  type AuthConfig,
  type BaseConfig,
  type DatabaseConfig,
  type HttpConfig,
  type OutboundGuardConfig,
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

/**
 * Where kitchen printers may be (their tenant-chosen `host:port` goes through the SSRF guard as a
 * LAN device): `TENANT_URL_DENY_CIDRS` (the cluster's pod and service ranges) and
 * `TENANT_URL_ALLOW_CIDRS` (tests and dev: 127.0.0.1/32). Not `TENANT_URL_ALLOW_HTTP`: no URLs here.
 */
export const printerGuardConfigSchema = {
  TENANT_URL_DENY_CIDRS: outboundGuardConfigSchema.TENANT_URL_DENY_CIDRS,
  TENANT_URL_ALLOW_CIDRS: outboundGuardConfigSchema.TENANT_URL_ALLOW_CIDRS,
};
export type PrinterGuardConfig = Pick<
  OutboundGuardConfig,
  'TENANT_URL_DENY_CIDRS' | 'TENANT_URL_ALLOW_CIDRS'
>;

/** The POS worker (src/worker.ts): POS's activities and its sweepers — PostgreSQL, Redis and Temporal. */
export const posWorkerConfigSchema = baseConfigSchema.keys({
  ...workerConfigSchema,
  ...databaseConfigSchema,
  // Kitchen printing's fallback tells the kitchen screen through the real-time stream.
  ...redisConfigSchema,
  ...temporalConfigSchema,
  ...printerGuardConfigSchema,
});
export interface PosWorkerConfig
  extends BaseConfig, WorkerConfig, DatabaseConfig, RedisConfig, TemporalConfig, PrinterGuardConfig {}
