/**
 * `make bench`: an authenticated GET through the whole middleware stack (correlation id, request
 * log, security headers, CORS, body parser, JWT verification, permission check against Redis,
 * validation, envelope) against a bare `node:http` server answering the same JSON. Each server
 * runs in its own process (tests/bench/support/servers.ts) while autocannon loads it from this one.
 * Reports requests/s of both and their ratio (goal: >= 60%). Measured, never asserted.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ROOT } from '@faena/platform/testing';

const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SERVERS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'servers.ts');

/** Starts tests/bench/support/servers.ts in `mode` and waits for the line telling its port (and token). */
function start(mode: 'bare' | 'full'): Promise<{ port: number; token?: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', SERVERS, mode], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line)
        resolve({
          ...(JSON.parse(line.slice(6)) as { port: number; token?: string }),
          stop: () => child.kill('SIGTERM'),
        });
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

async function measure(name: string, url: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  if (result.non2xx || result.errors)
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const out = {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p99LatencyMs: result.latency.p99,
  };
  process.stdout.write(
    `${name.padEnd(28)} ${String(out.requestsPerSecond).padStart(8)} req/s   p99 ${out.p99LatencyMs} ms\n`,
  );
  return out;
}

const orderPath = '/api/bench/v1/orders/0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f';
process.stdout.write(
  `auth overhead: ${CONNECTIONS} connections, ${DURATION} s each, servers in their own process\n`,
);

const bare = await start('bare');
const bareResult = await measure('bare node:http', `http://127.0.0.1:${bare.port}${orderPath}`);
bare.stop();

const full = await start('full');
const auth = { Authorization: `Bearer ${full.token!}` };
await autocannon({
  url: `http://127.0.0.1:${full.port}${orderPath}`,
  connections: CONNECTIONS,
  duration: 2,
  headers: auth,
}); // warm-up
const fullResult = await measure(
  'full stack, authenticated',
  `http://127.0.0.1:${full.port}${orderPath}`,
  auth,
);
full.stop();

const ratio = fullResult.requestsPerSecond / bareResult.requestsPerSecond;
process.stdout.write(`ratio: ${(ratio * 100).toFixed(1)}% of bare (goal >= 60%)\n`);
const dir = path.join(ROOT, '.cache/bench');
mkdirSync(dir, { recursive: true });
writeFileSync(
  path.join(dir, 'auth-overhead.json'),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      connections: CONNECTIONS,
      seconds: DURATION,
      bare: bareResult,
      full: fullResult,
      ratio,
    },
    null,
    2,
  ),
);
