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
} from '@faena/platform';
import type { EscrowWindows } from './deps.ts';
import { localStorage, s3Storage, type Storage } from './storage/index.ts';

/** Where uploads are stored: a local folder (dev) or an S3-compatible bucket (production). */
export const storageConfigSchema = {
  STORAGE_DRIVER: Joi.string().valid('local', 's3').default('local'),
  STORAGE_DIR: Joi.string().when('STORAGE_DRIVER', {
    is: 'local',
    then: Joi.required(),
    otherwise: Joi.optional(),
  }),
  S3_BUCKET: Joi.when('STORAGE_DRIVER', {
    is: 's3',
    then: Joi.string().required(),
    otherwise: Joi.string().allow('').optional(),
  }),
  S3_REGION: Joi.string().default('us-east-1'),
  S3_ENDPOINT: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .allow(''),
  S3_FORCE_PATH_STYLE: Joi.boolean().default(false),
  S3_ACCESS_KEY_ID: Joi.string().allow(''),
  S3_SECRET_ACCESS_KEY: Joi.string().allow(''),
  S3_PREFIX: Joi.string().allow('').default(''),
  UPLOAD_MAX_FILE_BYTES: Joi.number()
    .integer()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  UPLOAD_MAX_FILES: Joi.number().integer().min(1).max(20).default(6),
};

export interface StorageConfig {
  STORAGE_DRIVER: 'local' | 's3';
  STORAGE_DIR?: string;
  S3_BUCKET?: string;
  S3_REGION: string;
  S3_ENDPOINT?: string;
  S3_FORCE_PATH_STYLE: boolean;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
  S3_PREFIX: string;
  UPLOAD_MAX_FILE_BYTES: number;
  UPLOAD_MAX_FILES: number;
}

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

export function createStorage(config: StorageConfig): Storage {
  if (config.STORAGE_DRIVER === 's3')
    return s3Storage({
      bucket: config.S3_BUCKET!,
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT || undefined,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      accessKeyId: config.S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY || undefined,
      prefix: config.S3_PREFIX,
    });
  return localStorage(config.STORAGE_DIR!);
}
