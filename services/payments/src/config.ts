import Joi from 'joi';
import {
  authConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  redisConfigSchema,
  temporalConfigSchema,
  type TemporalConfig,
} from '@faena/platform';

export const paymentsConfigSchema = baseConfigSchema.keys({
  ...httpConfigSchema,
  ...databaseConfigSchema,
  ...redisConfigSchema,
  ...temporalConfigSchema,
  ...authConfigSchema,
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
});

export interface PaymentsConfig extends TemporalConfig {
  NODE_ENV: string;
  SERVICE_NAME: string;
  SERVICE_VERSION: string;
  LOG_LEVEL: string;
  PORT: number;
  HOST: string;
  CORS_ORIGINS: string;
  BODY_LIMIT: string;
  SHUTDOWN_GRACE_MS: number;
  SHUTDOWN_DRAIN_MS: number;
  DATABASE_URL: string;
  DATABASE_POOL_MAX: number;
  REDIS_URL: string;
  IDENTITY_URL: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  MERCADOPAGO_BASE_URL: string;
  PAYMENTS_SECRET_KEY: string;
  PAYMENTS_PUBLIC_URL: string;
  RECONCILE_EVERY_MINUTES: number;
  RECONCILE_PENDING_AFTER_MINUTES: number;
}
