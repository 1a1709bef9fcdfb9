/**
 * Where the chaos harness runs: its own ports (loopback only), folders and the environment every
 * Faena process gets — `.env.example` with the chaos stack's addresses over it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * Which harness runs on this infrastructure: `chaos` (make chaos) or `observability`
 * (tests/observability: the same real processes, no faults, a Prometheus scraping them). Each has
 * its own folders, PostgreSQL cluster, database and ports (observability: every port + 300), so
 * both may run on one machine, beside `make dev` and the tests.
 */
export const HARNESS: 'chaos' | 'observability' =
  process.env.FAENA_HARNESS === 'observability' ? 'observability' : 'chaos';
const OFFSET = HARNESS === 'chaos' ? 0 : 300;
export const DATA = path.join(ROOT, `.data/${HARNESS}`);
export const LOGS = path.join(DATA, 'logs');
export const REPORT_FILE = path.join(ROOT, `.cache/${HARNESS}/last.json`);
export const PID_FILE = path.join(DATA, 'pids.json');
export const LOCK_FILE = path.join(DATA, 'lock');
export const SANDBOX_STATE_FILE = path.join(DATA, 'sandbox.json');
export const TEMPORAL_DB = path.join(DATA, 'temporal.db');
export const WORKFLOW_BUNDLE = path.join(DATA, 'workflow-bundle.js');

/** Every port the harness uses; none is shared with `make dev` (40xx, 5432, 6379, 7233…) or tests. */
export const PORTS = {
  postgres: 5442 + OFFSET,
  redis: 6389 + OFFSET,
  temporal: 7243 + OFFSET,
  temporalHttp: 7244 + OFFSET,
  temporalMetrics: 7245 + OFFSET,
  identity: 4101 + OFFSET,
  payments: 4102 + OFFSET,
  marketplace: 4103 + OFFSET,
  gym: 4104 + OFFSET,
  pos: 4105 + OFFSET,
  notifications: 4106 + OFFSET,
  paymentsWorker: 4112 + OFFSET,
  marketplaceWorker: 4113 + OFFSET,
  gymWorker: 4114 + OFFSET,
  posWorker: 4115 + OFFSET,
  notificationsWorker: 4116 + OFFSET,
  workflows: 4120 + OFFSET,
  sandbox: 4191 + OFFSET, // not 4190: fetch refuses that port (the Fetch spec's "bad ports")
  receiver: 4199 + OFFSET,
  smtp: 1125 + OFFSET,
  smtpWeb: 1180 + OFFSET,
  /** First port of APIs and workers not listed above. */
  extra: 4130 + OFFSET,
  prometheus: 4195 + OFFSET,
};
/** A worker serves the Temporal SDK's metrics this far above its health port. */
export const SDK_METRICS_OFFSET = 50;

export const PG_VERSION = '15';
export const PG_CLUSTER = HARNESS;
export const DB_NAME = `faena_${HARNESS}`;
export const DATABASE_URL = `postgres://faena:faena@127.0.0.1:${PORTS.postgres}/${DB_NAME}`;
export const url = (port: number) => `http://127.0.0.1:${port}`;

export interface Options {
  seed: number;
  deals: number;
  faults: number;
  /** Hard bound of the whole run, stack start to stop. */
  seconds: number;
}

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer (got ${raw})`);
  return n;
};

export function options(): Options {
  return {
    seed: positive('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    deals: positive('CHAOS_DEALS', 30),
    faults: positive('CHAOS_FAULTS', 10),
    seconds: Math.max(60, positive('CHAOS_SECONDS', 240)),
  };
}

/** `.env.example` as `make dev` reads it (KEY=VALUE lines, optional double quotes, # comments). */
export function envExample(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = m[2]!.trim();
    if (/^".*"$/.test(value) || /^'.*'$/.test(value)) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

/** The environment of every Faena process in the chaos run (SERVICE_NAME and PORT are set per process). */
export function serviceEnv(): Record<string, string> {
  return {
    ...envExample(),
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    HOST: '127.0.0.1',
    SHUTDOWN_GRACE_MS: '3000',
    SHUTDOWN_DRAIN_MS: '0',
    DATABASE_URL,
    DATABASE_POOL_MAX: '5',
    REDIS_URL: `redis://127.0.0.1:${PORTS.redis}`,
    TEMPORAL_ADDRESS: `127.0.0.1:${PORTS.temporal}`,
    TEMPORAL_NAMESPACE: 'default',
    IDENTITY_URL: url(PORTS.identity),
    // One sign-up per run, but a developer may run it many times an hour; tokens outlive the run.
    SIGNUPS_PER_HOUR_PER_IP: '100000',
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    MERCADOPAGO_BASE_URL: url(PORTS.sandbox),
    PAYMENTS_PUBLIC_URL: url(PORTS.payments),
    PAYMENTS_URL: url(PORTS.payments),
    // The sandbox sends each webhook once (MercadoPago retries): one lost while payments is down is
    // found by the reconciliation janitor, every minute here instead of every 10 (pending > 1 min).
    RECONCILE_EVERY_MINUTES: '1',
    RECONCILE_PENDING_AFTER_MINUTES: '1',
    SANDBOX_PORT: String(PORTS.sandbox),
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_STATE_FILE: path.relative(ROOT, SANDBOX_STATE_FILE),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(PORTS.smtp),
    MAILDEV_WEB_PORT: String(PORTS.smtpWeb),
    NOTIFICATIONS_URL: url(PORTS.notifications),
    // Retries within the run's bound: the outbox must drain before the assertions.
    WEBHOOK_BASE_DELAY_SECONDS: '1',
    WEBHOOK_MAX_DELAY_SECONDS: '4',
    WEBHOOK_TIMEOUT_MS: '3000',
    WEBHOOK_POLL_MS: '250',
    STORAGE_DRIVER: 'local',
    STORAGE_DIR: path.relative(ROOT, path.join(DATA, 'uploads')),
  };
}
