/**
 * The SLOs, alerts and dashboards SREs get are true: tests/observability/run.ts starts every API
 * and worker as production does, a real Prometheus scraping them with the project's rules, drives
 * traffic, six escrow deals and a 5xx burst, and evaluates every query the files ship. Each SLI
 * query and each panel expression is a test of its own (read from the files: a new one is covered
 * unasked); an empty one fails naming its source and the PromQL sent.
 *
 * `make test` runs this file on its own after the main jest run (15 processes and Prometheus need
 * the machine's two cores to themselves): scripts/test.sh.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { panelQueries, sliQueries, variables } from './queries.ts';
import type { QueryResult, Report } from './run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REPORT = path.join(ROOT, '.cache/observability/last.json');
let report: Report;
let output = '';

beforeAll(async () => {
  rmSync(REPORT, { force: true });
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', 'tests/observability/run.ts'],
    { cwd: ROOT, env: { ...process.env, FAENA_HARNESS: 'observability' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  report = JSON.parse(readFileSync(REPORT, 'utf8')) as Report;
}, 540_000);

const found = (list: QueryResult[], source: string) => {
  const r = list.find((q) => q.source === source);
  return { source, sent: r?.sent ?? 'not evaluated', error: r?.error, hasData: (r?.series ?? 0) > 0 };
};

test('the harness ran to the end with every target scraped', () => {
  expect({ error: report.harnessError, log: report.harnessError ? output.slice(-4000) : '' }).toEqual({
    error: undefined,
    log: '',
  });
  expect(report.targets.down).toEqual([]);
  expect(report.targets.total).toBeGreaterThanOrEqual(13); // 5 APIs, 4 workers × 2 ports, the workflow worker × 2
  expect(report.deals.settled).toBe(report.deals.cases);
  expect(report.kitchenTickets).toBeGreaterThan(0); // POS orders sent and bumped ready
});

describe('every SLI query of every SLO spec returns data from the running services', () => {
  test.each(sliQueries().map((q) => q.source))('%s', (source) => {
    expect(found(report.sli, source)).toMatchObject({ source, error: undefined, hasData: true });
  });
});

describe('every panel expression of every dashboard returns data (for every value of its variables)', () => {
  test.each(panelQueries().map((q) => q.source))('%s', (source) => {
    expect(found(report.panels, source)).toMatchObject({ source, error: undefined, hasData: true });
  });
  test.each(variables().map((v) => `${v.dashboard} $${v.name}`))('variable %s has values', (name) => {
    const v = report.variables.find((x) => `${x.dashboard} $${x.name}` === name);
    expect({ name, values: v?.values.length ?? 0 }).toEqual({ name, values: expect.any(Number) });
    expect(v!.values.length).toBeGreaterThan(0);
  });
  test('every metric a query names exists (a rename in the code shows up here by name)', () => {
    expect(report.missingMetrics).toEqual([]);
  });
});

test('every API answer carries an http_route, unknown paths (404) and wrong methods (405) included', () => {
  expect(report.routes.unlabelled).toBe(0);
  const apis = report.variables.find((v) => v.name === 'service')!.values;
  expect(Object.keys(report.routes.notFoundByService).sort()).toEqual(apis);
  expect(Object.keys(report.routes.methodNotAllowedByService).sort()).toEqual(apis);
});

test('with PostgreSQL down the APIs answer a retryable 503, never a 500', () => {
  expect(report.traffic.byStatus['503'] ?? 0).toBeGreaterThan(0);
  expect(report.traffic.byStatus['500'] ?? 0).toBe(0);
});

test('a burst of 5xx takes the fast-burn availability alert to pending, then firing (windows scaled, same expression)', () => {
  expect(report.alert.states.slice(0, 2)).toEqual(['pending', 'firing']);
});
