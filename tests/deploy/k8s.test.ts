/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests and parsed YAML/JSON are arbitrary documents */
/**
 * k8s/: cluster manifests validate against the offline schemas; the SLO PrometheusRules are exactly
 * what scripts/slo-rules.ts generates from the specs, pass promtool, and their burn-rate alerts fire
 * (and stay quiet) as the specs say under promtool's rule unit tests; Grafana dashboards are valid
 * JSON with unique stable UIDs and a datasource variable, shipped as labelled ConfigMaps.
 *
 * Dashboards are checked structurally here because Grafana's dashboard linter cannot be installed
 * (github.com/grafana/dashboard-linter: the Go module proxy lists no version, v0.1.1 is refused):
 * the UID is stable and names the file, a `${datasource}` variable exists and every panel and
 * target uses it, panel ids are unique, every panel has a unit and at least one non-empty query.
 * That each query returns data from the running services is tests/observability's job.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writePrometheusConfig } from '../../scripts/prometheus.ts';
import { parse, stringify } from 'yaml';
import {
  KUBE_VERSIONS,
  ROOT,
  type K8sObject,
  kubeconform,
  kubeconformSummary,
  node,
  parseManifests,
  run,
  writeTemp,
} from './tools.ts';

const K8S = join(ROOT, 'k8s');
const SPECS = join(K8S, 'slo', 'specs');
const RULES = join(K8S, 'slo', 'rules');
const DASHBOARDS = join(K8S, 'dashboards');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(p);
    return e.name.endsWith('.yaml') ? [p] : [];
  });
}

/** Every manifest under k8s/ (the SLO specs and the kustomization are inputs, not objects). */
const manifests = yamlFiles(K8S).filter(
  (f) => !f.includes('/slo/specs/') && !f.includes('/slo/planned/') && !f.endsWith('kustomization.yaml'),
);

interface Spec {
  service: string;
  labels?: Record<string, string>;
  slos: {
    name: string;
    objective: number;
    description?: string;
    sli: { events: { error_query: string; total_query: string } };
    alerting: {
      name: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      page_alert?: { labels?: Record<string, string> };
      ticket_alert?: { labels?: Record<string, string> };
    };
  }[];
}
const specs: Spec[] = readdirSync(SPECS)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(join(SPECS, f), 'utf8')) as Spec);
const ruleOf = (service: string): K8sObject => {
  const [rule] = parseManifests(readFileSync(join(RULES, `${service}.yaml`), 'utf8'));
  if (!rule) throw new Error(`k8s/slo/rules/${service}.yaml is empty`);
  return rule;
};
const budget = (objective: number) => Number((1 - objective / 100).toFixed(12));

describe('cluster manifests', () => {
  test.each(KUBE_VERSIONS)(
    'validate against the Kubernetes and prometheus-operator schemas (%s, strict)',
    (v) => {
      const r = kubeconform(manifests, v);
      const { summary, problems } = kubeconformSummary(r);
      expect(problems).toEqual([]);
      expect(summary.valid).toBeGreaterThanOrEqual(20);
      expect(r.status).toBe(0);
    },
  );

  test('the namespace enforces the restricted Pod Security profile, with quotas and limits', () => {
    const objs = [
      'namespace/namespace.yaml',
      'namespace/resource-quota.yaml',
      'namespace/limit-range.yaml',
    ].flatMap((f) => parseManifests(readFileSync(join(K8S, f), 'utf8')));
    const ns = objs.find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const quota = objs.find((o) => o.kind === 'ResourceQuota' && o.metadata.name === 'faena-compute')!;
    expect(Object.keys(quota.spec.hard)).toEqual(
      expect.arrayContaining(['requests.cpu', 'requests.memory', 'limits.memory', 'pods']),
    );
    const limits = objs.find((o) => o.kind === 'LimitRange')!;
    expect(limits.spec.limits.find((l: any) => l.type === 'Container').defaultRequest).toBeDefined();
  });

  test('the kustomization lists every cluster manifest (dev dependencies excepted) and nothing else', () => {
    const k = parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const expected = manifests
      .map((f) => relative(K8S, f))
      .filter((f) => !f.startsWith('dev/'))
      .sort();
    expect([...k.resources].sort()).toEqual(expected);
  });
});

