/**
 * The Node servers the benchmarks load, one mode per process (`node servers.ts <mode>`); every mode
 * but `identity` runs BENCH_WORKERS workers (node:cluster, one per core) on one port and prints
 * `READY {"port":…}` once all of them listen. Request logs are written at info level by every
 * server, to /dev/null: the bench measures making a log line, not a terminal.
 *
 *   identity   identity (signup, JWKS, /auth/session) with one business signed up; prints its
 *              owner's token, tenant, user and the public key (PEM) the peers verify with
 *   bare-json  node:http answering a fixed JSON                                       (H1 limit)
 *   faena-json createHttpApp + auth guard + requirePermission, answering JSON          (H1)
 *   faena-db   the same, reading bench.orders by id through MikroORM                   (H1p a)
 *   bare-pg    node:http + jose (ES256) + permission from the token + pg               (H1p d)
 *   orm-get    node:http + MikroORM findOne by id, no auth                             (H2)
 *   pg-get     node:http + pg, the same query, no auth                                 (H2)
 *
 * Env: PORT (workers), IDENTITY_URL, DATABASE_URL, BENCH_POOL, JWT_PUBLIC_KEY (PEM).
 */
import cluster from 'node:cluster';
import { createPublicKey } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import Joi from 'joi';
import { importSPKI, jwtVerify } from 'jose';
import pg from 'pg';
import {
  authOf,
  createAuthGuard,
  createHttpApp,
  createLogger,
  createOrm,
  createRedis,
  requestContextMiddleware,
  serve,
  withEm,
  runWithContext,
} from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import { BenchOrder } from './db.ts';
import { createLegacyLogger } from './legacy-log.ts';
import { signUp, startIdentity } from '../../../services/identity/test/harness.ts';

const mode = process.argv[2] ?? '';
const workers = Number(process.env.BENCH_WORKERS ?? 2);
const pool = Number(process.env.BENCH_POOL ?? 8);
const listen = (server: http.Server) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(process.env.PORT), '127.0.0.1', () => resolve());
  });
const ready = (info: object) => process.stdout.write(`READY ${JSON.stringify(info)}\n`);
const sink = () => createWriteStream('/dev/null');
const logger = () =>
  process.env.BENCH_LEGACY_LOG
    ? createLegacyLogger({ service: 'bench', level: 'info', stream: sink() })
    : createLogger({ service: 'bench', level: 'info', stream: sink() });

const SELECT =
  'select id, tenant_id, user_id, number, status, total, currency, created_at from bench.orders where id = $1 and tenant_id = $2';
const rowJson = (r: Record<string, unknown>) => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  number: r.number,
  status: r.status,
  total: String(r.total),
  currency: r.currency,
  createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : r.created_at,
});
/** What the peers that read permissions from the token grant per role (identity's owner holds every permission). */
const ROLE_PERMISSIONS: Record<string, string[]> = { owner: ['orders.read'] };
const send = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
/** One JSON log line per request at info, as a production node:http service would write it. */
const requestLog = (out: NodeJS.WritableStream, req: http.IncomingMessage, status: number, started: bigint) =>
  out.write(
    `${JSON.stringify({ level: 'info', message: 'http request', method: req.method, path: req.url, status, durationMs: Number(process.hrtime.bigint() - started) / 1e6, timestamp: new Date().toISOString() })}\n`,
  );

async function faenaApp(withDb: boolean) {
  const log = logger();
  const identityUrl = process.env.IDENTITY_URL!;
  const guard = createAuthGuard({
    jwks: `${identityUrl}/.well-known/jwks.json`,
    identityUrl,
    issuer: 'faena-identity',
    audience: 'faena',
    redis: createRedis(testStack.redisUrl),
  });
  const orm = withDb
    ? await createOrm({
        url: process.env.DATABASE_URL!,
        schema: 'bench',
        entities: [BenchOrder],
        poolMax: pool,
      })
    : undefined;
  const app = createHttpApp({
    service: 'bench',
    basePath: '/api/bench/v1',
    logger: log,
    middleware: orm ? [requestContextMiddleware(orm)] : [],
    routes: [
      {
        method: 'get',
        path: '/orders/:id',
        summary: 'Authenticated read',
        middleware: [guard.requirePermission('orders.read', 'records')],
        schemas: { params: Joi.object({ id: Joi.string().uuid().required() }) },
        handler: async (ctx, input) => {
          if (!orm) return { id: input.params.id, userId: authOf(ctx).claims.sub };
          const order = await orm.em.findOneOrFail(BenchOrder, { id: input.params.id as string });
          return { ...order, total: String(order.total), createdAt: order.createdAt.toISOString() };
        },
      },
    ],
  });
  return serve(app, { port: Number(process.env.PORT), host: '127.0.0.1', logger: log, signals: [] });
}

