/**
 * What every benchmark shares: servers started in their own process group (READY line on stdout,
 * killed with their workers when the bench ends, however it ends), the load (autocannon, in the
 * bench's process, never in the server's), warm-up excluded from the figures, and one JSON result
 * per benchmark under .cache/bench/. Absolute numbers are noise on a shared 2-core machine: every
 * figure that counts is a ratio of two sides measured in the same run, with the same settings.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ROOT } from '@faena/platform/testing';

export { ROOT };
export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const SUPPORT = path.join(BENCH_DIR, 'support');
export const CACHE = path.join(ROOT, '.cache/bench');

/** Same for both sides of every ratio. */
export const SETTINGS = {
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 2),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
  /** One worker per core, for every server of every stack. */
  workers: Number(process.env.BENCH_WORKERS ?? availableParallelism()),
  /** Database connections per worker, for every stack. */
  pool: Number(process.env.BENCH_POOL ?? 8),
};

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children)
    try {
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
};
process.once('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM'] as const)
  process.once(s, () => {
    killAll();
    process.exit(130);
  });

export interface Started<T> {
  info: T;
  /** The process (its stdin is a pipe when started with `stdin: true`). */
  child: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL to the whole group (a crash: no handler runs), resolved once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Starts `command args` in its own process group and resolves with the JSON of its `READY {…}`
 * line (within 120 s), or once `readyUrl` answers 200 twice, or once its stdout or stderr matches
 * `readyPattern` (a process that prints no READY line: a Celery worker, a production worker's log).
 * `stop()` ends the whole group (a cluster's workers, uvicorn's); `kill()` SIGKILLs it.
 */
export function start<T = { port: number }>(
  name: string,
  command: string,
  args: string[],
  opts: {
    env?: Record<string, string>;
    cwd?: string;
    readyUrl?: string;
    readyPattern?: RegExp;
    headers?: Record<string, string>;
    /** A pipe to its stdin (`child.stdin`) instead of none. */
    stdin?: boolean;
  } = {},
): Promise<Started<T>> {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    // A server that prints no READY line (a peer) logs to /dev/null, like Faena's servers.
    stdio: [opts.stdin ? 'pipe' : 'ignore', opts.readyUrl ? 'ignore' : 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  let err = '';
  let onReadyText: ((text: string) => void) | undefined;
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
    onReadyText?.(err);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      await exited;
    }
    children.delete(child);
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // gone
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }, 3000);
      await exited;
      clearTimeout(t);
    }
    children.delete(child);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${name} not ready within 120 s: ${err}`));
    }, 120_000);
    if (opts.readyUrl) {
      // Ready when two answers in a row are 200 (every worker up, most likely), polled each 200 ms.
      let oks = 0;
      const poll = () =>
        void fetch(opts.readyUrl!, { headers: opts.headers })
          .then((r) => (r.status === 200 ? ++oks : (oks = 0)))
          .catch(() => (oks = 0))
          .then(() => {
            if (oks >= 2) {
              clearTimeout(timer);
              resolve({ info: {} as T, child, stop, kill });
            } else if (child.exitCode === null) setTimeout(poll, 200);
          });
      poll();
    }
    let out = '';
    if (opts.readyPattern) {
      const pattern = opts.readyPattern;
      onReadyText = (text) => {
        if (!pattern.test(text)) return;
        onReadyText = undefined;
        clearTimeout(timer);
        resolve({ info: {} as T, child, stop, kill });
      };
    }
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-64_000);
      if (onReadyText) {
        onReadyText(out);
        if (!onReadyText) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
        }
        return;
      }
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (!line) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // whatever it writes later is drained, never a back-pressure stall
      resolve({ info: JSON.parse(line.slice(6)) as T, child, stop, kill });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${err}`));
    });
  });
}

/** A Node script of this folder (`support/servers.ts mode`) as a started process. */
export const startNode = <T = { port: number }>(
  name: string,
  script: string,
  args: string[],
  env?: Record<string, string>,
) =>
  start<T>(name, process.execPath, ['--disable-warning=ExperimentalWarning', script, ...args], {
    env: { NODE_ENV: 'production', ...env },
  });

export interface Load {
  name: string;
  requestsPerSecond: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  requests: number;
}

/** Warm-up (not counted), then the measured run; any non-2xx or error fails the bench. */
export async function load(name: string, url: string, headers: Record<string, string> = {}): Promise<Load> {
  if (SETTINGS.warmupSeconds > 0)
    await autocannon({ url, connections: SETTINGS.connections, duration: SETTINGS.warmupSeconds, headers });
  const r = await autocannon({ url, connections: SETTINGS.connections, duration: SETTINGS.seconds, headers });
  if (r.non2xx || r.errors || r.timeouts)
    throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  const out = {
    name,
    requestsPerSecond: Math.round(r.requests.average),
    p50LatencyMs: r.latency.p50,
    p99LatencyMs: r.latency.p99,
    requests: r.requests.total,
  };
  say(`  ${name.padEnd(44)} ${String(out.requestsPerSecond).padStart(7)} req/s   p99 ${out.p99LatencyMs} ms`);
  return out;
}

export const say = (line: string) => process.stdout.write(`${line}\n`);

export interface Figure {
  /** What is compared, e.g. "req/s Faena / bare". */
  what: string;
  ratio: number;
  /** e.g. ">= 0.6" */
  goal: string;
  met: boolean;
}

export const atLeast = (what: string, ratio: number, goal: number): Figure => ({
  what,
  ratio,
  goal: `>= ${goal}`,
  met: ratio >= goal,
});
export const atMost = (what: string, ratio: number, goal: number): Figure => ({
  what,
  ratio,
  goal: `<= ${goal}`,
  met: ratio <= goal,
});

const commit = () => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
};

/** Prints the figures and writes .cache/bench/<id>.json. */
export function record(id: string, title: string, figures: Figure[], detail: object, status = 'measured') {
  for (const f of figures)
    say(`${id.toUpperCase()} ${f.what}: ${f.ratio.toFixed(2)} (goal ${f.goal}) ${f.met ? 'met' : 'NOT met'}`);
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(
    path.join(CACHE, `${id}.json`),
    JSON.stringify(
      {
        id,
        title,
        status,
        at: new Date().toISOString(),
        commit: commit(),
        loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
        settings: SETTINGS,
        figures,
        detail,
      },
      null,
      2,
    ),
  );
}

/** A benchmark that cannot be measured yet: says so, with no figure. */
export function notYet(id: string, title: string, needs: string) {
  say(`${id.toUpperCase()} not yet measurable: ${needs}`);
  record(id, title, [], { needs }, 'not yet measurable');
}

/** A free TCP port on 127.0.0.1 (for servers that take their port as an argument: uvicorn). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
