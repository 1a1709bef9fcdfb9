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
  ],
  { bare, beforeFix: legacy, faena },
);
process.exit(0);
