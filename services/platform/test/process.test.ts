import path from 'node:path';
import {
  spawnService,
  runToExit,
  testStack,
  ROOT,
  uniqueTaskQueue,
  type SpawnedService,
} from '../src/testing/index.ts';

const entry = path.join(ROOT, 'services/platform/test/fixtures/server.ts');
const env = (extra: Record<string, string> = {}) => ({
  SERVICE_NAME: 'fixture',
  PORT: '0',
  DATABASE_URL: testStack.postgresAdminUrl,
  REDIS_URL: testStack.redisUrl,
  TEMPORAL_ADDRESS: testStack.temporalAddress,
  TEMPORAL_NAMESPACE: testStack.temporalNamespace,
  TASK_QUEUE: uniqueTaskQueue('fixture'),
  SHUTDOWN_GRACE_MS: '5000',
  SHUTDOWN_DRAIN_MS: '800',
  ...extra,
});

describe('configuration', () => {
  it('refuses to start, naming every bad or missing variable', async () => {
    const { code, stderr, stdout } = await runToExit(entry, {
      SERVICE_NAME: 'Bad Name',
      PORT: 'eighty',
      REDIS_URL: 'http://nope',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
    });
    expect(code).toBe(78);
    expect(stdout).toBe('');
    for (const variable of ['SERVICE_NAME', 'PORT', 'DATABASE_URL', 'REDIS_URL', 'TASK_QUEUE'])
      expect(stderr).toContain(`${variable}:`);
    expect(stderr).not.toContain('TEMPORAL_ADDRESS');
  });
});

describe('a running service process', () => {
  let svc: SpawnedService;
  beforeAll(async () => {
    svc = await spawnService(entry, env());
  }, 60000);
  afterAll(async () => {
    if (svc.child.exitCode === null) {
      svc.child.kill('SIGKILL');
      await svc.exited;
    }
  });
  const url = (p: string) => `http://127.0.0.1:${svc.port}${p}`;

  it('carries one trace and the correlation id from the HTTP request through the workflow to the activity', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(url('/api/fixture/v1/observe'), {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'X-Correlation-ID': 'corr-e2e-1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe('corr-e2e-1');
    const body = (await res.json()) as { data: { traceId: string; correlationId: string } };
    expect(body.data).toEqual({ label: 'from-http', traceId, correlationId: 'corr-e2e-1', tenantId: null });
    const activityLog = svc.logs().find((l) => l.message === 'observed');
    expect(activityLog).toMatchObject({ correlationId: 'corr-e2e-1', traceId });
    const requestLog = svc
      .logs()
      .find((l) => l.message === 'http request' && l.path === '/api/fixture/v1/observe');
    expect(requestLog).toMatchObject({ correlationId: 'corr-e2e-1', traceId, status: 200 });
  });

  it('serves Prometheus metrics: HTTP server durations under the names the SLOs query, every answer with an http_route', async () => {
    await (await fetch(url('/api/fixture/v1/slow?ms=1'))).arrayBuffer();
    await (await fetch(url('/api/fixture/v1/no-such-route-4711'))).arrayBuffer(); // 404
    await (await fetch(url('/api/fixture/v1/slow?ms=1'), { method: 'DELETE' })).arrayBuffer(); // 405
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    const counts = (await res.text())
      .split('\n')
      .filter((l) => l.startsWith('http_server_request_duration_count{'));
    const routeOf = (status: number) =>
      counts
        .filter((l) => l.includes(`http_response_status_code="${status}"`))
        .map((l) => /http_route="([^"]*)"/.exec(l)?.[1]);
    expect(routeOf(200)).toContain('/api/fixture/v1/slow');
    expect(routeOf(405)).toEqual(['/api/fixture/v1/slow']); // the path it named, not the method
    expect(routeOf(404)).toEqual(['(unmatched)']); // one series for every unknown path
    expect(counts.every((l) => /http_route="[^"]+"/.test(l))).toBe(true);
  });

  it('lets an in-flight request finish on SIGTERM, refuses readiness meanwhile, then exits 0', async () => {
    const slow = fetch(url('/api/fixture/v1/slow?ms=1500'));
    await new Promise((r) => setTimeout(r, 300));
    svc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const ready = await fetch(url('/health/ready'));
    expect(ready.status).toBe(503);
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, data: { slept: 1500 } });
    expect(await svc.exited).toBe(0);
    const messages = svc.logs().map((l) => l.message);
    expect(messages.indexOf('shutting down')).toBeGreaterThan(-1);
    expect(messages.indexOf('stopped')).toBeGreaterThan(messages.indexOf('shutting down'));
    expect(messages).not.toContain('grace period over, closing remaining connections');
  }, 30000);
});
