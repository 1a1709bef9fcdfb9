/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests and parsed YAML/JSON are arbitrary documents */
/**
 * charts/faena: lint, render (default, production-like and dev values), strict schema validation of
 * the rendered manifests with kubeconform (offline Kubernetes + prometheus-operator schemas), the
 * values schema, and the chart's promises: hardened pods, probes, graceful termination, HPA/PDB,
 * ingress routes, NetworkPolicies, migrations hook, OpenTelemetry wiring, Temporal Cloud auth.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Joi from 'joi';
import { parse } from 'yaml';
import { identityConfigSchema, identityWorkerConfigSchema } from '../../services/identity/src/config.ts';
import {
  marketplaceConfigSchema,
  marketplaceWorkerConfigSchema,
} from '../../services/marketplace/src/config.ts';
import {
  notificationsConfigSchema as notificationsApiConfigSchema,
  notificationsWorkerConfigSchema,
} from '../../services/notifications/src/config.ts';
import { paymentsConfigSchema, paymentsWorkerConfigSchema } from '../../services/payments/src/config.ts';
import { gymConfigSchema, gymWorkerConfigSchema } from '../../services/gym/src/config.ts';
import { posConfigSchema, posWorkerConfigSchema } from '../../services/pos/src/config.ts';
import {
  CHART,
  DEV_VALUES,
  KUBE_VERSIONS,
  PROD_VALUES,
  SERVICES,
  type K8sObject,
  kubeconform,
  kubeconformSummary,
  ok,
  podSpecs,
  render,
  run,
  template,
  templateFails,
} from './tools.ts';

const chartMeta = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as {
  appVersion: string;
  version: string;
};
const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const named = (objs: K8sObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o)
    throw new Error(
      `${kind}/${name} not rendered; have ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`,
    );
  return o;
};
const envOf = (container: any): Record<string, any> =>
  Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
/**
 * Every enabled service with a process runs a worker (identity's serves the profiles and operator
 * checks processes ask for; the gym's the activities of its renewal and waitlist processes; pos's
 * runs the low-stock sweeper).
 */
const WORKER_SERVICES = SERVICES;

const VARIANTS: Record<string, { values?: string[]; set?: string[] }> = {
  default: {},
  production: { values: [PROD_VALUES] },
  dev: { values: [DEV_VALUES] },
  'monitors+api-key': {
    set: [
      'metrics.serviceMonitor.enabled=true',
      'temporal.tls.enabled=true',
      'secrets.temporalApiKey=k',
      'secrets.databaseUrl=postgres://u:p@db:5432/faena',
      'secrets.redisUrl=rediss://:p@cache:6380/0',
    ],
  },
};

describe('helm lint', () => {
  test.each([
    ['default values', []],
    ['production-like values', ['-f', PROD_VALUES]],
    ['dev values', ['-f', DEV_VALUES]],
  ])('passes --strict with %s', (_name, args) => {
    const r = run('helm', ['lint', '--strict', CHART, ...args]);
    expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.status).toBe(0);
  });
});

