import Joi from 'joi';
import {
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  redisConfigSchema,
  temporalConfigSchema,
  workerConfigSchema,
  type BaseConfig,
  type HttpConfig,
  type DatabaseConfig,
  type RedisConfig,
  type TemporalConfig,
  type WorkerConfig,
} from '@faena/platform';
import { passwordResetConfigSchema } from './routes/password-reset.ts';

export const identityConfigSchema = baseConfigSchema
  .keys({
    ...httpConfigSchema,
    ...databaseConfigSchema,
    ...redisConfigSchema,
    JWT_ISSUER: Joi.string().default('faena-identity'),
    JWT_AUDIENCE: Joi.string().default('faena'),
    ACCESS_TOKEN_TTL_SECONDS: Joi.number().integer().min(60).max(3600).default(900),
    REFRESH_TOKEN_TTL_DAYS: Joi.number().integer().min(1).max(90).default(30),
    KEY_ENCRYPTION_SECRET: Joi.string()
      .min(32)
      .required()
      .description('encrypts the private signing keys at rest'),
    COOKIE_SECURE: Joi.boolean().default(true),
    SIGNUPS_PER_HOUR_PER_IP: Joi.number().integer().min(1).default(10),
  })
  .concat(passwordResetConfigSchema);

export interface IdentityConfig extends BaseConfig, HttpConfig, DatabaseConfig, RedisConfig {
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
  REFRESH_TOKEN_TTL_DAYS: number;
  KEY_ENCRYPTION_SECRET: string;
  COOKIE_SECURE: boolean;
  SIGNUPS_PER_HOUR_PER_IP: number;
  NOTIFICATIONS_URL: string;
  NOTIFICATIONS_SERVICE_TOKEN: string;
  PASSWORD_RESET_URL: string;
}

/** The identity worker (services/identity/src/worker.ts): PostgreSQL and Temporal only, no Redis, no keys. */
export const identityWorkerConfigSchema = baseConfigSchema.keys({
  ...workerConfigSchema,
  ...databaseConfigSchema,
  ...temporalConfigSchema,
});
export interface IdentityWorkerConfig extends BaseConfig, WorkerConfig, DatabaseConfig, TemporalConfig {}
