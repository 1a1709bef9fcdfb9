import Joi from 'joi';
import {
  authConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  redisConfigSchema,
  type AuthConfig,
  type BaseConfig,
  type DatabaseConfig,
  type HttpConfig,
  type RedisConfig,
} from '@faena/platform';

/** What the gym's domain needs: where payments is, and how far ahead classes are put on the calendar. */
export const gymKeysSchema = {
  PAYMENTS_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .required()
    .description('base URL of the payments service (memberships are paid through it)'),
  PAYMENTS_TIMEOUT_MS: Joi.number().integer().min(100).max(60_000).default(10_000),
  OCCURRENCE_WEEKS_AHEAD: Joi.number().integer().min(1).max(26).default(8),
};
export interface GymKeys {
  PAYMENTS_URL: string;
  PAYMENTS_TIMEOUT_MS: number;
  OCCURRENCE_WEEKS_AHEAD: number;
}

/** The gym API (src/main.ts). */
export const gymConfigSchema = baseConfigSchema.keys({
  ...httpConfigSchema,
  ...databaseConfigSchema,
  ...redisConfigSchema,
  ...authConfigSchema,
  ...gymKeysSchema,
});
export interface GymConfig extends BaseConfig, HttpConfig, DatabaseConfig, RedisConfig, AuthConfig, GymKeys {}