async function barePg() {
  const out = sink();
  const key = await importSPKI(process.env.JWT_PUBLIC_KEY!, 'ES256');
  const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: pool });
  // The limit: verifies a token once per process (as Faena's guard does), then reads permissions from its roles.
  const verified = new Map<string, { sub: string; tid: string; roles: string[] }>();
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    void (async () => {
      const m = /^\/orders\/([0-9a-f-]{36})$/.exec(req.url ?? '');
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!m || !token) return 404;
      let claims = verified.get(token);
      if (!claims) {
        const { payload } = await jwtVerify<{ sub: string; tid: string; roles: string[] }>(token, key, {
          issuer: 'faena-identity',
          audience: 'faena',
          algorithms: ['ES256'],
        });
        claims = payload;
        verified.set(token, claims);
      }
      if (!claims.roles.some((r) => ROLE_PERMISSIONS[r]?.includes('orders.read'))) return 403;
      const { rows } = await db.query(SELECT, [m[1], claims.tid]);
      if (!rows[0]) return 404;
      send(res, 200, { success: true, data: rowJson(rows[0] as Record<string, unknown>) });
      return 200;
    })()
      .catch(() => 401)
      .then((status) => {
        if (status !== 200) send(res, status, { success: false });
        requestLog(out, req, status, started);
      });
  });
  await listen(server);
}

async function getById(orm: boolean) {
  const out = sink();
  const tenantId = process.env.BENCH_TENANT!;
  const db = orm ? undefined : new pg.Pool({ connectionString: process.env.DATABASE_URL, max: pool });
  const o = orm
    ? await createOrm({
        url: process.env.DATABASE_URL!,
        schema: 'bench',
        entities: [BenchOrder],
        poolMax: pool,
      })
    : undefined;
  const read = async (id: string): Promise<unknown> => {
    if (o)
      return runWithContext({ tenantId }, () =>
        withEm(o, async (em) => {
          const order = await em.findOne(BenchOrder, { id });
          return order && { ...order, total: String(order.total), createdAt: order.createdAt.toISOString() };
        }),
      );
    const { rows } = await db!.query(SELECT, [id, tenantId]);
    return rows[0] && rowJson(rows[0] as Record<string, unknown>);
  };
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const id = /^\/orders\/([0-9a-f-]{36})$/.exec(req.url ?? '')?.[1];
    void (id ? read(id) : Promise.resolve(undefined))
      .then((data) => (data ? (send(res, 200, { success: true, data }), 200) : 404))
      .catch(() => 500)
      .then((status) => {
        if (status !== 200) send(res, status, { success: false });
        requestLog(out, req, status, started);
      });
  });
  await listen(server);
}

async function worker() {
  switch (mode) {
    case 'bare-json': {
      const out = sink();
      const body = JSON.stringify({
        success: true,
        data: { id: '0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f', userId: '01900000-0000-7000-8000-000000000000' },
      });
      const server = http.createServer((req, res) => {
        const started = process.hrtime.bigint();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        requestLog(out, req, 200, started);
      });
      await listen(server);
      return;
    }
    case 'faena-json':
      await faenaApp(false);
      return;
    case 'faena-db':
      await faenaApp(true);
      return;
    case 'bare-pg':
      await barePg();
      return;
    case 'orm-get':
    case 'pg-get':
      await getById(mode === 'orm-get');
      return;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

if (mode === 'identity') {
  const identity = await startIdentity();
  const server = await serve(identity.app, { port: 0, host: '127.0.0.1', logger: logger(), signals: [] });
  const biz = await signUp(identity, 'restaurant');
  const jwks = (await (await fetch(`http://127.0.0.1:${server.port}/.well-known/jwks.json`)).json()) as {
    keys: Record<string, string>[];
  };
  const publicKeyPem = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  ready({ port: server.port, token: biz.token, tenantId: biz.tenantId, userId: biz.ownerId, publicKeyPem });
  process.once('SIGTERM', () => process.exit(0));
} else if (cluster.isPrimary) {
  const port = Number(process.env.PORT);
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('message', (_w, msg) => {
    if (msg === 'listening' && ++listening === workers) ready({ port, workers });
  });
  cluster.on('exit', (_w, code) => {
    process.stderr.write(`worker exited with ${code}\n`);
    process.exit(1);
  });
  process.once('SIGTERM', () => {
    cluster.removeAllListeners('exit');
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  process.once('SIGTERM', () => process.exit(0)); // an exit that writes a --cpu-prof profile
  await worker();
  process.send?.('listening');
}
