import Joi from 'joi';
import request from 'supertest';
import {
  createHttpApp,
  DomainError,
  idempotency,
  rateLimit,
  reply,
  createRedis,
  redisHealthCheck,
  type Route,
} from '../../src/index.ts';
import { captureLogger, testStack } from '../../src/testing/index.ts';

const redis = createRedis(testStack.redisUrl);
afterAll(() => redis.quit());

const run = Math.random().toString(36).slice(2);
let created = 0;
const routes: Route[] = [
  {
    method: 'post',
    path: '/items',
    summary: 'Create an item',
    middleware: [idempotency({ redis, scope: `test-${run}` })],
    schemas: {
      body: Joi.object({
        name: Joi.string().min(2).required(),
        price: Joi.number().integer().min(0).required(),
        delayMs: Joi.number().max(2000),
      }).required(),
      response: Joi.object({ id: Joi.number(), name: Joi.string() }),
    },
    status: 201,
    handler: async (_ctx, input) => {
      const body = input.body as { name: string; delayMs?: number };
      if (body.delayMs) await new Promise((r) => setTimeout(r, body.delayMs));
      created += 1;
      return reply(
        { id: created, name: body.name },
        { status: 201, headers: { Location: `/items/${created}` } },
      );
    },
  },
  {
    method: 'get',
    path: '/items/:id',
    summary: 'Read an item',
    schemas: {
      params: Joi.object({ id: Joi.string().uuid().required() }),
      query: Joi.object({ expand: Joi.boolean() }),
    },
    handler: async (_ctx, input) => {
      if (input.params.id === '00000000-0000-4000-8000-000000000000')
        throw new DomainError('NOT_FOUND', 'item not found');
      return { id: input.params.id, expand: input.query.expand ?? false };
    },
  },
  {
    method: 'get',
    path: '/boom',
    summary: 'Fails unexpectedly',
    handler: async () => {
      throw new Error('db password=hunter2 exploded at /srv/app.ts:42');
    },
  },
  {
    method: 'get',
    path: '/limited',
    summary: 'Rate limited',
    middleware: [rateLimit({ redis, name: `test-${run}`, points: 2, durationSeconds: 60 })],
    handler: async () => ({ ok: true }),
  },
];

function build(extra: Partial<Parameters<typeof createHttpApp>[0]> = {}) {
  const logs = captureLogger('platform-test');
  const http = createHttpApp({
    service: 'platform-test',
    basePath: '/api/test/v1',
    routes,
    logger: logs.logger,
    corsOrigins: ['https://app.faena.test'],
    bodyLimit: '1kb',
    ...extra,
  });
  return { agent: request(http.app.callback()), logs, http };
}

