import Joi from 'joi';
import {
  authConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  redisConfigSchema,
  storageConfigSchema,
  temporalConfigSchema,
  workerConfigSchema,
  type AuthConfig,
  type TemporalConfig,
  type WorkerConfig,
  type BaseConfig,
  type DatabaseConfig,
  type HttpConfig,
  type RedisConfig,
  type StorageConfig,
} from '@faena/platform';

/** What the gym's domain needs: where payments is, and how far ahead classes are put on the calendar. */
export const gymKeysSchema = {
  PAYMENTS_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .required()
    .description('base URL of the payments service (memberships are paid through it)'),
  PAYMENTS_TIMEOUT_MS: Joi.number().integer().min(100).max(60_000).default(10_000),
  OCCURRENCE_WEEKS_AHEAD: Joi.number().integer().min(1).max(26).default(8),
  // Trainers' certificates and member photos (the platform's storage settings, like marketplace's).
  ...storageConfigSchema,
  CHECKIN_TOKEN_SECRET: Joi.string()
    .min(32)
    .required()
    .description('HMAC key of the members’ QR check-in codes (a secret: rotate it to void every code)'),
  CHECKIN_TOKEN_TTL_SECONDS: Joi.number().integer().min(15).max(3600).default(120),
};
export interface GymKeys extends StorageConfig {
  PAYMENTS_URL: string;
  PAYMENTS_TIMEOUT_MS: number;
  OCCURRENCE_WEEKS_AHEAD: number;
  CHECKIN_TOKEN_SECRET: string;
  CHECKIN_TOKEN_TTL_SECONDS: number;
}

/** The gym API (src/main.ts). */
export const gymConfigSchema = baseConfigSchema.keys({
  ...httpConfigSchema,
  ...databaseConfigSchema,
  ...redisConfigSchema,
  ...temporalConfigSchema,
  ...authConfigSchema,
  ...gymKeysSchema,
});
export interface GymConfig
  extends BaseConfig, HttpConfig, DatabaseConfig, RedisConfig, TemporalConfig, AuthConfig, GymKeys {}

/** The gym worker (src/worker.ts): the processes' gym activities — PostgreSQL and Temporal only. */
export const gymWorkerConfigSchema = baseConfigSchema.keys({
  ...workerConfigSchema,
  ...databaseConfigSchema,
  ...temporalConfigSchema,
});
export interface GymWorkerConfig extends BaseConfig, WorkerConfig, DatabaseConfig, TemporalConfig {}
