/**
 * Generates the cluster's derived monitoring manifests, committed beside their sources:
 *
 *   k8s/slo/specs/<name>.yaml  →  k8s/slo/rules/<name>.yaml     PrometheusRule: SLI recordings for
 *       every window, SLO meta recordings, and multi-window multi-burn-rate alerts (the Google SRE
 *       workbook's: page at 14.4× over 1h+5m or 6× over 6h+30m, ticket at 3× over 1d+2h or 1× over
 *       3d+6h), with Sloth's rule and label names so Sloth's dashboards and tools work on them.
 *   k8s/dashboards/*.json      →  k8s/dashboards/configmaps.yaml  one ConfigMap per dashboard,
 *       labelled grafana_dashboard: "1" for Grafana's dashboard sidecar.
 *
 * Output is formatted with the repository's Prettier config, so `prettier --check .` agrees with it.
 *
 * Usage: node scripts/slo-rules.ts           write the generated files
 *        node scripts/slo-rules.ts --check   exit 1 (naming the files) if they are not up to date
 *
 * Specs use the Sloth `prometheus/v1` format; error and total queries must each aggregate to one
 * series (`sum(…)`) and use `{{.window}}` as their range.
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse, stringify } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SPECS = join(ROOT, 'k8s/slo/specs');
const RULES = join(ROOT, 'k8s/slo/rules');
const DASHBOARDS = join(ROOT, 'k8s/dashboards');
const GENERATOR = 'scripts/slo-rules.ts';

/** Every window a recording exists for; the 30-day one is the SLO period. */
export const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export const PERIOD = '30d';
export const PERIOD_DAYS = 30;

/** Multi-window multi-burn-rate alert conditions: (long window AND short window) above factor × budget. */
export const BURN_RATES = {
  page: [
    { long: '1h', short: '5m', factor: 14.4 },
    { long: '6h', short: '30m', factor: 6 },
  ],
  ticket: [
    { long: '1d', short: '2h', factor: 3 },
    { long: '3d', short: '6h', factor: 1 },
  ],
} as const;

/**
 * How long a burn-rate condition must hold before its alert fires (pending until then): one
 * scrape that catches a deploy's few 5xx does not page anyone, a sustained burn pages in minutes.
 */
export const ALERT_FOR = { page: '2m', ticket: '15m' } as const;

type Labels = Record<string, string>;

interface SloSpec {
  name: string;
  objective: number;
  description?: string;
  labels?: Labels;
  sli: { events: { error_query: string; total_query: string } };
  alerting: {
    name: string;
    labels?: Labels;
    annotations?: Labels;
    page_alert?: { disable?: boolean; labels?: Labels; annotations?: Labels };
    ticket_alert?: { disable?: boolean; labels?: Labels; annotations?: Labels };
  };
}

interface ServiceSpec {
  version: string;
  service: string;
  labels?: Labels;
  slos: SloSpec[];
}

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Labels;
  annotations?: Labels;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function fail(message: string): never {
  throw new Error(message);
}

