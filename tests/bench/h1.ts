/**
 * H1: an authenticated, cached GET through Faena's whole HTTP stack (correlation id, request log,
 * security headers, CORS, body parser, JWT verification, permission check, validation, envelope)
 * against bare node:http answering the same JSON. Goal: >= 60% of bare's req/s; p99 ratio shown.
 *
 * Before/after of the fix for the worst ratio, in the same run: the Faena server runs twice, once
 * with BENCH_LEGACY_LOG=1 (the request log line as it was before the fix) and once as it is now.
 */
import path from 'node:path';
import { SETTINGS, SUPPORT, atLeast, freePort, load, record, say, startNode } from './support/bench.ts';

const SERVERS = path.join(SUPPORT, 'servers.ts');
const orderPath = '/api/bench/v1/orders/0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f';
const env = (port: number, extra: Record<string, string> = {}) => ({
  PORT: String(port),
  BENCH_WORKERS: String(SETTINGS.workers),
  ...extra,
});

say(
  `H1: ${SETTINGS.connections} connections, ${SETTINGS.seconds} s (+${SETTINGS.warmupSeconds} s warm-up), ${SETTINGS.workers} workers per server`,
);
const identity = await startNode<{ port: number; token: string }>('identity', SERVERS, ['identity']);
const identityUrl = `http://127.0.0.1:${identity.info.port}`;
const auth = { Authorization: `Bearer ${identity.info.token}` };

let port = await freePort();
const bareServer = await startNode('bare-json', SERVERS, ['bare-json'], env(port));
const bare = await load('bare node:http', `http://127.0.0.1:${port}${orderPath}`);
await bareServer.stop();

port = await freePort();
const before = await startNode(
  'faena-json',
  SERVERS,
  ['faena-json'],
  env(port, { IDENTITY_URL: identityUrl, BENCH_LEGACY_LOG: '1' }),
);
const legacy = await load(
  'Faena, before the fix (BENCH_LEGACY_LOG=1)',
  `http://127.0.0.1:${port}${orderPath}`,
  auth,
);
await before.stop();

port = await freePort();
const after = await startNode(
  'faena-json',
  SERVERS,
  ['faena-json'],
  env(port, { IDENTITY_URL: identityUrl }),
);
const faena = await load('Faena, full authenticated stack', `http://127.0.0.1:${port}${orderPath}`, auth);
await after.stop();
await identity.stop();

// The fix in isolation: the request log line through each logger's format chain (enrich with
// redaction, timestamp, JSON), alternated in rounds, in this process.
const { createLogger } = await import('@faena/platform');
const { createLegacyLogger } = await import('./support/legacy-log.ts');
const { Writable } = await import('node:stream');
const nowhere = () => new Writable({ write: (_c, _e, cb) => cb() });
const formats = {
  before: createLegacyLogger({ service: 'bench', level: 'info', stream: nowhere() }).format,
  after: createLogger({ service: 'bench', level: 'info', stream: nowhere() }).format,
};
const line = () => ({
  level: 'info',
  [Symbol.for('level')]: 'info',
  message: 'http request',
  service: 'bench',
  method: 'GET',
  path: '/api/bench/v1/orders/0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f',
  route: '/api/bench/v1/orders/:id',
  status: 200,
  durationMs: 1.234567,
});
const perLine = { before: [] as number[], after: [] as number[] };
for (let round = 0; round < 10; round++)
  for (const side of ['before', 'after'] as const) {
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) formats[side].transform(line(), {});
    perLine[side].push(((performance.now() - t0) * 1000) / 20_000);
  }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const logLine = { beforeMicros: med(perLine.before), afterMicros: med(perLine.after) };
say(
  `  request log line format chain: ${logLine.beforeMicros.toFixed(2)} µs before, ${logLine.afterMicros.toFixed(2)} µs after the fix`,
);

record(
  'h1',
  'Authenticated cached GET, full stack vs bare node:http',
  [
    atLeast('req/s, Faena / bare node:http', faena.requestsPerSecond / bare.requestsPerSecond, 0.6),
    {
      what: 'p99, Faena / bare node:http',
      ratio: faena.p99LatencyMs / Math.max(bare.p99LatencyMs, 1),
      goal: 'shown',
      met: true,
    },
    {
      what: 'req/s, the fix: after / before',
      ratio: faena.requestsPerSecond / legacy.requestsPerSecond,
      goal: '> 1',
      met: faena.requestsPerSecond > legacy.requestsPerSecond,
    },
    {
      what: 'request log line CPU, after / before the fix',
      ratio: logLine.afterMicros / logLine.beforeMicros,
      goal: '< 1',
      met: logLine.afterMicros < logLine.beforeMicros,
    },
  ],
  { bare, beforeFix: legacy, faena, logLine },
);
process.exit(0);
