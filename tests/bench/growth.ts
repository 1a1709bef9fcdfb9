/**
 * Growth: H2, P1 and the POS sales report at 1x, 4x and 16x rows (H2: 10k, 40k, 160k orders; P1:
 * pgbench -s 4/16/64 and 500/2000/8000 wallets; the report: a month of 10k, 40k, 160k POS orders),
 * each as its own run of h2.ts / p1.ts / support/pos-report.ts, to show how the ratios move as
 * tables grow, and how the report's time grows with the month's orders (its ratio: the time at kx
 * over the time at 1x, beside k).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, CACHE, record, say } from './support/bench.ts';

const run = (script: string, env: Record<string, string>) =>
  execFileSync(process.execPath, ['--disable-warning=ExperimentalWarning', path.join(BENCH_DIR, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  });
const figures = (id: string) =>
  (JSON.parse(readFileSync(path.join(CACHE, `${id}.json`), 'utf8')) as { figures: { ratio: number }[] })
    .figures;

const posReport = (id: string) =>
  (JSON.parse(readFileSync(path.join(CACHE, `${id}.json`), 'utf8')) as { detail: { medianMs: number } })
    .detail.medianMs;

const rows: Record<string, unknown>[] = [];
for (const scale of [1, 4, 16]) {
  run('h2.ts', { BENCH_ROWS: String(10_000 * scale), BENCH_ID: `growth-h2-x${scale}` });
  run('p1.ts', { BENCH_SCALE: String(scale), BENCH_ID: `growth-p1-x${scale}`, BENCH_BEFORE: '0' });
  run('support/pos-report.ts', { BENCH_SCALE: String(scale), BENCH_ID: `growth-pos-x${scale}` });
  const h2 = figures(`growth-h2-x${scale}`);
  rows.push({
    scale,
    h2ReqRatio: h2[0]!.ratio,
    h2P99Ratio: h2[1]!.ratio,
    p1Ratio: figures(`growth-p1-x${scale}`)[0]!.ratio,
    posReportMs: posReport(`growth-pos-x${scale}`),
  });
}
const posAt1 = rows[0]!.posReportMs as number;
say('Growth (ratios at 1x, 4x, 16x rows):');
for (const r of rows) say(`  ${JSON.stringify(r)}`);
record(
  'growth',
  'H2, P1 and the POS sales report at 1x, 4x, 16x rows',
  rows.flatMap((r) => [
    {
      what: `H2 req/s ratio at ${String(r.scale)}x`,
      ratio: r.h2ReqRatio as number,
      goal: '>= 0.6',
      met: (r.h2ReqRatio as number) >= 0.6,
    },
    {
      what: `P1 ratio at ${String(r.scale)}x`,
      ratio: r.p1Ratio as number,
      goal: '>= 0.75',
      met: (r.p1Ratio as number) >= 0.75,
    },
    ...(r.scale === 1
      ? []
      : [
          {
            what: `POS sales report time at ${String(r.scale)}x / at 1x (rows ${String(r.scale)}x)`,
            ratio: (r.posReportMs as number) / posAt1,
            goal: 'shown',
            met: true,
          },
        ]),
  ]),
  { rows },
);
process.exit(0);