describe('rendered manifests validate against Kubernetes JSON schemas (kubeconform, strict)', () => {
  for (const [variant, opts] of Object.entries(VARIANTS)) {
    test.each(KUBE_VERSIONS)(`${variant} values on Kubernetes %s`, (kubeVersion) => {
      const r = kubeconform({ stdin: template(opts) }, kubeVersion);
      const { summary, problems } = kubeconformSummary(r);
      expect(problems).toEqual([]);
      expect(summary.invalid + summary.errors + summary.skipped).toBe(0);
      expect(summary.valid).toBeGreaterThan(20);
      expect(r.status).toBe(0);
    });
  }

  test('kubeconform really rejects an unknown field (the schemas are strict)', () => {
    const broken = template().replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesytem: true');
    const r = kubeconform({ stdin: broken }, KUBE_VERSIONS[1]);
    expect(r.status).not.toBe(0);
    expect(kubeconformSummary(r).problems.join('\n')).toContain(
      "additional properties 'readOnlyRootFilesytem' not allowed",
    );
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8'));

  test('every object in the schema is closed (additionalProperties: false or a typed map)', () => {
    const open: string[] = [];
    const walk = (node: any, path: string) => {
      if (node && typeof node === 'object') {
        if (node.type === 'object' && node.properties && node.additionalProperties !== false) open.push(path);
        for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
      }
    };
    walk(schema, '');
    expect(schema.additionalProperties).toBe(false);
    expect(open).toEqual([]);
  });

  test.each([
    ['an unknown top-level key', 'replicas=3', "additional properties 'replicas' not allowed"],
    [
      'an unknown nested key',
      'apiDefaults.autoscaling.targetCPU=50',
      "additional properties 'targetCPU' not allowed",
    ],
    ['an unknown service', 'services.billing.enabled=true', "additional properties 'billing' not allowed"],
    [
      'a misspelt per-service override',
      'services.gym.api.replicas=2',
      "additional properties 'replicas' not allowed",
    ],
    ['a wrong type', 'apiDefaults.port=http', 'apiDefaults/port'],
    [
      'a weakened securityContext',
      'containerSecurityContext.allowPrivilegeEscalation=true',
      'allowPrivilegeEscalation',
    ],
    ['a bad database URL', 'secrets.databaseUrl=mysql://x', 'databaseUrl'],
    ['a short service secret', 'secrets.paymentsSecretKey=short', 'paymentsSecretKey'],
    [
      'a misspelt service setting',
      'services.notifications.env.SMTP_USERNAME=x',
      "additional properties 'SMTP_USERNAME' not allowed",
    ],
  ])('rejects %s', (_name, set, message) => {
    expect(templateFails({ set: [set] })).toContain(message);
  });

  test('every key of values.yaml is documented in the chart README', () => {
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const missing: string[] = [];
    const walk = (node: any, path: string) => {
      for (const [k, v] of Object.entries(node)) {
        const p = path ? `${path}.${k}` : k;
        if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 && k !== 'resources')
          walk(v, p);
        else if (!readme.includes(`\`${p}\``)) missing.push(p);
      }
    };
    walk(values, '');
    expect(missing).toEqual([]);
  });
});

describe.each(Object.keys(VARIANTS))('workloads rendered with %s values', (variant) => {
  const objs = render(VARIANTS[variant]);
  const pods = podSpecs(objs);

  test('include an API per enabled service, a worker per service with activities, plus the workflow worker', () => {
    const deployments = byKind(objs, 'Deployment').map((d) => d.metadata.name);
    expect(deployments.sort()).toEqual(
      [
        ...SERVICES.map((s) => `faena-${s}-api`),
        ...WORKER_SERVICES.map((s) => `faena-${s}-worker`),
        'faena-workflow-worker',
        'faena-otel-collector',
      ].sort(),
    );
  });

  test('every pod is hardened (non-root, read-only root fs, no escalation, drop ALL, seccomp RuntimeDefault)', () => {
    expect(pods.length).toBeGreaterThanOrEqual(9);
    for (const { owner, spec } of pods) {
      expect({ owner, runAsNonRoot: spec.securityContext?.runAsNonRoot }).toEqual({
        owner,
        runAsNonRoot: true,
      });
      expect({ owner, seccomp: spec.securityContext?.seccompProfile?.type }).toEqual({
        owner,
        seccomp: 'RuntimeDefault',
      });
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        const sc = c.securityContext ?? {};
        expect({
          owner,
          container: c.name,
          sc: {
            runAsNonRoot: sc.runAsNonRoot,
            readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
            allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
            privileged: sc.privileged,
            drop: sc.capabilities?.drop,
            seccomp: sc.seccompProfile?.type,
          },
        }).toEqual({
          owner,
          container: c.name,
          sc: {
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            drop: ['ALL'],
            seccomp: 'RuntimeDefault',
          },
        });
        expect({
          owner,
          container: c.name,
          requests: Boolean(c.resources?.requests?.memory),
          limits: Boolean(c.resources?.limits?.memory),
        }).toEqual({ owner, container: c.name, requests: true, limits: true });
      }
    }
  });

  test('every long-running container has startup, liveness (/health/live) and readiness (/health/ready) probes', () => {
    for (const d of byKind(objs, 'Deployment')) {
      for (const c of d.spec.template.spec.containers) {
        const where = `${d.metadata.name}/${c.name}`;
        expect({
          where,
          startup: Boolean(c.startupProbe),
          liveness: Boolean(c.livenessProbe),
          readiness: Boolean(c.readinessProbe),
        }).toEqual({ where, startup: true, liveness: true, readiness: true });
        if (d.spec.template.metadata.labels['faena.dev/tier'] === 'app') {
          expect({
            where,
            live: c.livenessProbe.httpGet.path,
            ready: c.readinessProbe.httpGet.path,
            startup: c.startupProbe.httpGet.path,
          }).toEqual({ where, live: '/health/live', ready: '/health/ready', startup: '/health/live' });
        }
      }
    }
  });

  test('termination grace exceeds the drain + grace time the process is given', () => {
    for (const d of byKind(objs, 'Deployment').filter(
      (x) => x.spec.template.metadata.labels['faena.dev/tier'] === 'app',
    )) {
      const env = envOf(d.spec.template.spec.containers[0]);
      const budgetMs = Number(env.SHUTDOWN_DRAIN_MS) + Number(env.SHUTDOWN_GRACE_MS);
      expect({
        d: d.metadata.name,
        ok: d.spec.template.spec.terminationGracePeriodSeconds * 1000 > budgetMs,
      }).toEqual({ d: d.metadata.name, ok: true });
    }
  });

  test('every Faena process gets the config, the secrets and OTEL_* env with service.version = appVersion', () => {
    const cm = named(objs, 'ConfigMap', 'faena');
    expect(cm.data?.SERVICE_VERSION).toBe(chartMeta.appVersion);
    expect(cm.data?.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/^https?:\/\//);
    for (const key of [
      'NODE_ENV',
      'LOG_LEVEL',
      'HOST',
      'CORS_ORIGINS',
      'BODY_LIMIT',
      'DATABASE_POOL_MAX',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TLS',
      'TEMPORAL_TLS_CERT_PATH',
      'TEMPORAL_TLS_KEY_PATH',
      'TEMPORAL_TLS_CA_PATH',
    ]) {
      expect(Object.keys(cm.data ?? {})).toContain(key);
    }
    for (const d of byKind(objs, 'Deployment').filter(
      (x) => x.spec.template.metadata.labels['faena.dev/tier'] === 'app',
    )) {
      const c = d.spec.template.spec.containers[0];
      const env = envOf(c);
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'faena' } }]);
      for (const key of [
        'SERVICE_NAME',
        'PORT',
        'SHUTDOWN_DRAIN_MS',
        'SHUTDOWN_GRACE_MS',
        'DATABASE_URL',
        'REDIS_URL',
        'TEMPORAL_API_KEY',
        'OTEL_SERVICE_NAME',
        'OTEL_RESOURCE_ATTRIBUTES',
      ]) {
        expect({ d: d.metadata.name, key, present: key in env }).toEqual({
          d: d.metadata.name,
          key,
          present: true,
        });
      }
      expect(env.OTEL_RESOURCE_ATTRIBUTES).toContain(`service.version=${chartMeta.appVersion}`);
      expect(c.args.slice(0, 2)).toEqual(['--import', '@faena/platform/telemetry/register']);
    }
  });

  test("each service's pods get exactly its own secrets, under the names its config schema reads", () => {
    const own: Record<string, string[]> = {
      identity: ['KEY_ENCRYPTION_SECRET', 'NOTIFICATIONS_SERVICE_TOKEN'],
      // its worker reads only PostgreSQL and Temporal (services.identity.workerSecretEnv: [])
      'identity-worker': [],
      payments: ['PAYMENTS_SECRET_KEY'],
      marketplace: ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'],
      // static S3 keys for trainers' certificates and member photos, when the Secret has them
      gym: ['CHECKIN_TOKEN_SECRET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'],
      // its worker reads only PostgreSQL and Temporal (services.gym.workerSecretEnv: [])
      'gym-worker': [],
      // static S3 keys for product images, when the Secret has them
      pos: ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'],
      // its worker reads only PostgreSQL and Temporal (services.pos.workerSecretEnv: [])
      'pos-worker': [],
      notifications: ['NOTIFICATIONS_SERVICE_TOKEN', 'SMTP_PASS', 'SMTP_USER', 'WEBHOOK_SECRET_KEY'],
      workflows: [],
    };
    const common = ['DATABASE_URL', 'REDIS_URL', 'TEMPORAL_API_KEY'];
    for (const d of byKind(objs, 'Deployment').filter(
      (x) => x.spec.template.metadata.labels['faena.dev/tier'] === 'app',
    )) {
      const service = d.spec.template.metadata.labels['faena.dev/service'];
      const component = d.spec.template.metadata.labels['app.kubernetes.io/component'];
      const secretKeys = (d.spec.template.spec.containers[0].env ?? [])
        .filter((e: any) => e.valueFrom?.secretKeyRef)
        .map((e: any) => e.valueFrom.secretKeyRef.key)
        .filter((k: string) => !common.includes(k))
        .sort();
      expect({ d: d.metadata.name, secretKeys }).toEqual({
        d: d.metadata.name,
        secretKeys: own[component] ?? own[service],
      });
    }
    const payments = envOf(
      named(objs, 'Deployment', 'faena-payments-worker').spec.template.spec.containers[0],
    );
    expect(payments.PAYMENTS_SECRET_KEY).toBeDefined();
    expect(payments.MERCADOPAGO_ACCESS_TOKEN).toBeUndefined();
    expect(payments.MERCADOPAGO_WEBHOOK_SECRET).toBeUndefined();
    expect(payments.MERCADOPAGO_BASE_URL).toBe('https://api.mercadopago.com');
    expect(payments.PAYMENTS_PUBLIC_URL).toMatch(/^https?:\/\/.+/);
    const notifications = envOf(
      named(objs, 'Deployment', 'faena-notifications-api').spec.template.spec.containers[0],
    );
    expect(notifications.SMTP_USER.secretKeyRef.optional).toBe(true);
    expect(notifications.SMTP_PASS.secretKeyRef.optional).toBe(true);
    expect(notifications.SMTP_USERNAME).toBeUndefined();
    expect(notifications.SMTP_PASSWORD).toBeUndefined();
  });

  test("every enabled service's API pod gets every variable its joi config schema requires", () => {
    const schemas: Record<string, Joi.ObjectSchema> = {
      identity: identityConfigSchema,
      payments: paymentsConfigSchema,
      marketplace: marketplaceConfigSchema,
      gym: gymConfigSchema,
      pos: posConfigSchema,
      notifications: notificationsApiConfigSchema,
    };
    const required = (schema: Joi.ObjectSchema) =>
      Object.entries((schema.describe() as any).keys as Record<string, any>)
        .filter(([, d]) => d.flags?.presence === 'required')
        .map(([k]) => k);
    const cm = named(objs, 'ConfigMap', 'faena');
    for (const s of SERVICES) {
      const c = named(objs, 'Deployment', `faena-${s}-api`).spec.template.spec.containers[0];
      const env = { ...cm.data, ...envOf(c) };
      const need = required(schemas[s]!);
      // Required only for one storage driver (`when`), so not flagged `required` by describe().
      if (s === 'marketplace') need.push(env.STORAGE_DRIVER === 'local' ? 'STORAGE_DIR' : 'S3_BUCKET');
      expect(need.length).toBeGreaterThan(3);
      const missing = need.filter((k) => env[k] === undefined || env[k] === '');
      expect({ service: s, missing }).toEqual({ service: s, missing: [] });
    }
  });

  test("every worker's pod env satisfies its service's worker config schema", () => {
    const schemas: Record<string, Joi.ObjectSchema> = {
      identity: identityWorkerConfigSchema,
      payments: paymentsWorkerConfigSchema,
      marketplace: marketplaceWorkerConfigSchema,
      gym: gymWorkerConfigSchema,
      pos: posWorkerConfigSchema,
      notifications: notificationsWorkerConfigSchema,
    };
    // Secret references stand for values the Secret holds; the rest is the env as rendered.
    const placeholders: Record<string, string> = {
      DATABASE_URL: 'postgres://faena:secret@db:5432/faena',
      REDIS_URL: 'redis://cache:6379/0',
      MERCADOPAGO_BASE_URL: 'https://api.mercadopago.com',
      PAYMENTS_PUBLIC_URL: 'https://faena.example.com',
    };
    for (const s of WORKER_SERVICES) {
      const c = named(objs, 'Deployment', `faena-${s}-worker`).spec.template.spec.containers[0];
      const env = Object.fromEntries(
        Object.entries({ ...named(objs, 'ConfigMap', 'faena').data, ...envOf(c) })
          .filter(([k, v]) => typeof v === 'string' || v?.secretKeyRef || k in placeholders)
          .map(([k, v]) => [
            k,
            typeof v === 'string'
              ? v
              : (placeholders[k] ?? 'from-the-secret-from-the-secret-from-the-secret'),
          ]),
      );
      const { error, value } = schemas[s]!.validate(env, {
        abortEarly: false,
        allowUnknown: true,
        convert: true,
      });
      expect({ worker: s, problems: error?.details.map((d) => d.message) ?? [] }).toEqual({
        worker: s,
        problems: [],
      });
      expect(value).toMatchObject({
        SERVICE_NAME: `${s}-worker`,
        PORT: 3001,
        TEMPORAL_ADDRESS: expect.any(String),
        ...(envOf(c).SHUTDOWN_GRACE_MS && { SHUTDOWN_GRACE_MS: Number(envOf(c).SHUTDOWN_GRACE_MS) }),
      });
    }
  });

  /** Every worker serves its health and own metrics on `health`, the Temporal SDK's metrics on `sdk-metrics`. */
  const WORKER_PORTS = [
    { name: 'health', containerPort: 3001, protocol: 'TCP' },
    { name: 'sdk-metrics', containerPort: 3002, protocol: 'TCP' },
  ];
  test('APIs, workers and the workflow worker run the right entry point and task queue', () => {
    for (const s of SERVICES) {
      const api = named(objs, 'Deployment', `faena-${s}-api`).spec.template.spec.containers[0];
      expect(api.args[2]).toBe(`services/${s}/src/main.ts`);
      expect(api.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    }
    for (const s of WORKER_SERVICES) {
      const worker = named(objs, 'Deployment', `faena-${s}-worker`).spec.template.spec.containers[0];
      expect(worker.args[2]).toBe(`services/${s}/src/worker.ts`);
      expect(worker.ports).toEqual(WORKER_PORTS);
      expect(envOf(worker).TEMPORAL_TASK_QUEUE).toBe(s);
      expect(envOf(worker).TEMPORAL_METRICS_PORT).toBe('3002');
    }
    const wf = named(objs, 'Deployment', 'faena-workflow-worker').spec.template.spec.containers[0];
    expect(wf.args[2]).toBe('workflows/src/worker.ts');
    expect(wf.ports).toEqual(WORKER_PORTS);
    expect(envOf(wf).TEMPORAL_METRICS_PORT).toBe('3002');
    expect(envOf(wf).TEMPORAL_TASK_QUEUE).toBe('workflows');
    expect(envOf(wf).WORKFLOW_BUNDLE_PATH).toBe('/app/workflows/dist/workflow-bundle.js');
  });

  test('HPAs (autoscaling/v2, CPU and memory) replace replicas; otherwise replicas are set', () => {
    const hpas = new Map(byKind(objs, 'HorizontalPodAutoscaler').map((h) => [h.spec.scaleTargetRef.name, h]));
    for (const d of byKind(objs, 'Deployment').filter(
      (x) => x.spec.template.metadata.labels['faena.dev/tier'] === 'app',
    )) {
      const hpa = hpas.get(d.metadata.name);
      if (hpa) {
        expect(hpa.apiVersion).toBe('autoscaling/v2');
        expect(hpa.spec.metrics.map((m: any) => m.resource.name).sort()).toEqual(['cpu', 'memory']);
        expect({ d: d.metadata.name, replicas: d.spec.replicas }).toEqual({
          d: d.metadata.name,
          replicas: undefined,
        });
      } else {
        expect({ d: d.metadata.name, replicas: typeof d.spec.replicas }).toEqual({
          d: d.metadata.name,
          replicas: 'number',
        });
      }
    }
  });

  test('pods spread over the topology and disruption budgets cover every component (unless turned off)', () => {
    const pdbs = byKind(objs, 'PodDisruptionBudget').map(
      (p) => p.spec.selector.matchLabels['app.kubernetes.io/component'],
    );
    for (const d of byKind(objs, 'Deployment')) {
      const component = d.spec.selector.matchLabels['app.kubernetes.io/component'];
      if (variant !== 'dev') {
        expect(pdbs).toContain(component);
        const spread = d.spec.template.spec.topologySpreadConstraints ?? [];
        expect({ d: d.metadata.name, keys: spread.length > 0 }).toEqual({ d: d.metadata.name, keys: true });
        for (const t of spread)
          expect(t.labelSelector.matchLabels['app.kubernetes.io/component']).toBe(component);
      }
    }
  });

  test('standard labels on every object; selectors use the helm-create selector labels', () => {
    for (const o of objs) {
      const l = o.metadata.labels ?? {};
      expect({
        o: `${o.kind}/${o.metadata.name}`,
        name: l['app.kubernetes.io/name'],
        instance: l['app.kubernetes.io/instance'],
        managedBy: l['app.kubernetes.io/managed-by'],
        chart: l['helm.sh/chart'],
      }).toEqual({
        o: `${o.kind}/${o.metadata.name}`,
        name: 'faena',
        instance: 'faena',
        managedBy: 'Helm',
        chart: `faena-${chartMeta.version}`,
      });
    }
    for (const d of byKind(objs, 'Deployment')) {
      expect(Object.keys(d.spec.selector.matchLabels).sort()).toEqual([
        'app.kubernetes.io/component',
        'app.kubernetes.io/instance',
        'app.kubernetes.io/name',
      ]);
    }
  });
});

