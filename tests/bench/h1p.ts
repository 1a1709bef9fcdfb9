/**
 * H1p: the same work in four stacks: an authenticated GET of one row by id from PostgreSQL (JWT
 * verification, a permission check, the row of the caller's tenant) in (a) Faena, (b) FastAPI +
 * uvicorn + SQLAlchemy + python-jose (the seeds' stack), (c) NestJS + passport-jwt + TypeORM and
 * (d) bare node:http + pg (the limit). Same table and row, same token (identity's ES256), one
 * worker per core and the same pool size per worker for each, request log at info for each.
 * Goals: Faena >= 2x FastAPI and >= 1.3x NestJS. Peers: tests/bench/peers/ (fairness review in
 * docs/benchmarks.md). The peers' dependencies are installed here, pinned: a venv under
 * .cache/bench/venv (pip, requirements.txt) and npm ci in tests/bench/peers/nest.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  BENCH_DIR,
  CACHE,
  SETTINGS,
  SUPPORT,
  atLeast,
  freePort,
  load,
  record,
  say,
  start,
  startNode,
} from './support/bench.ts';
import { ORDER_ID, seedOrders } from './support/db.ts';

const SERVERS = path.join(SUPPORT, 'servers.ts');
const PEERS = path.join(BENCH_DIR, 'peers');
const VENV = path.join(CACHE, 'venv');
const rows = Number(process.env.BENCH_ROWS ?? 10_000);

function installPeers() {
  const requirements = path.join(PEERS, 'fastapi/requirements.txt');
  const stamp = path.join(VENV, '.requirements');
  const wanted = readFileSync(requirements, 'utf8');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    say('installing the FastAPI peer (pip, pinned) into .cache/bench/venv');
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(path.join(VENV, 'bin/pip'), ['install', '-q', '-r', requirements], { stdio: 'inherit' });
    writeFileSync(stamp, wanted);
  }
  const nest = path.join(PEERS, 'nest');
  if (!existsSync(path.join(nest, 'node_modules/.package-lock.json'))) {
    say('installing the NestJS peer (npm ci, its own package-lock.json)');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: nest,
      stdio: 'inherit',
    });
  }
}

installPeers();
say(
  `H1p: ${rows} rows, ${SETTINGS.connections} connections, ${SETTINGS.seconds} s, ${SETTINGS.workers} workers per server, pool ${SETTINGS.pool} per worker`,
);
const identity = await startNode<{
  port: number;
  token: string;
  tenantId: string;
  userId: string;
  publicKeyPem: string;
}>('identity', SERVERS, ['identity']);
const { token, tenantId, userId, publicKeyPem } = identity.info;
const auth = { Authorization: `Bearer ${token}` };
const url = await seedOrders({ rows, tenantId, userId });
const common = {
  BENCH_WORKERS: String(SETTINGS.workers),
  BENCH_POOL: String(SETTINGS.pool),
  DATABASE_URL: url,
  JWT_PUBLIC_KEY: publicKeyPem,
  IDENTITY_URL: `http://127.0.0.1:${identity.info.port}`,
};

async function measure(
  label: string,
  path_: string,
  launch: (port: number) => Promise<{ stop(): Promise<void> }>,
) {
  const port = await freePort();
  const server = await launch(port);
  try {
    return await load(label, `http://127.0.0.1:${port}${path_}`, auth);
  } finally {
    await server.stop();
  }
}

const faena = await measure('(a) Faena', `/api/bench/v1/orders/${ORDER_ID}`, (port) =>
  startNode('faena-db', SERVERS, ['faena-db'], { ...common, PORT: String(port) }),
);
const fastapi = await measure('(b) FastAPI + uvicorn + SQLAlchemy + jose', `/orders/${ORDER_ID}`, (port) =>
  start(
    'fastapi',
    path.join(VENV, 'bin/uvicorn'),
    [
      'app:app',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      String(SETTINGS.workers),
      '--log-level',
      'info',
    ],
    {
      cwd: path.join(PEERS, 'fastapi'),
      env: common,
      readyUrl: `http://127.0.0.1:${port}/orders/${ORDER_ID}`,
      headers: auth,
    },
  ),
);
const nest = await measure('(c) NestJS + passport-jwt + TypeORM', `/orders/${ORDER_ID}`, (port) =>
  start('nest', process.execPath, [path.join(PEERS, 'nest/main.cjs')], {
    cwd: path.join(PEERS, 'nest'),
    env: { ...common, PORT: String(port), NODE_ENV: 'production' },
    readyUrl: `http://127.0.0.1:${port}/orders/${ORDER_ID}`,
    headers: auth,
  }),
);
const bare = await measure('(d) bare node:http + pg', `/orders/${ORDER_ID}`, (port) =>
  startNode('bare-pg', SERVERS, ['bare-pg'], { ...common, PORT: String(port) }),
);
await identity.stop();

record(
  'h1p',
  'Authenticated GET of one row by id: Faena vs FastAPI, NestJS and bare node:http + pg',
  [
    atLeast('req/s, Faena / FastAPI', faena.requestsPerSecond / fastapi.requestsPerSecond, 2),
    atLeast('req/s, Faena / NestJS', faena.requestsPerSecond / nest.requestsPerSecond, 1.3),
    {
      what: 'req/s, Faena / bare node:http + pg (the limit)',
      ratio: faena.requestsPerSecond / bare.requestsPerSecond,
      goal: 'shown',
      met: true,
    },
  ],
  { rows, faena, fastapi, nest, bare },
);
process.exit(0);
