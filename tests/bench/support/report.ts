/**
 * Writes the results table of docs/benchmarks.md (between its `results` markers) from
 * .cache/bench/<id>.json: one line per figure with its ratio, goal and whether it is met, the
 * commit and load average of the run that produced it. The prose around it is the doc's own.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE, ROOT } from './bench.ts';

interface Result {
  id: string;
  title: string;
  status: string;
  at: string;
  commit: string;
  loadAverage: number[];
  figures: { what: string; ratio: number; goal: string; met: boolean }[];
  detail: { needs?: string };
}
const ORDER = ['h1', 'h1p', 'h2', 'o1', 'p1', 't1', 'b1', 'k1', 'growth'];
const lines = [
  '| bench | figure | ratio | goal | met? | commit | at (UTC) | load avg |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const id of ORDER) {
  const file = path.join(CACHE, `${id}.json`);
  if (!existsSync(file)) {
    lines.push(`| ${id.toUpperCase()} | not run | | | | | | |`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as Result;
  const when = r.at.slice(0, 16).replace('T', ' ');
  const load = r.loadAverage.join(' ');
  if (!r.figures.length)
    lines.push(
      `| ${id.toUpperCase()} | ${r.status}: ${r.detail.needs ?? ''} | — | — | — | ${r.commit} | ${when} | ${load} |`,
    );
  for (const f of r.figures)
    lines.push(
      `| ${id.toUpperCase()} | ${f.what} | ${f.ratio.toFixed(2)} | ${f.goal} | ${f.goal === 'shown' ? '—' : f.met ? 'yes' : '**no**'} | ${r.commit} | ${when} | ${load} |`,
    );
}
const doc = path.join(ROOT, 'docs/benchmarks.md');
const BEGIN = '<!-- results: written by `make bench` (tests/bench/support/report.ts) -->';
const END = '<!-- /results -->';
const text = existsSync(doc) ? readFileSync(doc, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
const a = text.indexOf(BEGIN);
const b = text.indexOf(END);
if (a < 0 || b < a) throw new Error(`docs/benchmarks.md has no ${BEGIN} … ${END} block`);
writeFileSync(doc, `${text.slice(0, a + BEGIN.length)}\n${lines.join('\n')}\n${text.slice(b)}`);
process.stdout.write(`${lines.join('\n')}\n`);
