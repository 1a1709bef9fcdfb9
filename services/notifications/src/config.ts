import Joi from 'joi';
import {
  authConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  redisConfigSchema,
  temporalConfigSchema,
} from '@faena/platform';

/** What the API process (HTTP + real-time gateway) and the worker both read. */
const shared = {
  ...databaseConfigSchema,
  ...redisConfigSchema,
  SMTP_HOST: Joi.string().hostname().default('127.0.0.1'),
  SMTP_PORT: Joi.number().port().default(1025),
  SMTP_SECURE: Joi.boolean()
    .default(false)
    .description('implicit TLS (port 465); STARTTLS is used when offered'),
  SMTP_USER: Joi.string().allow('').default(''),
  SMTP_PASS: Joi.string().allow('').default(''),
  MAIL_FROM: Joi.string().default('Faena <no-reply@faena.local>'),
  DEFAULT_LOCALE: Joi.string().valid('es', 'en').default('es'),
  WEBHOOK_SECRET_KEY: Joi.string().min(32).required().description('encrypts webhook signing secrets at rest'),
  WEBHOOK_MAX_ATTEMPTS: Joi.number().integer().min(1).max(20).default(8),
  WEBHOOK_BASE_DELAY_SECONDS: Joi.number().integer().min(1).default(30),
  WEBHOOK_MAX_DELAY_SECONDS: Joi.number()
    .integer()
    .min(1)
    .default(6 * 3600),
  WEBHOOK_TIMEOUT_MS: Joi.number().integer().min(100).default(5000),
  REALTIME_STREAM: Joi.string()
    .default('faena:realtime')
    .description('prefix of the Redis streams of the gateway'),
};

export const apiConfigSchema = baseConfigSchema.keys({
  ...httpConfigSchema,
  ...authConfigSchema,
  ...shared,
  NOTIFICATIONS_SERVICE_TOKEN: Joi.string()
    .min(32)
    .required()
    .description('shared secret other services present in X-Service-Token'),
  REALTIME_RECOVERY_SECONDS: Joi.number().integer().min(0).default(120),
});

export const workerConfigSchema = baseConfigSchema.keys({
  PORT: Joi.number().port().description('serves /health/* and /metrics when set'),
  ...temporalConfigSchema,
  ...shared,
  WEBHOOK_POLL_MS: Joi.number().integer().min(50).default(1000),
});

export interface SharedConfig {
  NODE_ENV: string;
  SERVICE_NAME: string;
  SERVICE_VERSION: string;
  LOG_LEVEL: string;
  DATABASE_URL: string;
  DATABASE_POOL_MAX: number;
  REDIS_URL: string;
  SMTP_HOST: string;
  SMTP_PORT: number;
  SMTP_SECURE: boolean;
  SMTP_USER: string;
  SMTP_PASS: string;
  MAIL_FROM: string;
  DEFAULT_LOCALE: 'es' | 'en';
  WEBHOOK_SECRET_KEY: string;
  WEBHOOK_MAX_ATTEMPTS: number;
  WEBHOOK_BASE_DELAY_SECONDS: number;
  WEBHOOK_MAX_DELAY_SECONDS: number;
  WEBHOOK_TIMEOUT_MS: number;
  REALTIME_STREAM: string;
}

export interface ApiConfig extends SharedConfig {
  PORT: number;
  HOST: string;
  CORS_ORIGINS: string;
  BODY_LIMIT: string;
  SHUTDOWN_GRACE_MS: number;
  SHUTDOWN_DRAIN_MS: number;
  IDENTITY_URL: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  NOTIFICATIONS_SERVICE_TOKEN: string;
  REALTIME_RECOVERY_SECONDS: number;
}

export interface WorkerConfig extends SharedConfig {
  PORT?: number;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_TLS: boolean;
  TEMPORAL_TLS_CERT_PATH: string;
  TEMPORAL_TLS_KEY_PATH: string;
  TEMPORAL_TLS_CA_PATH: string;
  TEMPORAL_API_KEY: string;
  WEBHOOK_POLL_MS: number;
}
