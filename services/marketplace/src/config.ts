import Joi from 'joi';
import {
  authConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  redisConfigSchema,
  temporalConfigSchema,
  workerConfigSchema,
  type TemporalConfig,
  type WorkerConfig,
  type BaseConfig,
  type HttpConfig,
  type DatabaseConfig,
  type RedisConfig,
  type AuthConfig,
  storageConfigSchema,
  type StorageConfig,
} from '@faena/platform';
import type { EscrowWindows } from './deps.ts';

/** The deal's windows (ms), as the escrow workflow takes them; shorter ones make every path tryable in dev. */
export const escrowConfigSchema = {
  ESCROW_PAYMENT_WINDOW_MS: Joi.number()
    .integer()
    .min(1000)
    .default(30 * 60 * 1000),
  ESCROW_APPROVAL_WINDOW_MS: Joi.number()
    .integer()
    .min(1000)
    .default(72 * 3600 * 1000),
  ESCROW_LATE_MONEY_WINDOW_MS: Joi.number()
    .integer()
    .min(1000)
    .default(7 * 24 * 3600 * 1000),
};

export interface EscrowConfig {
  ESCROW_PAYMENT_WINDOW_MS: number;
  ESCROW_APPROVAL_WINDOW_MS: number;
  ESCROW_LATE_MONEY_WINDOW_MS: number;
}

/** The windows every new deal of this service gets. */
export const escrowWindows = (c: EscrowConfig): EscrowWindows => ({
  paymentWindowMs: c.ESCROW_PAYMENT_WINDOW_MS,
  approvalWindowMs: c.ESCROW_APPROVAL_WINDOW_MS,
  lateMoneyWindowMs: c.ESCROW_LATE_MONEY_WINDOW_MS,
});

/** The marketplace API (src/main.ts). */
export const marketplaceConfigSchema = baseConfigSchema.keys({
  ...escrowConfigSchema,
  ...httpConfigSchema,
  ...databaseConfigSchema,
  ...redisConfigSchema,
  ...temporalConfigSchema,
  ...authConfigSchema,
  ...storageConfigSchema,
});
export interface MarketplaceConfig
  extends
    TemporalConfig,
    StorageConfig,
    EscrowConfig,
    BaseConfig,
    HttpConfig,
    DatabaseConfig,
    RedisConfig,
    AuthConfig {}

/** The marketplace worker (src/worker.ts): the job projection only — PostgreSQL and Temporal. */
export const marketplaceWorkerConfigSchema = baseConfigSchema.keys({
  ...workerConfigSchema,
  ...databaseConfigSchema,
  ...temporalConfigSchema,
});
export interface MarketplaceWorkerConfig extends BaseConfig, WorkerConfig, DatabaseConfig, TemporalConfig {}
