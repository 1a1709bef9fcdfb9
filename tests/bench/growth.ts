/**
 * Growth: H2 and P1 at 1x, 4x and 16x rows (H2: 10k, 40k, 160k orders; P1: pgbench -s 4/16/64
 * and 500/2000/8000 wallets), each as its own run of h2.ts / p1.ts, to show how the ratios move as
 * tables grow. The POS report query waits for issue 17 (POS): not yet measurable.
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

const rows: Record<string, unknown>[] = [];
for (const scale of [1, 4, 16]) {
  run('h2.ts', { BENCH_ROWS: String(10_000 * scale), BENCH_ID: `growth-h2-x${scale}` });
  run('p1.ts', { BENCH_SCALE: String(scale), BENCH_ID: `growth-p1-x${scale}`, BENCH_BEFORE: '0' });
  const h2 = figures(`growth-h2-x${scale}`);
  rows.push({
    scale,
    h2ReqRatio: h2[0]!.ratio,
    h2P99Ratio: h2[1]!.ratio,
    p1Ratio: figures(`growth-p1-x${scale}`)[0]!.ratio,
  });
}
say('Growth (ratios at 1x, 4x, 16x rows):');
for (const r of rows) say(`  ${JSON.stringify(r)}`);
say('  POS report query: not yet measurable: needs issue 17');
record(
  'growth',
  'H2 and P1 at 1x, 4x, 16x rows',
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
  ]),
  { rows, posReport: 'not yet measurable: needs issue 17' },
);
process.exit(0);
