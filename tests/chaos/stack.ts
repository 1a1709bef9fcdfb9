/**
 * The chaos run's own infrastructure, never the shared stack's: a PostgreSQL 15 cluster `chaos`
 * (pg_createcluster, port 5442, PostGIS in template1; created once, reused, its database dropped
 * and created per run), and the specs of its Redis and Temporal dev server (SQLite file under
 * .data/chaos, the search attributes of scripts/stack.sh), which the supervisor runs.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import { DATA, DB_NAME, PG_CLUSTER, PG_VERSION, PORTS, TEMPORAL_DB } from './config.ts';
import type { ProcessSpec } from './supervisor.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SEARCH_ATTRIBUTES = ['TenantId', 'BusinessKey', 'ProcessStatus'];

/** Runs a command as root (sudo when the harness is not root), like scripts/lib.sh's as_root. */
const asRoot = (cmd: string, args: string[], timeout = 60000) =>
  process.getuid?.() === 0 ? run(cmd, args, { timeout }) : run('sudo', ['-n', cmd, ...args], { timeout });

/** psql as the postgres superuser on the chaos cluster (no double quotes in `sql`). */
const psqlAdmin = async (sql: string, db = 'postgres') =>
  (
    await asRoot('su', [
      'postgres',
      '-c',
      `PGOPTIONS=--client-min-messages=warning psql -p ${PORTS.postgres} -d ${db} -v ON_ERROR_STOP=1 -qAt -c "${sql}"`,
    ])
  ).stdout.trim();

export const postgresUp = async (): Promise<boolean> => {
  try {
    await run('pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(PORTS.postgres)], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
};

async function waitFor(name: string, check: () => Promise<boolean>, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`${name} did not come up within ${timeoutMs} ms`);
}

/** Creates (once) and starts the chaos cluster, then gives this run a fresh database. */
export async function preparePostgres(log: (msg: string) => void): Promise<void> {
  const { stdout } = await run('pg_lsclusters', ['-h']);
  const mine = stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[0] === PG_VERSION && f[1] === PG_CLUSTER);
  if (!mine) {
    log(`creating PostgreSQL cluster ${PG_VERSION}/${PG_CLUSTER} on port ${PORTS.postgres}`);
    await asRoot('pg_createcluster', [
      PG_VERSION,
      PG_CLUSTER,
      '--port',
      String(PORTS.postgres),
      '-o',
      'listen_addresses=localhost',
      // Throwaway data, and the faults are process crashes (the OS keeps its page cache): no fsync.
      '-o',
      'fsync=off',
      '-o',
      'max_connections=200',
    ]);
  } else if (mine[2] !== String(PORTS.postgres)) {
    throw new Error(`cluster ${PG_VERSION}/${PG_CLUSTER} exists on port ${mine[2]}, not ${PORTS.postgres}`);
  }
  if (!(await postgresUp())) {
    await asRoot('pg_ctlcluster', [PG_VERSION, PG_CLUSTER, 'start']);
    await waitFor('chaos PostgreSQL', postgresUp);
  }
  if ((await psqlAdmin("select 1 from pg_roles where rolname='faena'")) !== '1')
    await psqlAdmin("create role faena login createdb password 'faena'");
  // Its database is dropped WITH (FORCE): an autovacuum worker on it is only ended with this.
  await psqlAdmin('grant pg_signal_backend to faena');
  if ((await psqlAdmin("select 1 from pg_extension where extname='postgis'", 'template1')) !== '1')
    await psqlAdmin('create extension if not exists postgis', 'template1');
  const admin = new pg.Client({
    connectionString: `postgres://faena:faena@127.0.0.1:${PORTS.postgres}/postgres`,
  });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${DB_NAME} with (force)`);
    await admin.query(`create database ${DB_NAME} owner faena`);
  } finally {
    await admin.end();
  }
}

/** A crash of the database server: `-m immediate` (no checkpoint, clients cut), down for `downMs`, started again. */
export async function crashPostgres(downMs: number): Promise<void> {
  await asRoot('pg_ctlcluster', ['-m', 'immediate', PG_VERSION, PG_CLUSTER, 'stop']);
  await sleep(downMs);
  await asRoot('pg_ctlcluster', [PG_VERSION, PG_CLUSTER, 'start']);
  await waitFor('chaos PostgreSQL', postgresUp, 60000);
}

export async function stopPostgres(): Promise<void> {
  if (await postgresUp()) await asRoot('pg_ctlcluster', ['-m', 'fast', PG_VERSION, PG_CLUSTER, 'stop']);
}

/** One Redis command over a raw connection (no client library in the harness). */
export function redisCommand(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(PORTS.redis, '127.0.0.1');
    let out = '';
    socket.setTimeout(3000, () => socket.destroy(new Error('redis timeout')));
    socket.once('error', reject);
    socket.on('data', (d) => {
      out += d.toString();
      if (out.endsWith('\r\n')) {
        socket.end();
        resolve(out.trim());
      }
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

export const redisSpec = (): ProcessSpec => ({
  name: 'redis',
  command: 'redis-server',
  args: [
    '--port',
    String(PORTS.redis),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    DATA,
    '--daemonize',
    'no',
  ],
  ready: async () => (await redisCommand('PING')) === '+PONG',
  marker: `:${PORTS.redis}`, // redis-server retitles itself "redis-server 127.0.0.1:<port>"
  readyTimeoutMs: 15000,
});

export const temporalUp = async (): Promise<boolean> => {
  try {
    const { stdout } = await run(
      'temporal',
      ['operator', 'cluster', 'health', '--address', `127.0.0.1:${PORTS.temporal}`],
      { timeout: 5000 },
    );
    return stdout.includes('SERVING');
  } catch {
    return false;
  }
};

/** Each run starts from an empty Temporal database (the previous run's deals point at a dropped database). */
export function freshTemporalDb(): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${TEMPORAL_DB}${suffix}`, { force: true });
}

export const temporalSpec = (): ProcessSpec => ({
  name: 'temporal',
  command: 'temporal',
  args: [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(PORTS.temporal),
    '--http-port',
    String(PORTS.temporalHttp),
    '--metrics-port',
    String(PORTS.temporalMetrics),
    '--db-filename',
    TEMPORAL_DB,
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a}=Keyword`]),
  ],
  ready: temporalUp,
  marker: TEMPORAL_DB,
  readyTimeoutMs: 60000,
});
