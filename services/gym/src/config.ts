import Joi from 'joi';
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
  type TemporalConfig,
  type WorkerConfig,
  type BaseConfig,
  type DatabaseConfig,
  type HttpConfig,
  type RedisConfig,
  type PaymentsClientConfig,
  type StorageConfig,
} from '@faena/platform';

/** What the gym's domain needs: where payments is, and how far ahead classes are put on the calendar. */
export const gymKeysSchema = {
  // Memberships and store sales are paid through payments (the platform's client).
  ...paymentsClientConfigSchema,
  OCCURRENCE_WEEKS_AHEAD: Joi.number().integer().min(1).max(26).default(8),
  // Trainers' certificates and member photos (the platform's storage settings, like marketplace's).
  ...storageConfigSchema,
  CHECKIN_TOKEN_SECRET: Joi.string()
    .min(32)
    .required()
    .description('HMAC key of the members’ QR check-in codes (a secret: rotate it to void every code)'),
  CHECKIN_TOKEN_TTL_SECONDS: Joi.number().integer().min(15).max(3600).default(120),
};
export interface GymKeys extends StorageConfig, PaymentsClientConfig {
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
