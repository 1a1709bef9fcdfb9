/**
 * Development logs, readable: every process writes the JSON lines of `createLogger` to
 * `.data/logs/<process>.log` (scripts/dev.sh); this prints them as one line each — time, process,
 * level, message, fields and the correlation id — following the files as they grow.
 *
 *   node services/platform/src/log-view.ts --follow .data/logs      every process (`make dev`)
 *   node services/platform/src/log-view.ts --follow --from-start .data/logs/payments.log
 *                                                 (`make logs SERVICE=payments`)
 *   … --raw                                       the JSON lines as written
 *
 * Production and CI keep the JSON format: nothing here changes what a service writes.
 */
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseJsonObject } from './guards.ts';

const COLORS: Partial<Record<string, number>> = {
  error: 31,
  warn: 33,
  info: 32,
  http: 36,
  verbose: 90,
  debug: 90,
  silly: 90,
};
const SKIP = new Set([
  'timestamp',
  'level',
  'message',
  'service',
  'correlationId',
  'traceId',
  'spanId',
  'stack',
]);

export interface FormatOptions {
  color?: boolean;
  /** Width of the process column (the longest name among the files followed). */
  width?: number;
}

const paint = (on: boolean | undefined, code: number, text: string) =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

/** `12:04:05.120 payments-worker  INFO  job status recorded  jobId=… key=…  [corr 01a2…]` */
export function formatLine(process: string, line: string, opts: FormatOptions = {}): string {
  const name = process.padEnd(opts.width ?? process.length);
  let entry: Record<string, unknown>;
  try {
    entry = parseJsonObject(line);
  } catch {
    // Not one of ours (a crash before the logger, a tool's own output): as it is.
    return `${' '.repeat(12)} ${paint(opts.color, 35, name)}  ${line}`;
  }
  const at = typeof entry.timestamp === 'string' ? new Date(entry.timestamp) : null;
  const time = at && !Number.isNaN(at.getTime()) ? at.toISOString().slice(11, 23) : ' '.repeat(12);
  const level = typeof entry.level === 'string' ? entry.level : 'info';
  const code = COLORS[level] ?? 37;
  const fields = Object.entries(entry)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const corr = typeof entry.correlationId === 'string' ? `  [corr ${entry.correlationId}]` : '';
  const stack = typeof entry.stack === 'string' ? `\n${entry.stack.replace(/^/gm, `${' '.repeat(14)}`)}` : '';
  return (
    `${paint(opts.color, 90, time)} ${paint(opts.color, 35, name)}  ${paint(opts.color, code, level.toUpperCase().padEnd(5))} ` +
    `${typeof entry.message === 'string' ? entry.message : JSON.stringify(entry.message ?? '')}${fields ? `  ${paint(opts.color, 90, fields)}` : ''}${paint(opts.color, 90, corr)}${stack}`
  );
}

/** The `.log` files named (a directory stands for every `.log` file in it, also ones created later). */
function logFiles(targets: string[]): string[] {
  return targets.flatMap((t) =>
    existsSync(t) && statSync(t).isDirectory()
      ? readdirSync(t)
          .filter((f) => f.endsWith('.log'))
          .sort()
          .map((f) => path.join(t, f))
      : [t],
  );
}

interface Followed {
  offset: number;
  rest: string;
}

/**
 * Prints what the files hold past their offsets, then (with `follow`) what they gain, until
 * `signal` aborts. A file that shrank (a new `make dev`) is read again from its start.
 */
export async function printLogs(
  targets: string[],
  opts: { follow?: boolean; fromStart?: boolean; raw?: boolean; color?: boolean; signal?: AbortSignal },
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<void> {
  const state = new Map<string, Followed>();
  const buf = Buffer.alloc(1 << 16);
  const processOf = (file: string) => path.basename(file, '.log');
  // Files there at the start are shown from their end when following (unless `fromStart`); files
  // that appear later, from their start.
  let firstScan = true;
  for (;;) {
    const files = logFiles(targets);
    const width = Math.max(10, ...files.map((f) => processOf(f).length));
    for (const file of files) {
      if (!existsSync(file)) continue;
      const size = statSync(file).size;
      let s = state.get(file);
      if (!s) {
        s = { offset: firstScan && opts.follow && !opts.fromStart ? size : 0, rest: '' };
        state.set(file, s);
      }
      if (size < s.offset) s = { offset: 0, rest: '' };
      const fd = openSync(file, 'r');
      try {
        while (s.offset < size) {
          const n = readSync(fd, buf, 0, Math.min(buf.length, size - s.offset), s.offset);
          if (n <= 0) break;
          s.offset += n;
          const lines = (s.rest + buf.subarray(0, n).toString('utf8')).split('\n');
          s.rest = lines.pop() ?? '';
          for (const line of lines)
            if (line.trim())
              write(
                `${opts.raw ? (files.length > 1 ? `${processOf(file)} ${line}` : line) : formatLine(processOf(file), line, { color: opts.color, width })}\n`,
              );
        }
      } finally {
        closeSync(fd);
      }
      state.set(file, s);
    }
    firstScan = false;
    if (!opts.follow || opts.signal?.aborted) return;
    await new Promise((r) => setTimeout(r, 200));
    if (opts.signal?.aborted) return;
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const targets = args.filter((a) => !a.startsWith('--'));
  if (!targets.length) {
    process.stderr.write(
      'usage: node services/platform/src/log-view.ts [--follow] [--from-start] [--raw] <file.log | dir>...\n',
    );
    process.exit(2);
  }
  const missing = targets.filter((t) => !existsSync(t));
  if (missing.length && !args.includes('--follow')) {
    process.stderr.write(`no such log: ${missing.join(', ')}\n`);
    process.exit(2);
  }
  const stop = new AbortController();
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => stop.abort());
  await printLogs(targets, {
    follow: args.includes('--follow'),
    fromStart: args.includes('--from-start'),
    raw: args.includes('--raw'),
    color: process.stdout.isTTY && !process.env.NO_COLOR,
    signal: stop.signal,
  });
}
