import Joi from 'joi';
import { cidrListSchema } from './net/ssrf.ts';

/** Raised when the environment does not satisfy a process's config schema; lists every bad variable. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Variables every Faena process reads. Services extend this with `.keys({...})`. */
export const baseConfigSchema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'test', 'production').default('development'),
  SERVICE_NAME: Joi.string()
    .pattern(/^[a-z][a-z0-9-]*$/)
    .required(),
  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'http', 'debug').default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .allow('')
    .default(''),
  SERVICE_VERSION: Joi.string().default('0.0.0-dev'),
});

/** Variables of a process that serves HTTP. */
export const httpConfigSchema = {
  PORT: Joi.number().port().required(),
  HOST: Joi.string().default('0.0.0.0'),
  CORS_ORIGINS: Joi.string().allow('').default('').description('comma-separated allow-list'),
  TRUSTED_PROXIES: Joi.alternatives(Joi.number().integer().min(0).max(10), cidrListSchema.required())
    .default(0)
    .description(
      'whose X-Forwarded-For is believed: a hop count (0: none, the socket address is the client) or comma-separated CIDRs of the proxies',
    ),
  BODY_LIMIT: Joi.string()
    .pattern(/^\d+(kb|mb)$/)
    .default('1mb'),
  SHUTDOWN_GRACE_MS: Joi.number().integer().min(0).default(10000),
  SHUTDOWN_DRAIN_MS: Joi.number()
    .integer()
    .min(0)
    .default(0)
    .description('time readiness reports 503 before the listener closes'),
};

/** Variables of a Temporal worker: optional ports for its health and metrics endpoints. */
export const workerConfigSchema = {
  PORT: Joi.number().port().description('serves /health/* and /metrics when set'),
  TEMPORAL_METRICS_PORT: Joi.number()
    .port()
    .description("serves the Temporal SDK's Prometheus metrics (workers, workflows, activities) when set"),
  HOST: Joi.string().default('0.0.0.0').description('address the health and metrics ports listen on'),
  SHUTDOWN_GRACE_MS: Joi.number()
    .integer()
    .min(0)
    .default(10000)
    .description('how long running activities get to finish after SIGTERM'),
};

export const databaseConfigSchema = {
  DATABASE_URL: Joi.string()
    .uri({ scheme: ['postgres', 'postgresql'] })
    .required(),
  DATABASE_POOL_MAX: Joi.number().integer().min(1).default(10),
};

export const redisConfigSchema = {
  REDIS_URL: Joi.string()
    .uri({ scheme: ['redis', 'rediss'] })
    .required(),
};

export const temporalConfigSchema = {
  TEMPORAL_ADDRESS: Joi.string().required(),
  TEMPORAL_NAMESPACE: Joi.string().default('default'),
  TEMPORAL_TLS: Joi.boolean().default(false),
  TEMPORAL_TLS_CERT_PATH: Joi.string().allow('').default(''),
  TEMPORAL_TLS_KEY_PATH: Joi.string().allow('').default(''),
  TEMPORAL_TLS_CA_PATH: Joi.string().allow('').default(''),
  TEMPORAL_API_KEY: Joi.string().allow('').default(''),
  TEMPORAL_CALL_TIMEOUT_MS: Joi.number().integer().min(100).max(120_000).default(10_000),
};

/** Variables of a service that checks access tokens (every API but identity itself). */
export const authConfigSchema = {
  IDENTITY_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .required()
    .description('base URL of the identity service'),
  JWT_ISSUER: Joi.string().default('faena-identity'),
  JWT_AUDIENCE: Joi.string().default('faena'),
};

/** The values the schema pieces above produce, for each process's config type to extend. */
export interface BaseConfig {
  NODE_ENV: string;
  SERVICE_NAME: string;
  SERVICE_VERSION: string;
  LOG_LEVEL: string;
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
}
export interface HttpConfig {
  PORT: number;
  HOST: string;
  CORS_ORIGINS: string;
  TRUSTED_PROXIES: number | string[];
  BODY_LIMIT: string;
  SHUTDOWN_GRACE_MS: number;
  SHUTDOWN_DRAIN_MS: number;
}
export interface WorkerConfig {
  PORT?: number;
  TEMPORAL_METRICS_PORT?: number;
  HOST: string;
  SHUTDOWN_GRACE_MS: number;
}
export interface DatabaseConfig {
  DATABASE_URL: string;
  DATABASE_POOL_MAX: number;
}
export interface RedisConfig {
  REDIS_URL: string;
}
export interface AuthConfig {
  IDENTITY_URL: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}

/**
 * Validates `env` against `schema`, converting types and applying defaults. Every problem is
 * reported at once; unknown variables are ignored (the environment holds many).
 */
export function loadConfig<T>(schema: Joi.ObjectSchema, env: NodeJS.ProcessEnv = process.env): T {
  const result: Joi.ValidationResult<T> = schema.validate(env, {
    abortEarly: false,
    allowUnknown: true,
    stripUnknown: true,
    convert: true,
  });
  if (result.error) {
    throw new ConfigError(
      result.error.details.map((d) => `${d.path.join('.')}: ${d.message.replace(/^"[^"]+" /, '')}`),
    );
  }
  return result.value;
}

/** `loadConfig` for a process entry point: on a bad environment it prints every problem and exits 78. */
export function loadConfigOrExit<T>(schema: Joi.ObjectSchema, env: NodeJS.ProcessEnv = process.env): T {
  try {
    return loadConfig<T>(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}