describe('createHttpApp', () => {
  it('accepts a given X-Correlation-ID, returns it and logs the request with it', async () => {
    const { agent, logs } = build();
    const res = await agent
      .get('/api/test/v1/items/0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f')
      .set('X-Correlation-ID', 'corr-123');
    expect(res.status).toBe(200);
    expect(res.headers['x-correlation-id']).toBe('corr-123');
    expect(res.body).toEqual({
      success: true,
      data: { id: '0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f', expand: false },
    });
    const line = logs.lines().find((l) => l.message === 'http request');
    expect(line).toMatchObject({
      correlationId: 'corr-123',
      service: 'platform-test',
      status: 200,
      method: 'GET',
      route: '/api/test/v1/items/:id',
    });
  });

  it('generates a correlation id when none (or a malformed one) is given', async () => {
    const { agent } = build();
    const res = await agent
      .get('/api/test/v1/items/0190b5a4-8f5e-7c3a-9b1e-3f2a1c0d9e8f')
      .set('X-Correlation-ID', 'bad id with spaces');
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports every validation error at once and rejects unknown fields', async () => {
    const { agent } = build();
    const res = await agent
      .post('/api/test/v1/items')
      .set('Idempotency-Key', `v-${run}-0001`)
      .send({ name: 'x', price: -1, color: 'red' });
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['body.color', 'body.name', 'body.price']);
    expect(res.body.errors.every((e: { code: string }) => e.code === 'VALIDATION_FAILED')).toBe(true);
  });

  it('validates params and query too', async () => {
    const { agent } = build();
    const res = await agent.get('/api/test/v1/items/not-a-uuid?expand=maybe&x=1');
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'params.id',
      'query.expand',
      'query.x',
    ]);
  });

  it('answers domain errors with their code and status', async () => {
    const { agent } = build();
    const res = await agent.get('/api/test/v1/items/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, errors: [{ code: 'NOT_FOUND', message: 'item not found' }] });
  });

  it('answers an unknown route with a 404 envelope and a wrong method with 405', async () => {
    const { agent } = build();
    const res = await agent.get('/api/test/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.errors[0].code).toBe('ROUTE_NOT_FOUND');
    const res2 = await agent.delete('/api/test/v1/items');
    expect(res2.status).toBe(405);
    expect(res2.body.errors[0].code).toBe('METHOD_NOT_ALLOWED');
  });

  it('hides unexpected errors: 500 envelope without stack or secret, logged with the correlation id and redacted', async () => {
    const { agent, logs } = build();
    const res = await agent.get('/api/test/v1/boom').set('X-Correlation-ID', 'corr-boom');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      success: false,
      errors: [{ code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' }],
    });
    expect(res.text).not.toMatch(/hunter2|app\.ts|stack/);
    const line = logs.lines().find((l) => l.message === 'unhandled error');
    expect(line).toMatchObject({ correlationId: 'corr-boom', level: 'error' });
    expect(String(line?.error)).toContain('exploded');
    expect(logs.raw()).not.toContain('hunter2');
  });

  it('rejects malformed JSON and oversized bodies with their own codes', async () => {
    const { agent } = build();
    const bad = await agent
      .post('/api/test/v1/items')
      .set('Idempotency-Key', `j-${run}-0001`)
      .set('Content-Type', 'application/json')
      .send('{"name":');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe('INVALID_JSON');
    const big = await agent
      .post('/api/test/v1/items')
      .set('Idempotency-Key', `j-${run}-0002`)
      .send({ name: 'x'.repeat(5000), price: 1 });
    expect(big.status).toBe(413);
    expect(big.body.errors[0].code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('sets security headers and only allows listed CORS origins', async () => {
    const { agent } = build();
    const allowed = await agent.get('/health/live').set('Origin', 'https://app.faena.test');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.faena.test');
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    expect(allowed.headers['strict-transport-security']).toBeDefined();
    const denied = await agent.get('/health/live').set('Origin', 'https://evil.test');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const { agent } = build();
    const res = await agent.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.0.3');
    const post = res.body.paths['/api/test/v1/items'].post;
    expect(post.requestBody.content['application/json'].schema.required.sort()).toEqual(['name', 'price']);
    expect(post.responses['201']).toBeDefined();
    const get = res.body.paths['/api/test/v1/items/{id}'].get;
    expect(get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
    );
  });
});

describe('rate limiter', () => {
  it('answers 429 RATE_LIMITED with Retry-After once the budget is spent', async () => {
    const { agent } = build();
    expect((await agent.get('/api/test/v1/limited')).status).toBe(200);
    expect((await agent.get('/api/test/v1/limited')).status).toBe(200);
    const res = await agent.get('/api/test/v1/limited');
    expect(res.status).toBe(429);
    expect(res.body.errors[0].code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  });
});

describe('idempotency', () => {
  it('replays the first answer for the same key and body, and refuses another body with 409', async () => {
    const { agent } = build();
    const key = `idem-${run}-same`;
    const first = await agent
      .post('/api/test/v1/items')
      .set('Idempotency-Key', key)
      .send({ name: 'chair', price: 100 });
    expect(first.status).toBe(201);
    const again = await agent
      .post('/api/test/v1/items')
      .set('Idempotency-Key', key)
      .send({ price: 100, name: 'chair' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    const other = await agent
      .post('/api/test/v1/items')
      .set('Idempotency-Key', key)
      .send({ name: 'table', price: 100 });
    expect(other.status).toBe(409);
    expect(other.body.errors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('runs the handler once for two identical requests in flight at once', async () => {
    const { agent } = build();
    const key = `idem-${run}-race`;
    const before = created;
    const [a, b] = await Promise.all([
      agent
        .post('/api/test/v1/items')
        .set('Idempotency-Key', key)
        .send({ name: 'lamp', price: 5, delayMs: 300 }),
      agent
        .post('/api/test/v1/items')
        .set('Idempotency-Key', key)
        .send({ name: 'lamp', price: 5, delayMs: 300 }),
    ]);
    expect(created - before).toBe(1);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body).toEqual(b.body);
  });

  it('requires a well-formed key', async () => {
    const { agent } = build();
    const res = await agent.post('/api/test/v1/items').send({ name: 'lamp', price: 5 });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('headers.idempotency-key');
  });
});

describe('health', () => {
  it('reports readiness per check, naming the failing one', async () => {
    const failing = { name: 'imaginary', check: () => Promise.reject(new Error('connection refused')) };
    const { agent } = build({ health: [redisHealthCheck(redis), failing] });
    expect((await agent.get('/health/live')).status).toBe(200);
    const ready = await agent.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.errors).toEqual([
      { code: 'SERVICE_UNAVAILABLE', field: 'imaginary', message: 'imaginary: connection refused' },
    ]);
    const detail = await agent.get('/health');
    expect(detail.status).toBe(503);
    const checks = detail.body.data.checks as Array<{ name: string; status: string; latencyMs: number }>;
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['redis', 'up'],
      ['imaginary', 'down'],
    ]);
    expect(checks.every((c) => typeof c.latencyMs === 'number')).toBe(true);
  });

  it('goes 503 once shutdown starts', async () => {
    const { agent, http } = build({ health: [redisHealthCheck(redis)] });
    expect((await agent.get('/health/ready')).status).toBe(200);
    http.markShuttingDown();
    const res = await agent.get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.errors[0].field).toBe('shutdown');
  });
});

describe('checkResponses', () => {
  const drifted: Route[] = [
    {
      method: 'get',
      path: '/drifted',
      summary: 'Answers a field its schema does not document',
      schemas: { response: Joi.object({ id: Joi.number() }) },
      handler: () => Promise.resolve({ id: 1, secret: 'leaked' }),
    },
    {
      method: 'get',
      path: '/dated',
      summary: 'A Date documented as an ISO string (what the client reads)',
      schemas: { response: Joi.object({ at: Joi.string().isoDate() }) },
      handler: () => Promise.resolve({ at: new Date(0) }),
    },
  ];
  const appWith = (checkResponses: boolean) =>
    createHttpApp({
      service: 'test',
      basePath: '/api/test/v1',
      routes: drifted,
      logger: captureLogger('test').logger,
      checkResponses,
    }).app.callback();

  it('fails an answer outside its documented schema in tests (on by default under jest), and lets it through when off', async () => {
    expect((await request(appWith(true)).get('/api/test/v1/drifted')).status).toBe(500);
    expect((await request(appWith(true)).get('/api/test/v1/dated')).body.data).toEqual({
      at: '1970-01-01T00:00:00.000Z',
    });
    expect((await request(appWith(false)).get('/api/test/v1/drifted')).status).toBe(200);
  });
});

describe('trustedProxies', () => {
  const whoAmI: Route[] = [
    {
      method: 'get',
      path: '/ip',
      summary: 'The address the API believes',
      schemas: { response: Joi.object({ ip: Joi.string() }) },
      handler: (ctx) => Promise.resolve({ ip: ctx.ip }),
    },
  ];
  const ipWith = async (trustedProxies: number | string[] | undefined, xff: string) =>
    (
      await request(
        createHttpApp({
          service: 'test',
          basePath: '/api/test/v1',
          routes: whoAmI,
          logger: captureLogger('test').logger,
          ...(trustedProxies !== undefined && { trustedProxies }),
        }).app.callback(),
      )
        .get('/api/test/v1/ip')
        .set('X-Forwarded-For', xff)
    ).body.data.ip as string;

  it('ignores X-Forwarded-For by default and believes only the hops it trusts, from the right', async () => {
    expect(await ipWith(undefined, '203.0.113.7')).toMatch(/127\.0\.0\.1|::1/);
    // The client wrote 203.0.113.7; the one trusted proxy (the ingress) appended what it saw.
    expect(await ipWith(1, '203.0.113.7, 198.51.100.20')).toBe('198.51.100.20');
    expect(await ipWith(2, '203.0.113.7, 198.51.100.20, 10.0.0.5')).toBe('198.51.100.20');
  });

  it('or believes the proxies it knows by address: the rightmost entry that is not one of them', async () => {
    // The test's socket comes from loopback: trusted as the ingress here.
    const ingress = ['127.0.0.1/32', '::1/128'];
    expect(await ipWith(ingress, '203.0.113.7, 198.51.100.20')).toBe('198.51.100.20');
    // A load balancer inside 10/8 appended the ingress's view: skipped as a proxy too.
    expect(await ipWith([...ingress, '10.0.0.0/8'], '203.0.113.7, 198.51.100.20, 10.0.0.5')).toBe(
      '198.51.100.20',
    );
    // A socket that is not a trusted proxy: whatever it wrote is ignored.
    expect(await ipWith(['192.0.2.0/24'], '203.0.113.7')).toMatch(/127\.0\.0\.1|::1/);
  });
});
