/**
 * The observability proof: every Faena API and worker started the way production starts them (the
 * chaos harness's processes, on a stack of their own: FAENA_HARNESS=observability shifts every
 * port by 300), a real Prometheus scraping them with the project's SLO rules loaded (every range
 * window and `for:` divided by RULE_SCALE, same expressions), real traffic and a few escrow deals,
 * POS orders through the kitchen, then a burst of 5xx (PostgreSQL down). Evaluates every SLI query
 * of every spec, every panel expression and template variable of every dashboard, and watches the
 * fast-burn availability alert of payments. Writes .cache/observability/last.json; tests/observability/observability.test.ts
 * reads it. Stops everything it started, whatever happens.
 *
 *   FAENA_HARNESS=observability node --disable-warning=ExperimentalWarning tests/observability/run.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROMETHEUS_BIN, prometheusArgs, writePrometheusConfig } from '../../scripts/prometheus.ts';
import {
  DATA,
  HARNESS,
  LOGS,
  PID_FILE,
  PORTS,
  REPORT_FILE,
  SANDBOX_STATE_FILE,
  url,
} from '../chaos/config.ts';
import type { Scenario } from '../chaos/escrow/expectations.ts';
import { escrowProcess } from '../chaos/escrow/process.ts';
import { renewalProcess, type RenewalScenario } from '../chaos/renewal/process.ts';
import { sleep } from '../chaos/http.ts';
import type { Case, RunContext } from '../chaos/process.ts';
import { startReceiver, type Receiver } from '../chaos/receiver.ts';
import { rng } from '../chaos/rng.ts';
import { buildWorkflowBundle, faenaProcesses, migrate, type ScrapeTarget } from '../chaos/services.ts';
import {
  crashPostgres,
  freshTemporalDb,
  preparePostgres,
  redisSpec,
  stopPostgres,
  temporalSpec,
} from '../chaos/stack.ts';
import { Supervisor, cleanupRecorded } from '../chaos/supervisor.ts';
import { temporalProbe, type TemporalProbe } from '../chaos/temporal.ts';
import { driveKitchen } from './kitchen.ts';
import { EVENT_ONLY_METRICS, metricNames, panelQueries, sliQueries, variables } from './queries.ts';

if (HARNESS !== 'observability') throw new Error('run with FAENA_HARNESS=observability');

/** Rule windows shrink 30×: 5 m → 10 s, 1 h → 2 m; `for: 2m` → 4 s. */
export const RULE_SCALE = 30;
const ALERT = 'FaenaPaymentsApiAvailability';
const PROM = url(PORTS.prometheus);
const t0 = Date.now();
const log = (msg: string) =>
  process.stderr.write(`[observability ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);

export interface QueryResult {
  source: string;
  expr: string;
  /** The PromQL as sent (variables resolved). */
  sent: string[];
  series: number;
  error?: string;
}
export interface Report {
  ok: boolean;
  harnessError?: string;
  targets: { total: number; down: string[] };
  sli: QueryResult[];
  panels: QueryResult[];
  variables: Array<{ dashboard: string; name: string; values: string[] }>;
  /** Metric names some query reads that Prometheus has no series of (event-only ones excepted). */
  missingMetrics: Array<{ metric: string; source: string }>;
  /** API series without an http_route label, and the 404/405 series seen per service. */
  routes: {
    unlabelled: number;
    notFoundByService: Record<string, number>;
    methodNotAllowedByService: Record<string, number>;
  };
  alert: { name: string; states: string[]; pendingAfterMs: number | null; firingAfterMs: number | null };
  traffic: { requests: number; byStatus: Record<string, number> };
  deals: { cases: number; settled: number };
  /** POS kitchen tickets driven from sent to ready (the POS's order latency and ticket age SLOs). */
  kitchenTickets: number;
}

const report: Report = {
  ok: false,
  targets: { total: 0, down: [] },
  sli: [],
  panels: [],
  variables: [],
  missingMetrics: [],
  routes: { unlabelled: -1, notFoundByService: {}, methodNotAllowedByService: {} },
  alert: { name: ALERT, states: [], pendingAfterMs: null, firingAfterMs: null },
  traffic: { requests: 0, byStatus: {} },
  deals: { cases: 0, settled: 0 },
  kitchenTickets: 0,
};

async function promQuery(query: string): Promise<Array<{ metric: Record<string, string> }>> {
  const res = await fetch(`${PROM}/api/v1/query?query=${encodeURIComponent(query)}`, {
    signal: AbortSignal.timeout(15000),
  });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: Array<{ metric: Record<string, string> }> };
  };
  if (body.status !== 'success') throw new Error(body.error ?? `HTTP ${res.status}`);
  return body.data?.result ?? [];
}

async function seriesOf(selector: string): Promise<Array<Record<string, string>>> {
  const res = await fetch(`${PROM}/api/v1/series?match[]=${encodeURIComponent(selector)}`, {
    signal: AbortSignal.timeout(15000),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: Array<Record<string, string>> };
  if (body.status !== 'success') throw new Error(body.error ?? `HTTP ${res.status}`);
  return body.data ?? [];
}

/** Grafana's built-ins as a dashboard over the last few minutes would resolve them. */
const builtins = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '10m');

/** One query per value of each `="$var"` it uses (every value must answer); `=~"$var"` means all. */
function resolve(expr: string, values: Map<string, string[]>): string[] {
  let out = [builtins(expr)];
  // Longest names first: `$slo` must not eat the start of `$slo_service`.
  for (const [name, vals] of [...values].sort((a, b) => b[0].length - a[0].length)) {
    const exact = `="$${name}"`;
    out = out.flatMap((q) =>
      q.includes(exact) ? vals.map((v) => q.replaceAll(exact, `="${v}"`)) : [q.replaceAll(`$${name}`, '.*')],
    );
  }
  return out;
}

async function evaluate(source: string, expr: string, sent: string[]): Promise<QueryResult> {
  if (sent.length === 0) return { source, expr, sent, series: 0, error: 'a variable it uses has no values' };
  let series = Number.POSITIVE_INFINITY;
  try {
    // Every resolved form must answer: the RED panels for each service, not just one of them.
    for (const q of sent) series = Math.min(series, (await promQuery(q)).length);
    return { source, expr, sent, series };
  } catch (err) {
    return { source, expr, sent, series: 0, error: (err as Error).message };
  }
}

/**
 * GETs without path parameters of every API (real routes, real database reads), an unknown path
 * per API (404), and per API a route called with a method it does not have (405).
 */
async function apiCalls(apis: ScrapeTarget[]) {
  const gets: Array<{ service: string; url: string }> = [];
  const wrongMethod: Array<{ service: string; url: string }> = [];
  for (const { service, port } of apis) {
    const doc = (await (await fetch(`${url(port)}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const plain = Object.entries(doc.paths).filter(([p]) => !p.includes('{') && p.startsWith('/api/'));
    for (const [p, methods] of plain)
      if ('get' in methods && !p.endsWith('.csv')) gets.push({ service, url: `${url(port)}${p}` });
    gets.push({ service, url: `${url(port)}/api/${service}/v1/no-such-route` });
    const noDelete = plain.find(([, methods]) => !('delete' in methods));
    if (noDelete) wrongMethod.push({ service, url: `${url(port)}${noDelete[0]}` });
  }
  return { gets, wrongMethod };
}

