/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests and parsed YAML/JSON are arbitrary documents */
/**
 * The image (Dockerfile, .dockerignore) and the Skaffold loop. No Docker engine here: the Dockerfile
 * is linted with hadolint and checked for what review asks (Node 24, npm ci --omit=dev, a prebuilt
 * workflow bundle, a non-root distroless final stage without npm or a shell) and for consistency with
 * the chart; skaffold.yaml's releases are rendered with the chart and validated like the chart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  CHART,
  KUBE_VERSIONS,
  ROOT,
  kubeconform,
  kubeconformSummary,
  ok,
  parseManifests,
  run,
} from './tools.ts';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
/** Dockerfile instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages: { name: string; from: string; lines: string[] }[] = [];
for (const l of instructions) {
  const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(l);
  if (from?.[1]) stages.push({ from: from[1], name: from[2] ?? `stage${stages.length}`, lines: [] });
  else stages.at(-1)?.lines.push(l);
}
const finalStage = stages.at(-1)!;
const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));

describe('Dockerfile', () => {
  test('passes hadolint with no finding at any level', () => {
    const r = run('hadolint', ['--failure-threshold', 'style', '--no-color', join(ROOT, 'Dockerfile')]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('hadolint really reports a bad Dockerfile', () => {
    const r = run('hadolint', ['--failure-threshold', 'style', '-'], {
      input: 'FROM node\nRUN apt-get install curl\nUSER root\n',
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/DL3006|DL3008|DL3002/);
  });

  test('builds on Node 24, the same version the bootstrap installs', () => {
    const arg = /^ARG NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(dockerfile);
    expect(arg?.[1]).toBe('24');
    const lib = readFileSync(join(ROOT, 'scripts', 'lib.sh'), 'utf8');
    expect(lib).toContain(`NODE_VERSION="${arg![1]}.${arg![2]}.${arg![3]}"`);
    expect(/^ARG DISTROLESS_IMAGE=gcr\.io\/distroless\/nodejs24-debian12:nonroot$/m.test(dockerfile)).toBe(
      true,
    );
  });

  test('installs production dependencies with npm ci --omit=dev and prebuilds the workflow bundle', () => {
    const runs = stages.flatMap((s) =>
      s.lines.filter((l) => l.startsWith('RUN')).map((l) => `${s.name}: ${l}`),
    );
    expect(runs.some((r) => r.startsWith('prod:') && /npm ci --omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => r.startsWith('build:') && r.includes('node workflows/scripts/bundle.ts'))).toBe(
      true,
    );
    expect(finalStage.lines).toContain(
      'COPY --from=build /app/workflows/dist/workflow-bundle.js ./workflows/dist/workflow-bundle.js',
    );
    expect(finalStage.lines.some((l) => /COPY --from=prod \/app\/node_modules/.test(l))).toBe(true);
    expect(finalStage.lines.some((l) => /COPY --from=build \/app\/node_modules/.test(l))).toBe(false);
  });

  test('the final stage is distroless and non-root: no RUN (no shell), no npm, numeric USER matching the chart', () => {
    expect(finalStage.from).toBe('${DISTROLESS_IMAGE}');
    expect(finalStage.lines.filter((l) => l.startsWith('RUN'))).toEqual([]);
    expect(finalStage.lines.join('\n')).not.toMatch(/\bnpm\b|corepack|yarn/);
    const user = finalStage.lines.find((l) => l.startsWith('USER'));
    expect(user).toBe(
      `USER ${values.containerSecurityContext.runAsUser}:${values.containerSecurityContext.runAsGroup}`,
    );
    expect(values.containerSecurityContext.runAsUser).not.toBe(0);
  });

  test('exposes the ports, entry point and arguments the chart uses', () => {
    expect(finalStage.lines).toContain(`EXPOSE ${values.apiDefaults.port} ${values.workerDefaults.port}`);
    expect(finalStage.lines).toContain('ENTRYPOINT ["/nodejs/bin/node"]');
    const cmd = finalStage.lines.find((l) => l.startsWith('CMD'))!;
    expect(JSON.parse(cmd.slice(4)).slice(0, 2)).toEqual(['--import', '@faena/platform/telemetry/register']);
    const deployment = readFileSync(join(CHART, 'templates', 'deployment.yaml'), 'utf8');
    expect(deployment).toContain('- --import\n            - "@faena/platform/telemetry/register"');
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  test('keeps dependencies, VCS data, caches, secrets and tests out of the context', () => {
    expect(patterns).toEqual(
      expect.arrayContaining(['**/node_modules', '.git', '.cache', '.env', '**/*.test.ts', 'tests']),
    );
  });

  test('keeps every workspace manifest in (npm ci needs them all)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    for (const ws of pkg.workspaces) {
      const top = ws.split('/')[0] ?? ws;
      if (patterns.includes(top)) expect(patterns).toContain(`!${top}/package.json`);
    }
    expect(patterns).not.toContain('package-lock.json');
    expect(patterns).not.toContain('services');
  });
});

describe('skaffold.yaml', () => {
  const sk = parse(readFileSync(join(ROOT, 'skaffold.yaml'), 'utf8'));
  const sample: Record<string, string> = {
    '{{.IMAGE_REPO_ghcr_io_faena_faena}}': 'registry.example/faena',
    '{{.IMAGE_TAG_ghcr_io_faena_faena}}': 'abc1234',
    '{{.IMAGE_DIGEST_ghcr_io_faena_faena}}': `sha256:${'a'.repeat(64)}`,
  };
  const releases = (profile?: string) =>
    (profile
      ? sk.profiles.find((p: any) => p.name === profile).deploy.helm.releases
      : sk.deploy.helm.releases) as any[];

  test('builds the repository Dockerfile and deploys charts/faena; has dev and prod profiles', () => {
    expect(sk.apiVersion).toMatch(/^skaffold\/v4beta\d+$/);
    expect(sk.kind).toBe('Config');
    expect(sk.build.artifacts).toHaveLength(1);
    expect(sk.build.artifacts[0].image).toBe(values.image.repository);
    expect(
      existsSync(join(ROOT, sk.build.artifacts[0].context, sk.build.artifacts[0].docker.dockerfile)),
    ).toBe(true);
    expect(sk.profiles.map((p: any) => p.name).sort()).toEqual(['dev', 'prod']);
    for (const p of sk.profiles)
      for (const f of p.manifests?.rawYaml ?? []) expect(existsSync(join(ROOT, f))).toBe(true);
  });

  test.each([undefined, 'dev', 'prod'])(
    'release of profile %s renders and validates (kubeconform strict)',
    (profile) => {
      for (const rel of releases(profile)) {
        expect(existsSync(join(ROOT, rel.chartPath, 'Chart.yaml'))).toBe(true);
        const args = ['template', rel.name, join(ROOT, rel.chartPath), '--namespace', rel.namespace];
        for (const f of rel.valuesFiles ?? []) {
          expect(existsSync(join(ROOT, f))).toBe(true);
          args.push('-f', join(ROOT, f));
        }
        for (const [k, v] of Object.entries(rel.setValueTemplates ?? {}))
          args.push('--set', `${k}=${sample[String(v)] ?? String(v)}`);
        const out = ok('helm', args);
        const images = parseManifests(out)
          .filter(
            (o) => o.kind === 'Deployment' && o.metadata.labels?.['faena.dev/role'] !== 'otel-collector',
          )
          .map((o) => o.spec.template.spec.containers[0].image);
        const expected =
          profile === 'prod'
            ? `registry.example/faena@sha256:${'a'.repeat(64)}`
            : 'registry.example/faena:abc1234';
        expect([...new Set(images)]).toEqual([expected]);
        const r = kubeconform({ stdin: out }, KUBE_VERSIONS[0]);
        expect(kubeconformSummary(r).problems).toEqual([]);
        expect(r.status).toBe(0);
      }
    },
  );
});