describe('SLO rules', () => {
  test('are up to date: regenerating from the specs gives no diff', () => {
    const r = node([join(ROOT, 'scripts', 'slo-rules.ts'), '--check']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^up to date:/);
    expect(r.status).toBe(0);
  });

  // What is not built keeps its spec in k8s/slo/planned/: an SLO on a metric nobody emits is an
  // alert that can never fire (tests/observability proves the rest).
  test('cover API availability and latency for every built service, and its business processes', () => {
    const slos = specs.flatMap((s) => s.slos.map((x) => `${s.service}/${x.name}`)).sort();
    const expected = ['identity', 'payments', 'marketplace', 'notifications', 'gym', 'pos']
      .flatMap((s) => [`${s}/requests-availability`, `${s}/requests-latency`])
      .concat(['processes/escrow-payout-on-time', 'processes/payment-sync-60s', 'processes/renewal-success'])
      // The POS's order routes' latency and the kitchen's ticket age (issue 17).
      .concat(['pos/order-latency', 'pos/kitchen-ticket-age'])
      // Kitchen printing and the nightly cash closure (issue 18).
      .concat(['processes/print-delivered-60s', 'processes/cash-closure-by-0600'])
      .sort();
    expect(slos).toEqual(expected);
    expect(readdirSync(RULES).sort()).toEqual(specs.map((s) => `${s.service}.yaml`).sort());
  });

  test.each(specs.map((s) => [s.service, s] as const))(
    '%s: recordings for every window and multi-window multi-burn-rate alerts from the spec',
    (service, spec) => {
      const rule = ruleOf(service);
      expect(rule.kind).toBe('PrometheusRule');
      const rules = rule.spec.groups.flatMap((g: any) => g.rules);
      for (const slo of spec.slos) {
        const id = `${service}-${slo.name}`;
        const sli = rules.filter(
          (r: any) => r.record?.startsWith('slo:sli_error:ratio_rate') && r.labels.sloth_id === id,
        );
        expect(sli.map((r: any) => r.labels.sloth_window)).toEqual([
          '5m',
          '30m',
          '1h',
          '2h',
          '6h',
          '1d',
          '3d',
          '30d',
        ]);
        for (const r of sli.filter((x: any) => x.labels.sloth_window !== '30d')) {
          const w = r.labels.sloth_window;
          expect(r.expr).toContain(slo.sli.events.error_query.replaceAll('{{.window}}', w));
          expect(r.expr).toContain(slo.sli.events.total_query.replaceAll('{{.window}}', w));
        }
        const meta = (name: string) => rules.find((r: any) => r.record === name && r.labels.sloth_id === id);
        expect(meta('slo:objective:ratio').expr).toBe(`vector(${Number((slo.objective / 100).toFixed(12))})`);
        expect(meta('slo:error_budget:ratio').expr).toBe(`vector(${budget(slo.objective)})`);
        const alerts = rules.filter((r: any) => r.alert === slo.alerting.name);
        expect(alerts.map((a: any) => a.labels.sloth_severity)).toEqual(['page', 'ticket']);
        const b = budget(slo.objective);
        const [page, ticket] = alerts;
        for (const [short, long, f] of [
          ['5m', '1h', 14.4],
          ['30m', '6h', 6],
        ] as const) {
          expect(page.expr).toContain(`slo:sli_error:ratio_rate${short}{sloth_id="${id}"`);
          expect(page.expr).toContain(`slo:sli_error:ratio_rate${long}{sloth_id="${id}"`);
          expect(page.expr).toContain(`> (${f} * ${b})`);
        }
        for (const [short, long, f] of [
          ['2h', '1d', 3],
          ['6h', '3d', 1],
        ] as const) {
          expect(ticket.expr).toContain(`slo:sli_error:ratio_rate${short}{sloth_id="${id}"`);
          expect(ticket.expr).toContain(`slo:sli_error:ratio_rate${long}{sloth_id="${id}"`);
          expect(ticket.expr).toContain(`> (${f} * ${b})`);
        }
        expect(page.labels.severity).toBe('page');
        expect(ticket.labels.severity).toBe('ticket');
        expect(page.annotations.runbook_url).toMatch(/docs\/deploy\.md#/);
      }
    },
  );

  test('every alert links a runbook section that exists in docs/deploy.md', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes.
    const anchors = new Set(
      [...doc.matchAll(/^#+\s+(.+)$/gm)].map((m) =>
        (m[1] ?? '')
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const urls = specs.flatMap((s) => s.slos.map((x) => x.alerting.annotations?.runbook_url ?? ''));
    for (const url of urls) {
      const anchor = url.split('#')[1] ?? '';
      expect({ url, exists: anchors.has(anchor) }).toEqual({ url, exists: true });
    }
  });

  test("the local Prometheus config (scripts/prometheus.ts, make dev's) passes promtool and loads every rule file", () => {
    const dir = dirname(writeTemp('placeholder', ''));
    const files = writePrometheusConfig({
      dir: relative(process.cwd(), dir), // dev.sh passes a relative folder
      targets: [{ service: 'payments', role: 'api', port: 4002 }],
    });
    const r = run('promtool', ['check', 'config', files.config]);
    expect(r.status).toBe(0);
    expect((r.stdout.match(/SUCCESS: \d+ rules found/g) ?? []).length).toBe(specs.length);
  });

  test('pass promtool check rules', () => {
    const files = specs.map((s) =>
      writeTemp(`${s.service}.rules.yaml`, stringify({ groups: ruleOf(s.service).spec.groups })),
    );
    const r = run('promtool', ['check', 'rules', ...files]);
    expect(r.stderr).toBe('');
    expect((r.stdout.match(/SUCCESS/g) ?? []).length).toBe(files.length);
    expect(r.status).toBe(0);
  });

  /**
   * promtool unit tests built from the specs: one bad hour (the error ratio far above the page
   * threshold) must fire both alerts with the spec's labels; a healthy hour must fire nothing.
   */
  test.each([
    ['identity', 'requests-availability'],
    ['payments', 'requests-latency'],
    ['processes', 'escrow-payout-on-time'],
    ['processes', 'payment-sync-60s'],
    ['pos', 'order-latency'],
    ['pos', 'kitchen-ticket-age'],
  ])(
    '%s %s: burn-rate alerts fire on a bad hour and stay quiet on a good one (promtool test rules)',
    (service, sloName) => {
      const spec = specs.find((s) => s.service === service)!;
      const slo = spec.slos.find((s) => s.name === sloName)!;
      const rulesFile = writeTemp(
        `${service}.rules.yaml`,
        stringify({ groups: ruleOf(service).spec.groups }),
      );
      const series = seriesFor(service, sloName);
      const alertLabels = (severity: 'page' | 'ticket') => ({
        ...(spec.labels ?? {}),
        sloth_id: `${service}-${sloName}`,
        sloth_service: service,
        sloth_slo: sloName,
        ...(slo.alerting.labels ?? {}),
        ...((severity === 'page' ? slo.alerting.page_alert : slo.alerting.ticket_alert)?.labels ?? {}),
        sloth_severity: severity,
      });
      const annotations = (severity: string) => ({
        title: `(${severity}) ${service} ${sloName} SLO error budget burn rate is too high.`,
        description: slo.description ?? '',
        ...(slo.alerting.annotations ?? {}),
      });
      const tests = {
        rule_files: [rulesFile],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: series.bad,
            alert_rule_test: [
              {
                eval_time: '70m',
                alertname: slo.alerting.name,
                exp_alerts: (['page', 'ticket'] as const).map((sev) => ({
                  exp_labels: alertLabels(sev),
                  exp_annotations: annotations(sev),
                })),
              },
            ],
          },
          {
            interval: '1m',
            input_series: series.good,
            alert_rule_test: [{ eval_time: '70m', alertname: slo.alerting.name, exp_alerts: [] }],
          },
        ],
      };
      const testFile = writeTemp('slo.test.yaml', stringify(tests));
      const r = run('promtool', ['test', 'rules', testFile]);
      expect(r.stdout + r.stderr).toContain('SUCCESS');
      expect(r.status).toBe(0);
    },
  );
});

/** Input series (1-minute samples over 80 minutes) for a spec's metrics: one bad hour, one good. */
function seriesFor(service: string, slo: string): { bad: unknown[]; good: unknown[] } {
  const counter = (labels: string, perMinute: number) => ({ series: labels, values: `0+${perMinute}x80` });
  if (service === 'processes') {
    const type = {
      'escrow-payout-on-time': 'escrow',
      'payment-sync-60s': 'paymentSync',
    }[slo]!;
    const m = (outcome: string) =>
      `faena_process_outcomes_total{workflow_type="${type}",outcome="${outcome}"}`;
    return {
      bad: [counter(m('on_time'), 100), counter(m('late'), 20), counter(m('failed'), 10)],
      good: [counter(m('on_time'), 100000), counter(m('late'), 1), counter(m('failed'), 0)],
    };
  }
  // Latency and ticket age: the threshold bucket is read from the spec's error query (le="…").
  const spec = specs.find((s) => s.service === service)!.slos.find((s) => s.name === slo)!;
  // le="0.5", or le=~"1|1.0" for whole numbers (Prometheus 3 stores "1.0"): take the last form.
  const le = (/[{,]le=~?"([^"]+)"/.exec(spec.sli.events.error_query)?.[1] ?? '').split('|').at(-1) ?? '';
  if (slo === 'kitchen-ticket-age') {
    const age = (suffix: string, extra = '') =>
      `faena_pos_kitchen_ticket_age_seconds_${suffix}{station_kind="printer"${extra}}`;
    return {
      bad: [counter(age('count'), 100), counter(age('bucket', `,le="${le}"`), 60)],
      good: [counter(age('count'), 100000), counter(age('bucket', `,le="${le}"`), 99999)],
    };
  }
  const route = slo === 'order-latency' ? `/api/${service}/v1/orders/:id/send` : `/api/${service}/v1/things`;
  const base = `faena_service="${service}",faena_role="api",http_request_method="POST",http_route="${route}"`;
  const count = (status: string) =>
    `http_server_request_duration_count{${base},http_response_status_code="${status}"}`;
  if (slo === 'requests-availability') {
    return {
      bad: [counter(count('200'), 6000), counter(count('500'), 600)],
      good: [counter(count('200'), 600000), counter(count('500'), 1)],
    };
  }
  const bucket = `http_server_request_duration_bucket{${base},http_response_status_code="200",le="${le}"}`;
  return {
    bad: [counter(count('200'), 6000), counter(bucket, 4000)],
    good: [counter(count('200'), 600000), counter(bucket, 599999)],
  };
}

describe('Grafana dashboards', () => {
  const files = readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const dashboards = files.map((f) => ({
    file: f,
    json: JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')),
  }));

  test('per-service RED, SLO burn and error budget, and Temporal processes exist with stable unique UIDs', () => {
    const uids = dashboards.map((d) => d.json.uid);
    expect(uids.sort()).toEqual(['faena-red', 'faena-slo', 'faena-temporal']);
    expect(new Set(uids).size).toBe(uids.length);
    for (const { file, json } of dashboards) expect(`${json.uid}.json`).toBe(file);
  });

  test.each(files)('%s: a ${datasource} variable, and every panel and query uses it', (file) => {
    const json = dashboards.find((d) => d.file === file)!.json;
    const ds = json.templating.list.find((v: any) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const panels = json.panels.filter((p: any) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(5);
    const ids = json.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect({ panel: p.title, ds: p.datasource?.uid }).toEqual({ panel: p.title, ds: '${datasource}' });
      // A number without a unit is a guess for whoever reads it at 3 a.m.
      expect({ panel: p.title, unit: typeof p.fieldConfig?.defaults?.unit }).toEqual({
        panel: p.title,
        unit: 'string',
      });
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) {
        expect(t.datasource.uid).toBe('${datasource}');
        expect(typeof t.expr).toBe('string');
        expect(t.expr.length).toBeGreaterThan(0);
      }
    }
  });

  test('the Temporal dashboard shows started/completed/failed per workflow type, schedule-to-start latency and activity failures', () => {
    const exprs = JSON.stringify(dashboards.find((d) => d.json.uid === 'faena-temporal')!.json.panels);
    for (const m of [
      'faena_process_started_total',
      'temporal_workflow_completed',
      'temporal_workflow_failed',
      'schedule_to_start_latency',
      'temporal_activity_execution_failed',
    ]) {
      expect(exprs).toContain(m);
    }
    expect(exprs).toContain('by (workflow_type)');
  });

  test('every SLO metric the RED dashboard queries is the one the SLO specs use', () => {
    const red = JSON.stringify(dashboards.find((d) => d.json.uid === 'faena-red')!.json);
    // An API's business metric (the kitchen's faena_pos_kitchen_ticket_age_seconds) is no RED metric.
    const sloQueries = specs
      .filter((s) => s.service !== 'processes')
      .flatMap((s) => s.slos.map((x) => x.sli.events.total_query))
      .filter((q) => !q.includes('faena_'));
    for (const q of sloQueries) expect(q).toContain('http_server_request_duration_count');
    expect(red).toContain('http_server_request_duration_count');
    expect(red).toContain('http_server_request_duration_bucket');
  });

  test('ship as ConfigMaps labelled grafana_dashboard: "1", one per dashboard, holding the JSON as is', () => {
    const cms = parseManifests(readFileSync(join(DASHBOARDS, 'configmaps.yaml'), 'utf8'));
    expect(cms.map((c) => c.metadata.name).sort()).toEqual(
      dashboards.map((d) => `grafana-dashboard-${d.json.uid}`).sort(),
    );
    for (const cm of cms) {
      expect(cm.kind).toBe('ConfigMap');
      expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
      const entries = Object.entries(cm.data ?? {});
      expect(entries).toHaveLength(1);
      const [file, content] = entries[0] ?? ['', ''];
      expect(content).toBe(readFileSync(join(DASHBOARDS, file), 'utf8'));
    }
  });
});
