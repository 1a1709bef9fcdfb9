/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are arbitrary documents */
/**
 * Shared helpers of the delivery suites: the validators installed by scripts/install-k8s-tools.sh
 * under .cache/tools/k8s (a missing tool fails the suite: installing them is the installer's job),
 * chart rendering, multi-document YAML parsing and kubeconform with the offline schemas.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOOLS = join(ROOT, '.cache', 'tools', 'k8s');
export const BIN = join(TOOLS, 'bin');
export const CHART = join(ROOT, 'charts', 'faena');
export const PROD_VALUES = join(CHART, 'ci', 'production-values.yaml');
export const DEV_VALUES = join(CHART, 'ci', 'dev-values.yaml');
export const NODE = process.execPath;
/** Every service the chart knows, in migration order. */
export const ALL_SERVICES = ['identity', 'payments', 'marketplace', 'gym', 'pos', 'notifications'] as const;
/** The services enabled by default. */
export const SERVICES = ['identity', 'payments', 'marketplace', 'gym', 'pos', 'notifications'] as const;
/** Enabled services that run a Temporal worker (pos has no process yet). */
export const WORKER_SERVICES = ['payments', 'marketplace', 'gym', 'notifications'] as const;
/** Kubernetes minors the manifests are validated against: the chart's floor-ish and a recent one. */
export const KUBE_VERSIONS = ['1.31.0', '1.35.0'] as const;

export function tool(name: string): string {
  const path = join(BIN, name);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run scripts/install-k8s-tools.sh (make test installs it)`);
  }
  return path;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool and returns its exit status and output (never throws on a non-zero exit). */
export function run(
  name: string,
  args: string[],
  opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const r = spawnSync(tool(name), args, {
    cwd: opts.cwd ?? ROOT,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', ...(opts.env ?? {}) },
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a tool that must succeed; returns its stdout. */
export function ok(name: string, args: string[], opts: { input?: string; cwd?: string } = {}): string {
  const r = run(name, args, opts);
  if (r.status !== 0) {
    throw new Error(`${name} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [k: string]: any;
};

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

const renderCache = new Map<string, string>();

/** `helm template` of the chart with values files and --set flags; throws on failure. */
export function template(
  opts: { values?: string[]; set?: string[]; release?: string; namespace?: string } = {},
): string {
  const args = ['template', opts.release ?? 'faena', CHART, '--namespace', opts.namespace ?? 'faena'];
  for (const v of opts.values ?? []) args.push('-f', v);
  for (const s of opts.set ?? []) args.push('--set', s);
  const key = args.join('\u0000');
  const cached = renderCache.get(key);
  if (cached !== undefined) return cached;
  const out = ok('helm', args);
  renderCache.set(key, out);
  return out;
}

export function render(opts: Parameters<typeof template>[0] = {}): K8sObject[] {
  return parseManifests(template(opts));
}

/** `helm template` expected to fail: returns stderr. */
export function templateFails(opts: { values?: string[]; set?: string[] }): string {
  const args = ['template', 'faena', CHART];
  for (const v of opts.values ?? []) args.push('-f', v);
  for (const s of opts.set ?? []) args.push('--set', s);
  const r = run('helm', args);
  if (r.status === 0) throw new Error(`helm template ${args.join(' ')} unexpectedly succeeded`);
  return r.stderr;
}

export function writeTemp(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'faena-deploy-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** kubeconform (strict: unknown fields are errors; a kind without a schema is an error too). */
export function kubeconform(files: string[] | { stdin: string }, kubeVersion: string): RunResult {
  const args = [
    '-strict',
    '-summary',
    '-output',
    'json',
    '-kubernetes-version',
    kubeVersion,
    '-schema-location',
    join(
      TOOLS,
      'schemas/kubernetes/{{.NormalizedKubernetesVersion}}-local-strict/{{.ResourceKind}}{{.KindSuffix}}.json',
    ),
    '-schema-location',
    join(TOOLS, 'schemas/crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'),
  ];
  if (Array.isArray(files)) return run('kubeconform', [...args, ...files]);
  return run('kubeconform', [...args, '-'], { input: files.stdin });
}

export interface KubeconformSummary {
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
}

export function kubeconformSummary(r: RunResult): { summary: KubeconformSummary; problems: string[] } {
  const out = JSON.parse(r.stdout) as {
    resources?: { filename: string; kind: string; name: string; status: string; msg: string }[];
    summary: KubeconformSummary;
  };
  const problems = (out.resources ?? [])
    .filter((x) => x.status !== 'statusValid')
    .map((x) => `${x.filename} ${x.kind}/${x.name}: ${x.status} ${x.msg}`);
  return { summary: out.summary, problems };
}

/** Pod templates of every workload in a rendered set (Deployments, Jobs, …). */
export function podSpecs(objs: K8sObject[]): { owner: string; spec: any; labels: Record<string, string> }[] {
  return objs
    .filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind))
    .map((o) => ({
      owner: `${o.kind}/${o.metadata.name}`,
      spec: o.spec.template.spec,
      labels: o.spec.template.metadata?.labels ?? {},
    }));
}

export function node(args: string[]): RunResult {
  const r = spawnSync(NODE, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export { execFileSync };
