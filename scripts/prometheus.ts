/**
 * A local Prometheus for `make dev` and tests/observability: a config scraping the given Faena
 * processes with the labels the chart's ServiceMonitor/PodMonitor give their pods
 * (`faena_service`, `faena_role`), and the project's generated SLO rules (k8s/slo/rules/*.yaml,
 * PrometheusRule objects) turned into plain Prometheus rule files.
 *
 * `scaleRules` shrinks every range window and `for:` by one factor (same expressions otherwise),
 * so a test sees a burn-rate alert go pending in seconds instead of an hour.
 *
 * CLI (scripts/dev.sh): node scripts/prometheus.ts <dir> <service>:<role>:<port>…
 *   writes <dir>/prometheus.yml and <dir>/rules/*.yml, prints the config's path.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RULES = join(ROOT, 'k8s/slo/rules');
/** The binary scripts/install-k8s-tools.sh builds. */
export const PROMETHEUS_BIN = join(ROOT, '.cache/tools/k8s/bin/prometheus');

export interface Target {
  service: string;
  role: 'api' | 'worker' | 'workflow-worker';
  port: number;
}

interface RuleGroup {
  name: string;
  rules: Array<{ record?: string; alert?: string; expr: string; for?: string }>;
}

/** The groups of every generated PrometheusRule. */
export function sloRuleGroups(): Map<string, RuleGroup[]> {
  const out = new Map<string, RuleGroup[]>();
  for (const file of readdirSync(RULES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const docs = parseAllDocuments(readFileSync(join(RULES, file), 'utf8'));
    const groups: RuleGroup[] = [];
    for (const d of docs) {
      const obj: unknown = d.toJS();
      if (typeof obj === 'object' && obj !== null && 'spec' in obj) {
        const spec: unknown = obj.spec;
        if (typeof spec === 'object' && spec !== null && 'groups' in spec && Array.isArray(spec.groups))
          groups.push(...(spec.groups as RuleGroup[]));
      }
    }
    out.set(file.replace(/\.yaml$/, ''), groups);
  }
  return out;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const seconds = (d: string) => {
  const m = /^(\d+)([smhd])$/.exec(d);
  if (!m) throw new Error(`unsupported duration ${d}`);
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
};

/** Every `[window]` and `for:` divided by `factor` (at least `minSeconds`), everything else as is. */
export function scaleRules(groups: RuleGroup[], factor: number, minSeconds = 2): RuleGroup[] {
  const scale = (d: string) => `${Math.max(minSeconds, Math.round(seconds(d) / factor))}s`;
  return groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => ({
      ...r,
      expr: r.expr.replace(/\[(\d+[smhd])\]/g, (_, d: string) => `[${scale(d)}]`),
      ...(r.for && { for: scale(r.for) }),
    })),
  }));
}

export interface PrometheusFiles {
  config: string;
  rulesDir: string;
}

/** Writes `<dir>/prometheus.yml` and `<dir>/rules/<name>.yml` (replacing earlier ones). */
export function writePrometheusConfig(opts: {
  dir: string;
  targets: Target[];
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Divide every rule window by this (tests); 1 = the rules as deployed. */
  scale?: number;
}): PrometheusFiles {
  // Absolute: Prometheus resolves rule_files against the config file's folder.
  const rulesDir = resolve(opts.dir, 'rules');
  rmSync(rulesDir, { recursive: true, force: true });
  mkdirSync(rulesDir, { recursive: true });
  for (const [name, groups] of sloRuleGroups()) {
    const out = opts.scale && opts.scale !== 1 ? scaleRules(groups, opts.scale) : groups;
    writeFileSync(join(rulesDir, `${name}.yml`), stringify({ groups: out }, { lineWidth: 0 }));
  }
  // One job per role, one static group per target: the labels the chart's monitors set.
  const jobs = new Map<string, Array<{ targets: string[]; labels: Record<string, string> }>>();
  for (const t of opts.targets) {
    const groups = jobs.get(t.role) ?? [];
    groups.push({
      targets: [`127.0.0.1:${t.port}`],
      labels: { faena_service: t.service, faena_role: t.role },
    });
    jobs.set(t.role, groups);
  }
  const config = {
    global: {
      scrape_interval: opts.scrapeInterval ?? '15s',
      evaluation_interval: opts.evaluationInterval ?? opts.scrapeInterval ?? '15s',
    },
    rule_files: [join(rulesDir, '*.yml')],
    scrape_configs: [...jobs.entries()].map(([role, static_configs]) => ({
      job_name: `faena-${role}`,
      metrics_path: '/metrics',
      static_configs,
    })),
  };
  const file = join(opts.dir, 'prometheus.yml');
  writeFileSync(file, stringify(config, { lineWidth: 0 }));
  return { config: file, rulesDir };
}

/** The command line that runs Prometheus on `port` with `files` (storage under `dataDir`). */
export function prometheusArgs(files: PrometheusFiles, port: number, dataDir: string): string[] {
  return [
    `--config.file=${files.config}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=2d',
    '--log.level=warn',
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, ...specs] = process.argv.slice(2);
  if (!dir || specs.length === 0) {
    process.stderr.write('usage: node scripts/prometheus.ts <dir> <service>:<role>:<port>…\n');
    process.exit(2);
  }
  const targets = specs.map((s): Target => {
    const [service, role, port] = s.split(':');
    if (!service || (role !== 'api' && role !== 'worker' && role !== 'workflow-worker') || !Number(port))
      throw new Error(`bad target ${s} (want service:api|worker|workflow-worker:port)`);
    return { service, role, port: Number(port) };
  });
  process.stdout.write(`${writePrometheusConfig({ dir, targets }).config}\n`);
}
