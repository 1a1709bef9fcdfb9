/**
 * The CPU profile behind H1's fix (docs/benchmarks.md): one Faena worker (`faena-json`, as H1
 * loads it) under `--cpu-prof`, loaded for BENCH_SECONDS; the .cpuprofile lands in
 * .cache/bench/profile/ (open it in Chrome DevTools). BENCH_LEGACY_LOG=1 profiles the path before
 * the fix. Run: node tests/bench/support/profile.ts
 */
import path from 'node:path';
import { CACHE, SUPPORT, freePort, load, say, start } from './bench.ts';

const SERVERS = path.join(SUPPORT, 'servers.ts');
const dir = path.join(CACHE, 'profile');
const node = (args: string[], env: Record<string, string> = {}) =>
  start<{ port: number; token: string }>(
    args.at(-1)!,
    process.execPath,
    ['--disable-warning=ExperimentalWarning', ...args],
    {
      env: { NODE_ENV: 'production', ...env },
    },
  );
const identity = await node([SERVERS, 'identity']);
const port = await freePort();
const server = await node([`--cpu-prof`, `--cpu-prof-dir=${dir}`, SERVERS, 'faena-json'], {
  PORT: String(port),
  BENCH_WORKERS: '1',
  IDENTITY_URL: `http://127.0.0.1:${identity.info.port}`,
});
await load(
  'Faena worker under --cpu-prof',
  `http://127.0.0.1:${port}/api/bench/v1/orders/0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f`,
  {
    Authorization: `Bearer ${identity.info.token}`,
  },
);
await server.stop();
await identity.stop();
say(`profiles in ${dir} (the largest is the worker's)`);
process.exit(0);