/** Checks a spec the way Sloth would, plus the aggregation rule this generator relies on. */
export function validateSpec(spec: ServiceSpec, file: string): void {
  if (spec.version !== 'prometheus/v1') fail(`${file}: version must be prometheus/v1`);
  if (!NAME.test(spec.service ?? '')) fail(`${file}: service must be a DNS-like name`);
  if (!Array.isArray(spec.slos) || spec.slos.length === 0) fail(`${file}: no slos`);
  const seen = new Set<string>();
  for (const slo of spec.slos) {
    const where = `${file}: slo ${slo.name}`;
    if (!NAME.test(slo.name ?? '')) fail(`${where}: name must be a DNS-like name`);
    if (seen.has(slo.name)) fail(`${where}: duplicate name`);
    seen.add(slo.name);
    if (typeof slo.objective !== 'number' || slo.objective <= 0 || slo.objective >= 100) {
      fail(`${where}: objective must be a percentage in (0, 100)`);
    }
    for (const key of ['error_query', 'total_query'] as const) {
      const q = slo.sli?.events?.[key];
      if (typeof q !== 'string' || !q.includes('{{.window}}')) fail(`${where}: ${key} must use {{.window}}`);
      if (!/^\(?\s*sum\(/.test(q)) fail(`${where}: ${key} must aggregate with sum(…) to one series`);
    }
    if (!/^[A-Z][A-Za-z0-9]*$/.test(slo.alerting?.name ?? ''))
      fail(`${where}: alerting.name must be CamelCase`);
  }
}

/** The SLO's error budget as a ratio, without float noise (99.9 → 0.001). */
export function errorBudget(objective: number): number {
  return Number((1 - objective / 100).toFixed(12));
}

function windowQuery(query: string, window: string): string {
  return query.split('{{.window}}').join(window).trim();
}

function selector(labels: Labels): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
}

/** The PrometheusRule for one service spec. */
export function buildRule(spec: ServiceSpec, specFile: string): Record<string, unknown> {
  const groups: { name: string; rules: Rule[] }[] = [];
  for (const slo of spec.slos) {
    const id = `${spec.service}-${slo.name}`;
    const sloLabels: Labels = { ...(spec.labels ?? {}), ...(slo.labels ?? {}) };
    const ids: Labels = { sloth_id: id, sloth_service: spec.service, sloth_slo: slo.name };
    const sel = selector(ids);
    const budget = errorBudget(slo.objective);
    const objectiveRatio = Number((slo.objective / 100).toFixed(12));

    // 1. SLI: error ratio per window. Errors `or vector(0)`: no error series means no errors.
    const sli: Rule[] = WINDOWS.map((w) => ({
      record: `slo:sli_error:ratio_rate${w}`,
      expr:
        `(${windowQuery(slo.sli.events.error_query, w)} or vector(0))\n/\n` +
        `(${windowQuery(slo.sli.events.total_query, w)})`,
      labels: { ...sloLabels, ...ids, sloth_window: w },
    }));
    // The period ratio is the mean of the 5m ratios: cheap, and exact enough for a 30-day budget.
    sli.push({
      record: `slo:sli_error:ratio_rate${PERIOD}`,
      expr:
        `sum_over_time(slo:sli_error:ratio_rate5m${sel}[${PERIOD}])\n/ ignoring (sloth_window)\n` +
        `count_over_time(slo:sli_error:ratio_rate5m${sel}[${PERIOD}])`,
      labels: { ...sloLabels, ...ids, sloth_window: PERIOD },
    });
    groups.push({ name: `sloth-slo-sli-recordings-${id}`, rules: sli });

    // 2. Meta recordings: objective, budget, burn rates and the budget left.
    const on = 'on (sloth_id, sloth_slo, sloth_service) group_left';
    groups.push({
      name: `sloth-slo-meta-recordings-${id}`,
      rules: [
        {
          record: 'slo:objective:ratio',
          expr: `vector(${objectiveRatio})`,
          labels: { ...sloLabels, ...ids },
        },
        { record: 'slo:error_budget:ratio', expr: `vector(${budget})`, labels: { ...sloLabels, ...ids } },
        { record: 'slo:time_period:days', expr: `vector(${PERIOD_DAYS})`, labels: { ...sloLabels, ...ids } },
        {
          record: 'slo:current_burn_rate:ratio',
          expr: `slo:sli_error:ratio_rate5m${sel}\n/ ${on}\nslo:error_budget:ratio${sel}`,
          labels: { ...sloLabels, ...ids },
        },
        {
          record: 'slo:period_burn_rate:ratio',
          expr: `slo:sli_error:ratio_rate${PERIOD}${sel}\n/ ${on}\nslo:error_budget:ratio${sel}`,
          labels: { ...sloLabels, ...ids },
        },
        {
          record: 'slo:period_error_budget_remaining:ratio',
          expr: `1 - slo:period_burn_rate:ratio${sel}`,
          labels: { ...sloLabels, ...ids },
        },
        {
          record: 'sloth_slo_info',
          expr: 'vector(1)',
          labels: {
            ...sloLabels,
            ...ids,
            sloth_mode: 'cli-gen-prom',
            sloth_spec: spec.version,
            sloth_version: 'faena-slo-rules',
            sloth_objective: String(slo.objective),
          },
        },
      ],
    });

    // 3. Alerts: page and ticket, each the OR of two (long AND short window) conditions.
    const alerts: Rule[] = [];
    for (const severity of ['page', 'ticket'] as const) {
      const conf = severity === 'page' ? slo.alerting.page_alert : slo.alerting.ticket_alert;
      if (conf?.disable) continue;
      const expr = BURN_RATES[severity]
        .map(
          ({ long, short, factor }) =>
            `(\n  max(slo:sli_error:ratio_rate${short}${sel} > (${factor} * ${budget})) without (sloth_window)\n` +
            `  and\n  max(slo:sli_error:ratio_rate${long}${sel} > (${factor} * ${budget})) without (sloth_window)\n)`,
        )
        .join('\nor\n');
      alerts.push({
        alert: slo.alerting.name,
        expr,
        for: ALERT_FOR[severity],
        labels: { ...(slo.alerting.labels ?? {}), ...(conf?.labels ?? {}), sloth_severity: severity },
        annotations: {
          title: `(${severity}) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too high.`,
          description: slo.description ?? `${spec.service} ${slo.name}: objective ${slo.objective}%`,
          ...(slo.alerting.annotations ?? {}),
          ...(conf?.annotations ?? {}),
        },
      });
    }
    groups.push({ name: `sloth-slo-alerts-${id}`, rules: alerts });
  }
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `faena-slo-${spec.service}`,
      labels: {
        'app.kubernetes.io/part-of': 'faena',
        'app.kubernetes.io/component': 'slo',
        'app.kubernetes.io/managed-by': 'faena-slo-rules',
        role: 'alert-rules',
      },
      annotations: { 'faena.dev/generated-from': specFile },
    },
    spec: { groups },
  };
}

