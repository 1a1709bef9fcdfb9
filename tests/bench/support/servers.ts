/**
 * The servers measured by auth-overhead.ts, one per process: `bare` (node:http) or `full` (identity
 * + a service behind createHttpApp with the auth guard). Prints `READY {"port":…,"token":…}`.
 */
import http from 'node:http';
import Joi from 'joi';
import { createAuthGuard, createHttpApp, createLogger, createRedis, serve, authOf } from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import { signUp, startIdentity } from '../../../services/identity/test/harness.ts';

const mode = process.argv[2];
const payload = (userId: string) =>
  JSON.stringify({ success: true, data: { id: '0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f', userId } });
const ready = (info: object) => process.stdout.write(`READY ${JSON.stringify(info)}\n`);

if (mode === 'bare') {
  const body = payload('01900000-0000-7000-8000-000000000000');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => ready({ port: (server.address() as { port: number }).port }));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  // Request logs are written as in production (info level), to a sink: the bench measures their cost, not the terminal's.
  const logger = createLogger({
    service: 'bench',
    level: 'info',
    stream: new (await import('node:stream')).Writable({ write: (_c, _e, cb) => cb() }),
  });
  const identity = await startIdentity();
  const identityServer = await serve(identity.app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  const biz = await signUp(identity, 'restaurant');
  const identityUrl = `http://127.0.0.1:${identityServer.port}`;
  const guard = createAuthGuard({
    jwks: `${identityUrl}/.well-known/jwks.json`,
    identityUrl,
    issuer: 'faena-identity',
    audience: 'faena',
    redis: createRedis(testStack.redisUrl),
  });
  const app = createHttpApp({
    service: 'bench',
    basePath: '/api/bench/v1',
    logger,
    routes: [
      {
        method: 'get',
        path: '/orders/:id',
        summary: 'Authenticated read',
        middleware: [guard.requirePermission('orders.read', 'records')],
        schemas: { params: Joi.object({ id: Joi.string().uuid().required() }) },
        handler: async (ctx, input) => ({
          id: input.params.id,
          userId: authOf(ctx).claims.sub,
        }),
      },
    ],
  });
  const server = await serve(app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  ready({ port: server.port, token: biz.token });
  process.once('SIGTERM', () => process.exit(0));
}