describe('default values', () => {
  const objs = render();

  test('ingress routes /api/<service> to each API Service', () => {
    const ing = named(objs, 'Ingress', 'faena');
    const paths = ing.spec.rules[0].http.paths.map((p: any) => [
      p.path,
      p.pathType,
      p.backend.service.name,
      p.backend.service.port.name,
    ]);
    expect(paths.sort()).toEqual(
      SERVICES.map((s) => [`/api/${s}`, 'Prefix', `faena-${s}-api`, 'http']).sort(),
    );
    for (const s of SERVICES) {
      const svc = named(objs, 'Service', `faena-${s}-api`);
      expect(svc.spec.ports[0].targetPort).toBe('http');
      expect(svc.spec.selector['app.kubernetes.io/component']).toBe(`${s}-api`);
    }
  });

  test('one ServiceAccount without a token for Faena pods; the chart-made Secret holds the URLs', () => {
    const sa = named(objs, 'ServiceAccount', 'faena');
    expect(sa.automountServiceAccountToken).toBe(false);
    for (const { spec, owner } of podSpecs(objs)) {
      if (owner.includes('otel-collector')) continue;
      expect({ owner, token: spec.automountServiceAccountToken }).toEqual({ owner, token: false });
    }
    const secret = named(objs, 'Secret', 'faena');
    expect(Object.keys(secret.stringData ?? {}).sort()).toEqual([
      'CHECKIN_TOKEN_SECRET',
      'DATABASE_URL',
      'KEY_ENCRYPTION_SECRET',
      'NOTIFICATIONS_SERVICE_TOKEN',
      'PAYMENTS_SECRET_KEY',
      'REDIS_URL',
      'WEBHOOK_SECRET_KEY',
    ]);
    const withSmtp = named(render({ set: ['secrets.smtpUser=u', 'secrets.smtpPass=p'] }), 'Secret', 'faena');
    expect(withSmtp.stringData).toMatchObject({ SMTP_USER: 'u', SMTP_PASS: 'p' });
  });

  test('NetworkPolicies restrict ingress and egress of Faena pods and the collector', () => {
    const apps = named(objs, 'NetworkPolicy', 'faena-apps');
    expect(apps.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(apps.spec.podSelector.matchLabels['faena.dev/tier']).toBe('app');
    const egressPorts = apps.spec.egress.flatMap((r: any) => (r.ports ?? []).map((p: any) => p.port));
    expect(egressPorts).toEqual(expect.arrayContaining([53, 5432, 6379, 7233, 4317, 4318]));
    const collector = named(objs, 'NetworkPolicy', 'faena-otel-collector');
    expect(collector.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // The notifications worker delivers webhooks to tenant-chosen URLs: HTTPS to any address but
    // the private, loopback, link-local (metadata) and CGNAT ranges; the apps policy leaves it out.
    expect(apps.spec.podSelector.matchExpressions).toEqual([
      {
        key: 'app.kubernetes.io/component',
        operator: 'NotIn',
        values: ['notifications-worker', 'pos-worker'],
      },
    ]);
    // The POS worker prints over raw TCP to kitchen printers on the restaurants' LANs: 9100 to the
    // private ranges only (never 0.0.0.0/0), the cluster's ranges carved out when given.
    const pos = named(objs, 'NetworkPolicy', 'faena-pos-worker');
    expect(pos.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('pos-worker');
    const printing = pos.spec.egress.filter((r: any) => r.ports?.some((p: any) => p.port === 9100));
    expect(printing).toHaveLength(1);
    expect(printing[0].ports).toEqual([{ port: 9100, protocol: 'TCP' }]);
    expect(printing[0].to).toEqual([
      { ipBlock: { cidr: '10.0.0.0/8' } },
      { ipBlock: { cidr: '172.16.0.0/12' } },
      { ipBlock: { cidr: '192.168.0.0/16' } },
    ]);
    expect(apps.spec.egress.some((r: any) => r.ports?.some((p: any) => p.port === 9100))).toBe(false);
    const carved = named(
      render({
        set: [
          'networkPolicy.printerEgressBlocks[0].cidr=10.0.0.0/8',
          'networkPolicy.printerEgressBlocks[0].except[0]=10.96.0.0/12',
        ],
      }),
      'NetworkPolicy',
      'faena-pos-worker',
    );
    expect(carved.spec.egress.find((r: any) => r.ports?.some((p: any) => p.port === 9100)).to[0]).toEqual({
      ipBlock: { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] },
    });
    const worker = named(objs, 'NetworkPolicy', 'faena-notifications-worker');
    expect(worker.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('notifications-worker');
    const https = worker.spec.egress.filter((r: any) => r.ports?.some((p: any) => p.port === 443));
    expect(https).toHaveLength(1);
    expect(https[0].to).toEqual([
      {
        ipBlock: {
          cidr: '0.0.0.0/0',
          except: expect.arrayContaining([
            '10.0.0.0/8',
            '172.16.0.0/12',
            '192.168.0.0/16',
            '127.0.0.0/8',
            '169.254.0.0/16',
            '100.64.0.0/10',
          ]),
        },
      },
    ]);
    expect(worker.spec.egress.flatMap((r: any) => (r.ports ?? []).map((p: any) => p.port))).toEqual(
      expect.arrayContaining([53, 5432, 6379, 7233, 4317, 443]),
    );
  });

  test('migrations run as a pre-install/pre-upgrade hook Job, one step per enabled service', () => {
    const job = named(objs, 'Job', 'faena-migrations');
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const steps = job.spec.template.spec.initContainers.map((c: any) => c.args);
    expect(steps).toEqual(SERVICES.map((s) => [`services/${s}/src/migrate.ts`, 'up']));
    // The hook brings its own config: the release's ConfigMap/Secret/ServiceAccount do not exist yet.
    for (const kind of ['ServiceAccount', 'ConfigMap', 'Secret']) {
      expect(named(objs, kind, 'faena-migrations').metadata.annotations?.['helm.sh/hook']).toBe(
        'pre-install,pre-upgrade',
      );
      expect(
        Number(named(objs, kind, 'faena-migrations').metadata.annotations?.['helm.sh/hook-weight']),
      ).toBeLessThan(0);
    }
    const without = named(render({ set: ['services.marketplace.enabled=false'] }), 'Job', 'faena-migrations');
    expect(without.spec.template.spec.initContainers.map((c: any) => c.name)).not.toContain(
      'migrate-marketplace',
    );
  });

  test('the OpenTelemetry Collector: OTLP in, memory_limiter first, k8sattributes, redaction, batch last', () => {
    const cm = named(objs, 'ConfigMap', 'faena-otel-collector');
    const config = parse(cm.data?.['config.yaml'] ?? '');
    expect(Object.keys(config.receivers)).toEqual(['otlp']);
    const traces = config.service.pipelines.traces.processors;
    expect(traces[0]).toBe('memory_limiter');
    expect(traces.at(-1)).toBe('batch');
    expect(traces).toEqual(
      expect.arrayContaining(['k8sattributes', 'redaction', 'attributes/drop-sensitive']),
    );
    expect(config.processors.redaction.blocked_values.length).toBeGreaterThan(0);
    expect(config.processors['attributes/drop-sensitive'].actions[0].pattern).toMatch(/password/);
    expect(config.service.pipelines.traces.exporters).toEqual(['otlp']);
    expect(config.service.pipelines.metrics.exporters).toEqual(['prometheus']);
    const role = named(objs, 'ClusterRole', 'faena-faena-otel-collector');
    expect(role.rules.flatMap((r: any) => r.resources)).toEqual(
      expect.arrayContaining(['pods', 'namespaces', 'replicasets']),
    );
  });

  test('exporters follow values: OTLP off and debug on changes the pipelines', () => {
    const objs2 = render({
      set: ['otelCollector.exporters.otlp.enabled=false', 'otelCollector.exporters.prometheus.enabled=false'],
    });
    const config = parse(named(objs2, 'ConfigMap', 'faena-otel-collector').data?.['config.yaml'] ?? '');
    expect(config.service.pipelines.traces.exporters).toEqual(['debug']);
    expect(Object.keys(config.exporters)).toEqual(['debug']);
  });

  test('no ServiceMonitor/PodMonitor unless the flag is on; with it, targets carry faena_service', () => {
    expect(objs.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')).toEqual([]);
    const on = render({ set: ['metrics.serviceMonitor.enabled=true'] });
    const sm = named(on, 'ServiceMonitor', 'faena-apis');
    expect(sm.spec.endpoints[0].path).toBe('/metrics');
    expect(sm.spec.endpoints[0].relabelings.map((r: any) => r.targetLabel)).toEqual([
      'faena_service',
      'faena_role',
    ]);
    // Both worker endpoints, each with the labels the rules and dashboards select on.
    const endpoints = named(on, 'PodMonitor', 'faena-workers').spec.podMetricsEndpoints;
    expect(endpoints.map((e: any) => e.port)).toEqual(['health', 'sdk-metrics']);
    for (const e of endpoints)
      expect(e.relabelings.map((r: any) => r.targetLabel)).toEqual(['faena_service', 'faena_role']);
  });

  test('a termination grace shorter than drain + grace fails the render', () => {
    expect(templateFails({ set: ['apiDefaults.terminationGracePeriodSeconds=20'] })).toContain(
      'must exceed shutdown.drainMs + shutdown.graceMs',
    );
  });

  test('a disabled service renders nothing for it', () => {
    const names = render({ set: ['services.marketplace.enabled=false'] }).map((o) => o.metadata.name);
    expect(names.filter((n) => n.includes('-marketplace-'))).toEqual([]);
    // A service whose worker is turned off renders its API and no worker.
    const pos = render({ set: ['services.pos.worker.enabled=false'] })
      .filter((o) => o.kind === 'Deployment')
      .map((o) => o.metadata.name)
      .filter((n) => /-pos-/.test(n));
    expect(pos).toEqual([expect.stringMatching(/-pos-api$/)]);
  });

  test('NOTES.txt renders with the workloads and warns about missing connection URLs', () => {
    // helm renders NOTES.txt only on install (which needs a cluster): render it through tpl in a copy.
    const dir = mkdtempSync(join(tmpdir(), 'faena-notes-'));
    cpSync(CHART, join(dir, 'faena'), { recursive: true });
    cpSync(join(CHART, 'templates', 'NOTES.txt'), join(dir, 'faena', 'notes-under-test.txt'));
    writeFileSync(
      join(dir, 'faena', 'templates', 'zz-notes-under-test.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get "notes-under-test.txt") . | quote }}\n',
    );
    const out = ok('helm', [
      'template',
      'faena',
      join(dir, 'faena'),
      '--show-only',
      'templates/zz-notes-under-test.yaml',
    ]);
    const notes = (parse(out) as { data: { notes: string } }).data.notes;
    expect(notes).toContain('faena-workflow-worker  (Temporal task queue "workflows")');
    expect(notes).toContain('faena-identity-api');
    expect(notes).toContain('http://api.faena.local/api/payments/v1/');
    expect(notes).toContain('WARNING: secrets.databaseUrl');
  });
});

describe('production-like values', () => {
  const objs = render({ values: [PROD_VALUES] });

  test('use the existing Secret and create none', () => {
    expect(byKind(objs, 'Secret')).toEqual([]);
    const env = named(objs, 'Deployment', 'faena-payments-api').spec.template.spec.containers[0].env;
    const db = env.find((e: any) => e.name === 'DATABASE_URL');
    expect(db.valueFrom.secretKeyRef.name).toBe('faena-runtime');
    const job = named(objs, 'Job', 'faena-migrations');
    expect(job.spec.template.spec.initContainers[0].env[1].valueFrom.secretKeyRef.name).toBe('faena-runtime');
  });

  test('pin the image by digest', () => {
    for (const { spec } of podSpecs(objs).filter((p) => !p.owner.includes('otel'))) {
      for (const c of spec.containers)
        expect(c.image).toMatch(/^ghcr\.io\/faena\/faena@sha256:[a-f0-9]{64}$/);
    }
  });

  test('Temporal Cloud over mTLS: TLS on, client cert mounted read-only, paths in the config', () => {
    const cm = named(objs, 'ConfigMap', 'faena');
    expect(cm.data).toMatchObject({
      TEMPORAL_TLS: 'true',
      TEMPORAL_ADDRESS: 'faena-prod.a1b2c.tmprl.cloud:7233',
      TEMPORAL_TLS_CERT_PATH: '/etc/faena/temporal-tls/tls.crt',
      TEMPORAL_TLS_KEY_PATH: '/etc/faena/temporal-tls/tls.key',
      TEMPORAL_TLS_CA_PATH: '',
    });
    const pod = named(objs, 'Deployment', 'faena-workflow-worker').spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: 'temporal-tls',
      secret: { secretName: 'faena-temporal-mtls', defaultMode: 0o440 },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'temporal-tls',
      mountPath: '/etc/faena/temporal-tls',
      readOnly: true,
    });
  });

  test('per-service overrides merge over the defaults (false and numbers included)', () => {
    expect(named(objs, 'HorizontalPodAutoscaler', 'faena-payments-api').spec.minReplicas).toBe(4);
    expect(named(objs, 'HorizontalPodAutoscaler', 'faena-marketplace-api').spec.minReplicas).toBe(3);
    expect(
      objs.find(
        (o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'faena-notifications-worker',
      ),
    ).toBeUndefined();
    expect(named(objs, 'Deployment', 'faena-notifications-worker').spec.replicas).toBe(3);
    expect(
      named(objs, 'Deployment', 'faena-workflow-worker').spec.template.spec.terminationGracePeriodSeconds,
    ).toBe(150);
  });

  test('TLS ingress from values; monitors carry the Prometheus selector label', () => {
    const ing = named(objs, 'Ingress', 'faena');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.tls).toEqual([{ secretName: 'faena-api-tls', hosts: ['api.faena.lat'] }]);
    expect(named(objs, 'ServiceMonitor', 'faena-apis').metadata.labels?.release).toBe(
      'kube-prometheus-stack',
    );
  });
});

describe('Temporal API-key auth', () => {
  test('TLS without client certificates; the key comes from the Secret', () => {
    const objs = render({ set: ['temporal.tls.enabled=true', 'secrets.temporalApiKey=abc'] });
    expect(named(objs, 'ConfigMap', 'faena').data).toMatchObject({
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CERT_PATH: '',
    });
    expect(named(objs, 'Secret', 'faena').stringData?.TEMPORAL_API_KEY).toBe('abc');
    expect(
      named(objs, 'Deployment', 'faena-payments-worker').spec.template.spec.volumes.map((v: any) => v.name),
    ).toEqual(['tmp']);
  });

  test('a client certificate without TLS is refused', () => {
    expect(templateFails({ set: ['temporal.tls.clientCertSecret=x'] })).toContain('temporal.tls.enabled');
  });
});

test('helm package builds the chart archive (Chart.yaml, schema and templates are packageable)', () => {
  const out = ok('helm', ['package', CHART, '--destination', tmpdir()]);
  expect(out).toMatch(/Successfully packaged chart and saved it to: .*faena-\d+\.\d+\.\d+\.tgz/);
});
