/**
 * Every query SREs rely on, read from the files that ship them — so a new SLO or panel is covered
 * without a line written here: each SLI query (error and total) of every spec in k8s/slo/specs,
 * each panel expression and each template variable of every dashboard in k8s/dashboards.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SPECS = path.join(ROOT, 'k8s/slo/specs');
const DASHBOARDS = path.join(ROOT, 'k8s/dashboards');

export interface Query {
  /** Where it comes from, as a person would say it. */
  source: string;
  /** PromQL as written in the file (Grafana variables and `{{.window}}` unresolved). */
  expr: string;
}

export interface Variable {
  dashboard: string;
  name: string;
  /** `label_values(<selector>, <label>)`. */
  selector: string;
  label: string;
}

interface SpecFile {
  service: string;
  slos: Array<{ name: string; sli: { events: { error_query: string; total_query: string } } }>;
}
interface Dashboard {
  uid: string;
  templating: { list: Array<{ name: string; type: string; query?: { query?: string } | string }> };
  panels: Array<{ title: string; type: string; targets?: Array<{ expr?: string }> }>;
}

export function sliQueries(): Query[] {
  const out: Query[] = [];
  for (const file of readdirSync(SPECS)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const spec = parse(readFileSync(path.join(SPECS, file), 'utf8')) as SpecFile;
    for (const slo of spec.slos)
      for (const kind of ['error_query', 'total_query'] as const)
        out.push({ source: `SLO ${spec.service}/${slo.name} ${kind}`, expr: slo.sli.events[kind] });
  }
  return out;
}

function dashboards(): Dashboard[] {
  return readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(DASHBOARDS, f), 'utf8')) as Dashboard);
}

export function panelQueries(): Query[] {
  const out: Query[] = [];
  for (const d of dashboards())
    for (const p of d.panels)
      (p.targets ?? []).forEach((t, i) => {
        if (t.expr) out.push({ source: `dashboard ${d.uid} panel "${p.title}" #${i + 1}`, expr: t.expr });
      });
  return out;
}

export function variables(): Variable[] {
  const out: Variable[] = [];
  for (const d of dashboards())
    for (const v of d.templating.list) {
      if (v.type !== 'query') continue;
      const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q.trim());
      if (!m)
        throw new Error(`dashboard ${d.uid} variable ${v.name}: only label_values(…, label) is supported`);
      out.push({ dashboard: d.uid, name: v.name, selector: m[1]!, label: m[2]! });
    }
  return out;
}

/**
 * Metrics no healthy run can produce: a workflow that ends Failed or Cancelled (a business failure
 * is a state, never a Failed workflow). Their panels show 0 through `or 0 * …` when none exist;
 * every other metric a query names must exist in Prometheus.
 */
export const EVENT_ONLY_METRICS: Readonly<Record<string, string>> = {
  temporal_workflow_failed_total: 'no Faena workflow ends Failed (business failures are states)',
  temporal_workflow_canceled_total: 'only an operator cancelling a run in the Temporal UI produces it',
};

/** The metric names an expression reads: every identifier written right before a `{…}` selector. */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]!))];
}
