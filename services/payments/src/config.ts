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

/** What the API and the worker both need: the provider, sealed credentials, the reconciliation cadence. */
const paymentsKeys = {
  MERCADOPAGO_BASE_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .required()
    .description('https://api.mercadopago.com in production, the sandbox in dev'),
  PAYMENTS_SECRET_KEY: Joi.string().min(32).required().description('seals providers credentials at rest'),
  PAYMENTS_PUBLIC_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .required()
    .description('where providers reach our webhooks'),
  RECONCILE_EVERY_MINUTES: Joi.number().integer().min(1).default(10),
  RECONCILE_PENDING_AFTER_MINUTES: Joi.number().integer().min(1).default(30),
};
interface PaymentsKeys {
  MERCADOPAGO_BASE_URL: string;
  PAYMENTS_SECRET_KEY: string;
  PAYMENTS_PUBLIC_URL: string;
  RECONCILE_EVERY_MINUTES: number;
  RECONCILE_PENDING_AFTER_MINUTES: number;
}

/** The payments API (src/main.ts). */
export const paymentsConfigSchema = baseConfigSchema.keys({
  ...httpConfigSchema,
  ...databaseConfigSchema,
  ...redisConfigSchema,
  ...temporalConfigSchema,
  ...authConfigSchema,
  ...paymentsKeys,
});
export interface PaymentsConfig
  extends BaseConfig, HttpConfig, DatabaseConfig, RedisConfig, TemporalConfig, AuthConfig, PaymentsKeys {}

/** The payments worker (src/worker.ts): no HTTP API, no Redis. */
export const paymentsWorkerConfigSchema = baseConfigSchema.keys({
  ...workerConfigSchema,
  ...databaseConfigSchema,
  ...temporalConfigSchema,
  ...paymentsKeys,
});
export interface PaymentsWorkerConfig
  extends BaseConfig, WorkerConfig, DatabaseConfig, TemporalConfig, PaymentsKeys {}
