/**
 * Input no schema can refuse by shape is still a 4xx with the error envelope, never a 500 (issue 14):
 * text PostgreSQL cannot store (NUL, lone surrogates), cursors the API did not issue, bodies whose
 * bytes are not what their Content-Encoding says, and LIKE patterns hidden in search text.
 */
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import Joi from 'joi';
import request from 'supertest';
import {
  containsPattern,
  createHttpApp,
  createRedis,
  decodeCursor,
  encodeCursor,
  idempotency,
  listQuery,
  type Route,
} from '../../src/index.ts';
import { captureLogger, testStack } from '../../src/testing/index.ts';

const redis = createRedis(testStack.redisUrl);
afterAll(() => redis.quit());

const routes: Route[] = [
  {
    method: 'post',
    path: '/notes',
    summary: 'Keeps a note',
    schemas: {
      body: Joi.object({
        title: Joi.string().required(),
        tags: Joi.array().items(Joi.string()),
        meta: Joi.object().unknown(true),
      }).required(),
    },
    handler: async (_ctx, input) => input.body,
  },
  {
    method: 'post',
    path: '/orders',
    summary: 'Idempotent: fingerprints the body before validation',
    middleware: [idempotency({ redis, scope: `bad-input-${Math.random().toString(36).slice(2)}` })],
    schemas: { body: Joi.object({ items: Joi.array() }).required() },
    handler: async (_ctx, input) => input.body,
  },
  {
    method: 'get',
    path: '/notes',
    summary: 'Lists notes',
    schemas: { query: listQuery({ q: Joi.string().max(100) }) },
    handler: async (_ctx, input) => {
      const cursor = decodeCursor(input.query.cursor as string | undefined);
      return { after: cursor?.id ?? null };
    },
  },
];
const { app } = createHttpApp({
  service: 'bad-input-test',
  basePath: '/api/test/v1',
  routes,
  logger: captureLogger('bad-input-test').logger,
  checkResponses: false,
});
const agent = request(app.callback());
const post = (json: string, headers: Record<string, string> = {}) =>
  agent
    .post('/api/test/v1/notes')
    .set({ 'Content-Type': 'application/json', ...headers })
    .send(json);
const codes = (res: { body: { errors?: Array<{ code: string; field?: string }> } }) =>
  (res.body.errors ?? []).map((e) => [e.code, e.field]);

describe('text PostgreSQL cannot store', () => {
  it.each([
    ['a lone high surrogate', '{"title":"a\\ud800b"}', 'body.title'],
    ['a lone low surrogate', '{"title":"\\udfff"}', 'body.title'],
    ['a high surrogate at the end', '{"title":"x","tags":["ok","\\ud83d"]}', 'body.tags.1'],
    ['reversed pair', '{"title":"\\ude00\\ud83d"}', 'body.title'],
    ['a lone surrogate in a key', '{"title":"x","meta":{"\\ud800":1}}', 'body.meta.\ud800'],
    ['NUL', '{"title":"a\\u0000"}', 'body.title'],
  ])('refuses %s with 400 INVALID_TEXT', async (_what, json, field) => {
    const res = await post(json);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(codes(res)).toEqual([['INVALID_TEXT', field]]);
  });

  it('refuses a lone surrogate in the query too', async () => {
    const res = await agent.get('/api/test/v1/notes').query({ q: 'a\ud800' });
    // Sent percent-encoded as UTF-8 it cannot be (the client writes U+FFFD): what arrives is valid.
    expect([200, 400]).toContain(res.status);
  });

  it('keeps properly paired surrogates (emoji) and other text', async () => {
    const res = await post('{"title":"\\ud83d\\ude00 ok ñ","tags":["🔧"],"meta":{"😀":"é"}}');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ title: '😀 ok ñ', tags: ['🔧'], meta: { '😀': 'é' } });
  });

  it('reports schema problems as VALIDATION_FAILED beside the text ones', async () => {
    const res = await post('{"title":1,"tags":["\\ud800"]}');
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual([['VALIDATION_FAILED', 'body.title']]);
  });
});

describe('cursors', () => {
  const list = (cursor: string) => agent.get('/api/test/v1/notes').query({ cursor });
  it.each([
    ['garbled base64', 'AAAA'],
    ['JSON that is not a cursor', Buffer.from('[1,2]').toString('base64url')],
    ['a forged id', Buffer.from('{"after":1,"id":"1; drop table"}').toString('base64url')],
    [
      'a forged sort value',
      Buffer.from('{"after":{},"id":"0190c2a4-0000-7000-8000-000000000000"}').toString('base64url'),
    ],
    ['not JSON at all', Buffer.from('\u00ff\u00fe{').toString('base64url')],
  ])('answers %s with 400 INVALID_CURSOR', async (_what, cursor) => {
    const res = await list(cursor);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual([['INVALID_CURSOR', 'query.cursor']]);
  });

  it('follows a cursor it issued', async () => {
    const id = '0190c2a4-0000-7000-8000-000000000000';
    const res = await list(encodeCursor({ after: id, id }));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ after: id });
  });
});

describe('Content-Encoding', () => {
  it('refuses bytes that are not what the encoding says with 400 INVALID_ENCODING', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await post('{"title":"x"}', { 'Content-Encoding': encoding });
      expect([encoding, res.status, codes(res)]).toEqual([encoding, 400, [['INVALID_ENCODING', undefined]]]);
    }
  });

  it('refuses an encoding it does not decode with 415 UNSUPPORTED_ENCODING', async () => {
    const res = await post('{"title":"x"}', { 'Content-Encoding': 'x-bogus' });
    expect(res.status).toBe(415);
    expect(codes(res)).toEqual([['UNSUPPORTED_ENCODING', undefined]]);
  });

  it('reads a body that is what its encoding says', async () => {
    // Over a socket: supertest re-encodes a Buffer body.
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/api/test/v1/notes`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
        body: gzipSync('{"title":"zipped"}'),
      });
      expect([res.status, await res.json()]).toEqual([200, { success: true, data: { title: 'zipped' } }]);
    } finally {
      server.close();
    }
  });
});

describe('nesting', () => {
  it('refuses a body nested thousands deep with 400, before anything recurses over it', async () => {
    const res = await agent
      .post('/api/test/v1/orders')
      .set({ 'Content-Type': 'application/json', 'Idempotency-Key': `deep-${Date.now()}-0001` })
      .send(`{"items":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual([['VALIDATION_FAILED', 'body']]);
  });

  it('takes nesting as deep as any schema needs', async () => {
    const res = await agent
      .post('/api/test/v1/orders')
      .set({ 'Content-Type': 'application/json', 'Idempotency-Key': `deep-${Date.now()}-0002` })
      .send(`{"items":${'['.repeat(20)}${']'.repeat(20)}}`);
    expect(res.status).toBe(200);
  });
});

describe('containsPattern', () => {
  it('escapes the LIKE pattern characters and the escape character', () => {
    expect(containsPattern('ana')).toBe('%ana%');
    expect(containsPattern('100%')).toBe('%100\\%%');
    expect(containsPattern('a_b')).toBe('%a\\_b%');
    expect(containsPattern('c:\\x')).toBe('%c:\\\\x%');
  });
});
