import Joi from 'joi';
import {
  authConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  httpConfigSchema,
  redisConfigSchema,
  outboundGuardConfigSchema,
  type OutboundGuardConfig,
  temporalConfigSchema,
  workerConfigSchema,
  type AuthConfig,
  type BaseConfig,
  type DatabaseConfig,
  type HttpConfig,
  type RedisConfig,
  type TemporalConfig,
  type WorkerConfig,
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
  WEBHOOK_MAX_ENDPOINTS: Joi.number()
    .integer()
    .min(1)
    .max(1000)
    .default(20)
    .description('webhook endpoints a business may register'),
  // Where webhooks may go (TENANT_URL_ALLOW_HTTP, TENANT_URL_DENY_CIDRS, TENANT_URL_ALLOW_CIDRS).
  ...outboundGuardConfigSchema,
  REALTIME_STREAM: Joi.string()
    .default('faena:realtime')
    .description('prefix of the Redis streams of the gateway'),
};

/** The notifications API and its real-time gateway (src/main.ts). */
export const notificationsConfigSchema = baseConfigSchema.keys({
  ...httpConfigSchema,
  ...authConfigSchema,
  ...shared,
  NOTIFICATIONS_SERVICE_TOKEN: Joi.string()
    .min(32)
    .required()
    .description('shared secret other services present in X-Service-Token'),
  REALTIME_RECOVERY_SECONDS: Joi.number().integer().min(0).default(120),
});

/** The notifications worker (src/worker.ts): the notify activity and the webhook dispatcher. */
export const notificationsWorkerConfigSchema = baseConfigSchema.keys({
  ...workerConfigSchema,
  ...temporalConfigSchema,
  ...shared,
  WEBHOOK_POLL_MS: Joi.number().integer().min(50).default(1000),
});

/** What both processes read. */
export interface SharedConfig extends BaseConfig, DatabaseConfig, RedisConfig, OutboundGuardConfig {
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
  WEBHOOK_MAX_ENDPOINTS: number;
  REALTIME_STREAM: string;
}

export interface NotificationsConfig extends SharedConfig, HttpConfig, AuthConfig {
  NOTIFICATIONS_SERVICE_TOKEN: string;
  REALTIME_RECOVERY_SECONDS: number;
}

export interface NotificationsWorkerConfig extends SharedConfig, WorkerConfig, TemporalConfig {
  WEBHOOK_POLL_MS: number;
}
