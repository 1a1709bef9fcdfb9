/**
 * The Faena processes of a chaos run, found like scripts/dev.sh finds them: every
 * `services/<name>/src/main.ts` API and `services/<name>/src/worker.ts` worker, the workflow
 * worker, the MercadoPago sandbox and the SMTP catcher — each started the way dev.sh starts it
 * (`node --import ./services/platform/src/telemetry/register.ts …`), on chaos ports.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { PORTS, ROOT, SDK_METRICS_OFFSET, WORKFLOW_BUNDLE, serviceEnv, url } from './config.ts';
import type { ProcessSpec } from './supervisor.ts';

const run = promisify(execFile);
const NODE = process.execPath;
const REGISTER = [
  '--disable-warning=ExperimentalWarning',
  '--import',
  './services/platform/src/telemetry/register.ts',
];

const API_PORTS: Record<string, number> = {
  identity: PORTS.identity,
  payments: PORTS.payments,
  marketplace: PORTS.marketplace,
  gym: PORTS.gym,
  pos: PORTS.pos,
  notifications: PORTS.notifications,
};
const WORKER_PORTS: Record<string, number> = {
  payments: PORTS.paymentsWorker,
  marketplace: PORTS.marketplaceWorker,
  gym: PORTS.gymWorker,
  pos: PORTS.posWorker,
  notifications: PORTS.notificationsWorker,
};

/** 200 from `/health/ready`. */
const healthy = (port: number) => async () => {
  const res = await fetch(`${url(port)}/health/ready`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === 200;
};
/** Anything answering HTTP. */
const answers = (port: number) => async () => {
  const res = await fetch(`${url(port)}/`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return true;
};
const listening = (port: number) => () =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** Where Prometheus scrapes a process, with the labels the chart's monitors give its pods. */
export interface ScrapeTarget {
  service: string;
  role: 'api' | 'worker' | 'workflow-worker';
  port: number;
}

export interface FaenaProcesses {
  apis: ProcessSpec[];
  /** Every `/metrics` endpoint: APIs, workers' health ports and their Temporal SDK ports. */
  targets: ScrapeTarget[];
  workers: ProcessSpec[];
  support: ProcessSpec[];
  /** Services with a `src/migrate.ts`. */
  migrations: string[];
}

export function faenaProcesses(): FaenaProcesses {
  const env = serviceEnv();
  const dirs = readdirSync(path.join(ROOT, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  let extraPort = PORTS.extra;
  const targets: ScrapeTarget[] = [];
  const apis: ProcessSpec[] = [];
  const workers: ProcessSpec[] = [];
  const migrations: string[] = [];
  for (const name of dirs) {
    const src = path.join(ROOT, 'services', name, 'src');
    if (!existsSync(path.join(src, 'main.ts'))) continue;
    if (existsSync(path.join(src, 'migrate.ts'))) migrations.push(name);
    const port = API_PORTS[name] ?? extraPort++;
    targets.push({ service: name, role: 'api', port });
    apis.push({
      name,
      command: NODE,
      args: [...REGISTER, `services/${name}/src/main.ts`],
      env: { ...env, SERVICE_NAME: name, PORT: String(port) },
      ready: healthy(port),
      readyTimeoutMs: 90000,
    });
    if (existsSync(path.join(src, 'worker.ts'))) {
      const wport = WORKER_PORTS[name] ?? extraPort++;
      targets.push(
        { service: name, role: 'worker', port: wport },
        { service: name, role: 'worker', port: wport + SDK_METRICS_OFFSET },
      );
      workers.push({
        name: `${name}-worker`,
        command: NODE,
        args: [...REGISTER, `services/${name}/src/worker.ts`],
        env: {
          ...env,
          SERVICE_NAME: `${name}-worker`,
          PORT: String(wport),
          TEMPORAL_METRICS_PORT: String(wport + SDK_METRICS_OFFSET),
        },
        ready: healthy(wport),
        readyTimeoutMs: 90000,
      });
    }
  }
  workers.push({
    name: 'workflows',
    command: NODE,
    args: [...REGISTER, 'workflows/src/worker.ts'],
    env: {
      ...env,
      SERVICE_NAME: 'workflows',
      PORT: String(PORTS.workflows),
      TEMPORAL_METRICS_PORT: String(PORTS.workflows + SDK_METRICS_OFFSET),
      WORKFLOW_BUNDLE_PATH: WORKFLOW_BUNDLE,
    },
    ready: healthy(PORTS.workflows),
    readyTimeoutMs: 90000,
  });
  const support: ProcessSpec[] = [
    {
      name: 'mercadopago-sandbox',
      command: NODE,
      args: [...REGISTER, 'services/payments/src/sandbox/server.ts'],
      // Every payment waits for its payer at checkout (approve / reject by the driver).
      env: { ...env, SERVICE_NAME: 'mercadopago-sandbox', SANDBOX_DEFAULT_OUTCOME: 'pending' },
      ready: answers(PORTS.sandbox),
      // Starts beside a dozen other Node processes on two cores: as patient as the services.
      readyTimeoutMs: 90000,
    },
    {
      name: 'smtp',
      command: NODE,
      args: [
        'node_modules/maildev/dist/bin/maildev.js',
        '--smtp',
        String(PORTS.smtp),
        '--ip',
        '127.0.0.1',
        '--web',
        String(PORTS.smtpWeb),
        '--web-ip',
        '127.0.0.1',
      ],
      ready: listening(PORTS.smtp),
      readyTimeoutMs: 90000,
    },
  ];
  targets.push(
    { service: 'workflows', role: 'workflow-worker', port: PORTS.workflows },
    { service: 'workflows', role: 'workflow-worker', port: PORTS.workflows + SDK_METRICS_OFFSET },
  );
  return { apis, targets, workers, support, migrations };
}

/** `services/<name>/src/migrate.ts up`, as scripts/dev.sh runs it, against the chaos database. */
export async function migrate(name: string): Promise<void> {
  await run(NODE, ['--disable-warning=ExperimentalWarning', `services/${name}/src/migrate.ts`, 'up'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      ...serviceEnv(),
      SERVICE_NAME: name,
    },
    timeout: 120000,
  });
}

/** The workflow bundle the workflow worker loads (built once per run). */
export async function buildWorkflowBundle(): Promise<void> {
  await run(NODE, ['--disable-warning=ExperimentalWarning', 'tests/chaos/bundle.ts', WORKFLOW_BUNDLE], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
    timeout: 120000,
  });
}