/** One answer more under `key` (a status, `error`, or `<service> DELETE: <status>`). */
const count = (key: string | number) => {
  report.traffic.byStatus[key] = (report.traffic.byStatus[key] ?? 0) + 1;
};

async function hammer(gets: Array<{ url: string }>, token: string, rounds: number, signal?: AbortSignal) {
  for (let r = 0; r < rounds && !signal?.aborted; r++)
    await Promise.all(
      gets.map(async (g) => {
        try {
          const res = await fetch(g.url, {
            headers: { authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(5000),
          });
          await res.arrayBuffer();
          report.traffic.requests++;
          count(res.status);
        } catch {
          count('error');
        }
      }),
    );
}

async function wrongMethods(calls: Array<{ service: string; url: string }>) {
  for (const c of calls) {
    const res = await fetch(c.url, { method: 'DELETE' });
    await res.arrayBuffer();
    count(`${c.service} DELETE: ${res.status}`);
  }
}

const supervisor = new Supervisor({
  logsDir: LOGS,
  pidFile: PID_FILE,
  clock: () => (Date.now() - t0) / 1000,
  log,
});
let probe = null as TemporalProbe | null; // set in main, closed in finally
let receiver = null as Receiver | null;

async function main() {
  await cleanupRecorded(PID_FILE, log);
  for (const dir of [DATA, LOGS, path.dirname(REPORT_FILE)]) mkdirSync(dir, { recursive: true });
  freshTemporalDb();
  rmSync(SANDBOX_STATE_FILE, { force: true });
  rmSync(path.join(DATA, 'prometheus'), { recursive: true, force: true });

  // 1. Stack, migrations, every API and worker.
  supervisor.add(redisSpec());
  supervisor.add(temporalSpec());
  const bundle = buildWorkflowBundle();
  await Promise.all([preparePostgres(log), supervisor.start('redis'), supervisor.start('temporal')]);
  const faena = faenaProcesses();
  for (const name of faena.migrations) await migrate(name);
  await bundle;
  for (const spec of [...faena.support, ...faena.apis, ...faena.workers]) supervisor.add(spec);
  await Promise.all([...faena.support, ...faena.apis, ...faena.workers].map((s) => supervisor.start(s.name)));
  log(`${supervisor.names.length} processes up`);

  // 2. Prometheus scraping every target, rules scaled.
  const files = writePrometheusConfig({
    dir: path.join(DATA, 'prometheus-config'),
    targets: faena.targets,
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    scale: RULE_SCALE,
  });
  supervisor.add({
    name: 'prometheus',
    command: PROMETHEUS_BIN,
    args: prometheusArgs(files, PORTS.prometheus, path.join(DATA, 'prometheus')),
    ready: async () => (await fetch(`${PROM}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok,
    readyTimeoutMs: 30000,
    marker: files.config,
  });
  await supervisor.start('prometheus');
  report.targets.total = faena.targets.length;

  // 3. A few deals (one per escrow scenario) through the public APIs, traffic on every GET route.
  probe = temporalProbe();
  const root = rng(20261201);
  receiver = await startReceiver(PORTS.receiver, root.fork('receiver'), 0);
  const escrow = escrowProcess({
    temporal: { describe: (id) => probe!.describe(id), close: async () => undefined },
    onWebhookSecret: (secret) => receiver?.setSecret(secret),
  });
  const scenarios = Object.keys(escrow.scenarios).filter((s): s is Scenario => s in escrow.scenarios);
  const cases: Array<Case<Scenario>> = scenarios.map((scenario, i) => ({
    id: `o${i + 1}`,
    process: escrow.name,
    scenario,
    rng: root.fork(`case:${i}`),
    data: {},
    steps: [],
  }));
  for (const c of cases) escrow.plan(c);
  const abort = new AbortController();
  const ctx: RunContext = {
    seed: 20261201,
    runId: `obs${Date.now().toString(36)}`,
    urls: {
      identity: url(PORTS.identity),
      payments: url(PORTS.payments),
      marketplace: url(PORTS.marketplace),
      gym: url(PORTS.gym),
      pos: url(PORTS.pos),
      notifications: url(PORTS.notifications),
      sandbox: url(PORTS.sandbox),
      receiver: receiver.url,
    },
    clock: () => (Date.now() - t0) / 1000,
    log,
    deadline: Date.now() + 150000,
    signal: abort.signal,
    db: () => Promise.reject(new Error('not used')),
    providerPayments: [],
    sandboxStateFile: SANDBOX_STATE_FILE,
  };
  await escrow.prepare(ctx, cases);
  // A renewal of each kind (renewed, expired after dunning): the renewal SLO's outcomes.
  const renewal = renewalProcess();
  const renewals: Array<Case<RenewalScenario>> = (['renewed', 'declined'] as const).map((scenario, i) => ({
    id: `r${i + 1}`,
    process: renewal.name,
    scenario,
    rng: root.fork(`renewal:${i}`),
    data: {},
    steps: [],
  }));
  await renewal.prepare(ctx, renewals);
  const token = escrow.world()!.owner.token;
  const { gets, wrongMethod } = await apiCalls(faena.targets.filter((t) => t.role === 'api'));
  report.deals.cases = cases.length;
  await Promise.all([
    ...cases.map((c) => escrow.drive(ctx, c).catch((err: unknown) => log(`deal ${c.id}: ${String(err)}`))),
    ...renewals.map((c) =>
      renewal.drive(ctx, c).catch((err: unknown) => log(`renewal ${c.id}: ${String(err)}`)),
    ),
    hammer(gets, token, 5),
    wrongMethods(wrongMethod),
    // POS orders sent and their kitchen tickets bumped ready: the POS's own SLOs' metrics.
    driveKitchen(ctx, url(PORTS.pos)).then(
      (n) => (report.kitchenTickets = n),
      (err: unknown) => log(`kitchen: ${String(err)}`),
    ),
  ]);
  const settleBy = Date.now() + 90000;
  const open = new Set(cases);
  const openRenewals = new Set(renewals);
  while ((open.size || openRenewals.size) && Date.now() < settleBy) {
    for (const c of [...openRenewals]) if (await renewal.settled(ctx, c)) openRenewals.delete(c);
    for (const c of [...open]) if (await escrow.settled(ctx, c)) open.delete(c);
    if (open.size || openRenewals.size) await sleep(1000);
  }
  report.deals.settled = cases.length - open.size;
  log(`${report.deals.settled}/${cases.length} deals settled; ${report.traffic.requests} requests`);
  abort.abort();
  // Two scrapes of everything, so every rate has two samples.
  await sleep(4000);

  // 4. The 5xx burst: PostgreSQL down while every route is called; watch the page alert.
  let erroring = new Set<string | undefined>();
  log('stopping PostgreSQL: the 5xx burst');
  const outage = crashPostgres(40000);
  const burst = new AbortController();
  const load = hammer(gets, token, 1000, burst.signal);
  const burstStart = Date.now();
  const apiServices = new Set(gets.map((g) => g.service));
  const failing = async () =>
    new Set(
      (
        await promQuery(
          'count by (faena_service) (http_server_request_duration_count{faena_role="api",http_response_status_code=~"5.."})',
        )
      ).map((r) => r.metric.faena_service),
    );
  // Until the page alert fires and every API has answered 5xx (the dashboards' error panels need it).
  while (Date.now() - burstStart < 35000) {
    const res = await fetch(`${PROM}/api/v1/alerts`);
    const body = (await res.json()) as {
      data: { alerts: Array<{ labels: Record<string, string>; state: string; activeAt: string }> };
    };
    const page = body.data.alerts.find((a) => a.labels.alertname === ALERT && a.labels.severity === 'page');
    if (page) {
      if (report.alert.states.at(-1) !== page.state) {
        report.alert.states.push(page.state);
        log(`${ALERT}: ${page.state} (active since ${page.activeAt})`);
      }
      if (page.state === 'pending') report.alert.pendingAfterMs ??= Date.now() - burstStart;
      if (page.state === 'firing') report.alert.firingAfterMs ??= Date.now() - burstStart;
    }
    if (report.alert.firingAfterMs !== null && [...apiServices].every((s) => erroring.has(s))) break;
    erroring = await failing();
    await sleep(250);
  }
  log(
    `alert ${ALERT}: ${report.alert.states.join(' → ') || 'never seen'}; 5xx from ${[...erroring].join(', ')}`,
  );

  // 5. Every query, while the errors are fresh (the dashboards' 5xx panels need them).
  const vars = new Map<string, string[]>();
  for (const v of variables()) {
    const selector = builtins(v.selector).replace(/\$(\w+)/g, '.*');
    const values = [
      ...new Set((await seriesOf(selector)).map((s) => s[v.label]).filter((x): x is string => !!x)),
    ].sort();
    report.variables.push({ dashboard: v.dashboard, name: v.name, values });
    vars.set(v.name, values);
  }
  for (const q of sliQueries()) {
    const sent = [q.expr.replaceAll('{{.window}}', '2m')];
    report.sli.push(await evaluate(q.source, q.expr, sent));
  }
  for (const q of panelQueries()) report.panels.push(await evaluate(q.source, q.expr, resolve(q.expr, vars)));
  const names = (await (await fetch(`${PROM}/api/v1/label/__name__/values`)).json()) as { data: string[] };
  const known = new Set(names.data);
  for (const q of [...sliQueries(), ...panelQueries()])
    for (const m of metricNames(q.expr))
      if (!known.has(m) && !(m in EVENT_ONLY_METRICS))
        report.missingMetrics.push({ metric: m, source: q.source });
  report.routes.unlabelled = (
    await promQuery('http_server_request_duration_count{faena_role="api",http_route=""}')
  ).length;
  for (const [code, key] of [
    ['404', 'notFoundByService'],
    ['405', 'methodNotAllowedByService'],
  ] as const)
    for (const s of await promQuery(
      `count by (faena_service) (http_server_request_duration_count{faena_role="api",http_response_status_code="${code}",http_route!=""})`,
    ))
      report.routes[key][s.metric.faena_service ?? '?'] = 1;
  const targets = (await (await fetch(`${PROM}/api/v1/targets`)).json()) as {
    data: { activeTargets: Array<{ health: string; scrapeUrl: string; lastError: string }> };
  };
  report.targets.down = targets.data.activeTargets
    .filter((t) => t.health !== 'up')
    .map((t) => `${t.scrapeUrl}: ${t.lastError}`);
  burst.abort();
  await load;
  await outage;
  report.ok = true;
}

try {
  await main();
} catch (err) {
  report.harnessError = (err as Error).stack ?? String(err);
  log(`harness error: ${report.harnessError}`);
} finally {
  await probe?.close().catch(() => undefined);
  await receiver?.close().catch(() => undefined);
  await supervisor.stopAll(3000).catch(() => undefined);
  await stopPostgres().catch(() => undefined);
  writeFileSync(REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`);
  const empty = [...report.sli, ...report.panels].filter((q) => q.series === 0).length;
  process.stdout.write(
    `observability: ${report.sli.length} SLI and ${report.panels.length} panel queries, ${empty} empty, ` +
      `alert ${report.alert.states.join('→') || 'not seen'}${report.harnessError ? ', harness error' : ''}\n`,
  );
}
process.exit(report.ok ? 0 : 1);