const HEADER = (source: string) =>
  `# Code generated by ${GENERATOR} from ${source}. DO NOT EDIT.\n` +
  `# Change the source and run: node ${GENERATOR}\n`;

function toYaml(doc: unknown): string {
  return stringify(doc, { lineWidth: 0, minContentWidth: 0, blockQuote: 'literal' });
}

/** Every generated file: path relative to the repository → content. */
export function generate(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(SPECS)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const rel = `k8s/slo/specs/${file}`;
    const spec = parse(readFileSync(join(SPECS, file), 'utf8')) as ServiceSpec;
    validateSpec(spec, rel);
    if (`${spec.service}.yaml` !== file)
      fail(`${rel}: file name must be <service>.yaml (${spec.service}.yaml)`);
    out.set(`k8s/slo/rules/${file}`, HEADER(rel) + toYaml(buildRule(spec, rel)));
  }

  const dashboards = readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const uids = new Set<string>();
  const docs: string[] = [];
  for (const file of dashboards) {
    const text = readFileSync(join(DASHBOARDS, file), 'utf8');
    const dash = JSON.parse(text) as { uid?: string; templating?: { list?: { name?: string }[] } };
    if (!dash.uid || !/^[a-z0-9-]{1,40}$/.test(dash.uid)) fail(`${file}: uid must be a stable slug`);
    if (uids.has(dash.uid)) fail(`${file}: duplicate uid ${dash.uid}`);
    uids.add(dash.uid);
    if (!dash.templating?.list?.some((v) => v.name === 'datasource'))
      fail(`${file}: needs a datasource variable`);
    docs.push(
      toYaml({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `grafana-dashboard-${dash.uid}`,
          labels: { grafana_dashboard: '1', 'app.kubernetes.io/part-of': 'faena' },
          annotations: { grafana_folder: 'Faena', 'faena.dev/generated-from': `k8s/dashboards/${file}` },
        },
        data: { [file]: text.endsWith('\n') ? text : `${text}\n` },
      }),
    );
  }
  out.set('k8s/dashboards/configmaps.yaml', HEADER('k8s/dashboards/*.json') + docs.join('---\n'));
  return out;
}

/** Formats a generated YAML file exactly as `prettier --check` expects it. */
async function prettify(rel: string, text: string): Promise<string> {
  const options = (await resolveConfig(join(ROOT, rel))) ?? {};
  return format(text, { ...options, filepath: join(ROOT, rel) });
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const files = new Map<string, string>();
  for (const [rel, text] of Array.from(generate().entries())) files.set(rel, await prettify(rel, text));
  const stale: string[] = [];
  const names: string[] = [];
  files.forEach((content: string, rel: string) => {
    names.push(basename(rel));
    const path = join(ROOT, rel);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === content) return;
    if (check) stale.push(rel);
    else writeFileSync(path, content);
  });
  // Rules whose spec is gone are stale too.
  for (const file of readdirSync(RULES).filter((f) => f.endsWith('.yaml'))) {
    if (!files.has(`k8s/slo/rules/${file}`)) stale.push(`k8s/slo/rules/${file} (no spec)`);
  }
  if (stale.length > 0) {
    process.stderr.write(`out of date (run: node ${GENERATOR}):\n${stale.map((s) => `  ${s}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`${check ? 'up to date' : 'generated'}: ${names.join(', ')}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
