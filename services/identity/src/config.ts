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
import { DEFAULT_LOGIN_THROTTLE } from './domain/throttle.ts';
import { DEFAULT_SESSION_MAX_AGE_SECONDS } from './domain/tokens.ts';
import { DEFAULT_PLATFORM_TENANT_SLUG } from './domain/subscriptions.ts';

/** The platform tenant whose books receive the SaaS subscriptions' payments (API and worker). */
const platformTenantSchema = {
  PLATFORM_TENANT_SLUG: Joi.string()
    .default(DEFAULT_PLATFORM_TENANT_SLUG)
    .description(
      "the platform tenant (kind platform) whose MercadoPago account is paid the businesses' SaaS plans",
    ),
};

export const identityConfigSchema = baseConfigSchema
  .keys({
    ...httpConfigSchema,
    ...databaseConfigSchema,
    ...redisConfigSchema,
    ...temporalConfigSchema,
    ...platformTenantSchema,
    JWT_ISSUER: Joi.string().default('faena-identity'),
    JWT_AUDIENCE: Joi.string().default('faena'),
    ACCESS_TOKEN_TTL_SECONDS: Joi.number().integer().min(60).max(3600).default(900),
    REFRESH_TOKEN_TTL_DAYS: Joi.number().integer().min(1).max(90).default(30),
    SESSION_MAX_AGE_SECONDS: Joi.number()
      .integer()
      .min(1)
      .max(90 * 86400)
      .default(DEFAULT_SESSION_MAX_AGE_SECONDS)
      .description('a session ends this long after login; refresh-token rotation never extends it'),
    KEY_ENCRYPTION_SECRET: Joi.string()
      .min(32)
      .required()
      .description('encrypts the private signing keys at rest'),
    COOKIE_SECURE: Joi.boolean().default(true),
    SIGNUPS_PER_HOUR_PER_IP: Joi.number().integer().min(1).default(10),
    LOGIN_ACCOUNT_FREE_FAILURES: Joi.number()
      .integer()
      .min(1)
      .default(DEFAULT_LOGIN_THROTTLE.accountFreeFailures)
      .description("failed logins of one account, from every address, before the account's delay starts"),
    LOGIN_ACCOUNT_DELAY_SECONDS: Joi.number()
      .integer()
      .min(1)
      .default(DEFAULT_LOGIN_THROTTLE.accountDelaySeconds)
      .description('first wait per address once an account is delayed; doubles with every further failure'),
    LOGIN_ACCOUNT_MAX_DELAY_SECONDS: Joi.number()
      .integer()
      .min(1)
      .default(DEFAULT_LOGIN_THROTTLE.accountMaxDelaySeconds)
      .description("longest wait per address of a delayed account's login"),
  })
  .concat(passwordResetConfigSchema);

export interface IdentityConfig extends BaseConfig, HttpConfig, DatabaseConfig, RedisConfig, TemporalConfig {
  PLATFORM_TENANT_SLUG: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
  REFRESH_TOKEN_TTL_DAYS: number;
  SESSION_MAX_AGE_SECONDS: number;
  KEY_ENCRYPTION_SECRET: string;
  COOKIE_SECURE: boolean;
  SIGNUPS_PER_HOUR_PER_IP: number;
  LOGIN_ACCOUNT_FREE_FAILURES: number;
  LOGIN_ACCOUNT_DELAY_SECONDS: number;
  LOGIN_ACCOUNT_MAX_DELAY_SECONDS: number;
  NOTIFICATIONS_URL: string;
  NOTIFICATIONS_SERVICE_TOKEN: string;
  PASSWORD_RESET_URL: string;
}

/**
 * The identity worker (services/identity/src/worker.ts): PostgreSQL, Temporal and Redis (a
 * subscription's suspension and reactivation are published to every guard), no keys.
 */
export const identityWorkerConfigSchema = baseConfigSchema.keys({
  ...workerConfigSchema,
  ...databaseConfigSchema,
  ...temporalConfigSchema,
  ...redisConfigSchema,
  ...platformTenantSchema,
});
export interface IdentityWorkerConfig
  extends BaseConfig, WorkerConfig, DatabaseConfig, TemporalConfig, RedisConfig {
  PLATFORM_TENANT_SLUG: string;
}
