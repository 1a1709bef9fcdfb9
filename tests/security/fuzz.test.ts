/**
 * Bad input on every route of every service, generated from the route tables as each service
 * publishes them (`/openapi.json`: parameters and request body schemas), so a new route is fuzzed
 * without a new test. As the owner of a business (every permission of the business), each
 * operation gets, one at a time:
 * - every body property (and the properties of an object property) replaced by NUL, lone
 *   surrogates, a 10,000-character string, negative and huge numbers (-1, 1e308, 2^63), wrong types
 *   (arrays for strings, objects for numbers, null);
 * - every query parameter replaced the same way (as text), repeated (an array), and forged cursors;
 * - path parameters that are not UUIDs (NUL, an unpaired surrogate's bytes, broken escapes);
 * - bodies in the wrong encoding: a gzip header on plain JSON, an unknown Content-Encoding, bytes
 *   that are not UTF-8, malformed JSON, JSON of the wrong type.
 * Expected: never a 5xx, and every 4xx is the error envelope `{ success: false, errors: [{ code,
 * message }] }`. Real services over HTTP, real identity tokens, real PostgreSQL and Redis.
 */
import { randomUUID } from 'node:crypto';
import { runWithContext } from '@faena/platform';
import { User } from '../../services/identity/src/domain/entities.ts';
import { startSession } from '../../services/identity/src/domain/tokens.ts';
import { roleId } from '../../services/identity/test/harness.ts';
import { business, newKey, type Business } from '../../services/payments/test/harness.ts';
import { startStack, type Stack, type StackOperation } from './stack.ts';

type Schema = Record<string, unknown>;
type Json = unknown;

let stack: Stack;
let t1: Business;
/** The owner's access token; a new session when a route ended the current one (logout). */
let token: string;
/** Ids of t1's records by the collection segment naming them (others get a random UUID). */
const ids: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack('fuzz');
  t1 = await business(stack.h);
  token = t1.owner;
  Object.assign(ids, {
    users: t1.client.id,
    wallets: t1.client.id,
    roles: await roleId(stack.h.identity, t1.biz, 'client'),
    branches: t1.branchId,
    tenants: t1.biz.tenantId,
    professionals: t1.pro.id,
  });
  Object.assign(ids, await gymRecords());
}, 240_000);

/** t1's gym records the owner makes (a member, a plan, a class and its sessions), so bad input reaches past the lookup. */
async function gymRecords(): Promise<Record<string, string>> {
  const G = `${stack.urls.gym}/api/gym/v1`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${G}${path}`, {
      method,
      headers: { Authorization: `Bearer ${t1.owner}`, 'Content-Type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const answer = (await res.json()) as { data: unknown };
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(answer)}`);
    return answer.data as { id: string };
  };
  const members = (
    await call('POST', '/members', { branchId: t1.branchId, firstName: 'Ana', lastName: 'Fuzz' })
  ).id;
  const plans = (await call('POST', '/plans', { name: 'Mensual', kind: 'monthly' })).id;
  const classType = (await call('POST', '/class-types', { name: 'Yoga' })).id;
  const classes = (
    await call('POST', '/classes', {
      branchId: t1.branchId,
      classTypeId: classType,
      weekday: 3,
      startTime: '19:00',
      durationMinutes: 60,
      capacity: 10,
      timeZone: 'America/Santiago',
      startsOn: new Date().toISOString().slice(0, 10),
    })
  ).id;
  const from = new Date().toISOString();
  const to = new Date(Date.now() + 14 * 86_400_000).toISOString();
  const sessions = (await call('GET', `/occurrences?from=${from}&to=${to}`)) as unknown as Array<{
    id: string;
  }>;
  return { members, plans, classes, occurrences: sessions[0]!.id };
}
afterAll(() => stack?.close());

/** A new session of t1's owner, started as a login does (logins are rate limited per address). */
const ownerSession = () =>
  runWithContext({ tenantId: t1.biz.tenantId, userId: t1.biz.ownerId }, async () => {
    const em = stack.h.identity.orm.em.fork();
    const owner = await em.findOneOrFail(User, t1.biz.ownerId);
    return (await startSession(em, stack.h.identity.deps.tokens, owner, { browser: false })).accessToken;
  });
/** Whether the owner's current token still works. */
const signedIn = async () =>
  (
    await fetch(`${stack.urls.identity}/api/identity/v1/auth/me`, {
      headers: { Authorization: `Bearer ${token}` },
    })
  ).status === 200;

const report = (line: string) => process.stdout.write(`fuzz.test: ${line}\n`);
const label = (o: StackOperation) => `${o.method.toUpperCase()} ${o.path}`;

/** The first alternative of a schema (joi alternatives become oneOf/anyOf). */
const pick = (s: Schema | undefined): Schema => {
  if (!s) return {};
  const alt = (s.oneOf ?? s.anyOf ?? s.allOf) as Schema[] | undefined;
  return alt?.length ? pick(alt[0]) : s;
};

/** A plausible value for `schema` (valid where it is easy), the baseline each mutation changes. */
function sample(raw: Schema | undefined, depth = 0): Json {
  const s = pick(raw);
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  const type = s.type as string | undefined;
  if (type === 'object' || s.properties) {
    if (depth > 3) return {};
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const required = (s.required ?? []) as string[];
    return Object.fromEntries(
      Object.entries(props)
        .filter(([k]) => required.includes(k) || depth === 0)
        .map(([k, v]) => [k, sample(v, depth + 1)]),
    );
  }
  if (type === 'array') return [sample(s.items as Schema, depth + 1)].slice(0, Number(s.minItems ?? 1) || 1);
  if (type === 'integer' || type === 'number')
    return typeof s.minimum === 'number' ? Math.max(s.minimum, 1) : 1;
  if (type === 'boolean') return true;
  if (type === 'string') {
    switch (s.format) {
      case 'uuid':
        return randomUUID();
      case 'date-time':
        return new Date(Date.now() + 86_400_000).toISOString();
      case 'date':
        return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      case 'email':
        return `fuzz-${randomUUID().slice(0, 8)}@example.com`;
      case 'uri':
        return 'https://example.com/fuzz';
      default:
        return 'fuzz value';
    }
  }
  return 'fuzz';
}

const LONG = 'x'.repeat(10_000);
/** Replacement values for one field: text PostgreSQL cannot store, sizes, numbers, wrong types. */
const VALUES: Array<[string, Json]> = [
  ['NUL', 'a\u0000b'],
  ['lone high surrogate', 'a\ud800'],
  ['lone low surrogate', '\udfffb'],
  ['10,000 characters', LONG],
  ['empty', ''],
  ['LIKE pattern', '%_\\'],
  ['-1', -1],
  ['1e308', 1e308],
  ['2^63', 2 ** 63],
  ['array', ['a']],
  ['object', { a: 1 }],
  ['null', null],
  ['boolean', true],
];
/** As query text (what a URL can carry). */
const QUERY_VALUES: Array<[string, string]> = [
  ['NUL', 'a%00b'],
  ['lone surrogate bytes', '%ED%A0%80'],
  ['invalid UTF-8', '%FF%FE'],
  ['broken escape', '%zz'],
  ['10,000 characters', LONG],
  ['empty', ''],
  ['LIKE pattern', '%25_%5C'],
  ['-1', '-1'],
  ['1e308', '1e308'],
  ['2^63', '9223372036854775808'],
  ['object-like', '%7B%22a%22%3A1%7D'],
  ['null', 'null'],
];
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const FORGED_CURSORS: Array<[string, string]> = [
  ['garbled cursor', 'AAAA'],
  ['cursor with a forged id', b64('{"after":"x","id":"1; drop table"}')],
  ['cursor with a forged sort value', b64(`{"after":{"$gt":1},"id":"${randomUUID()}"}`)],
  ['cursor with a huge sort value', b64(`{"after":1e999,"id":"${randomUUID()}"}`)],
  ['cursor of a date list on a number', b64(`{"after":"not a date","id":"${randomUUID()}"}`)],
];
const PATH_VALUES = [
  'not-a-uuid',
  'a%00b',
  '%ED%A0%80',
  '%FF',
  '%zz',
  '-1',
  '1e308',
  'x'.repeat(300),
  'null',
];
/** Fields mutated per body (and per object property), bounding requests per route. */
const MAX_FIELDS = 12;

interface Case {
  op: StackOperation;
  what: string;
  path: string;
  query?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  form?: FormData;
}

function cases(o: StackOperation): Case[] {
  const params = o.op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const segments = o.path.split('/');
  const idOf = (name: string) => ids[segments[segments.indexOf(`{${name}}`) - 1] ?? ''] ?? randomUUID();
  const pathWith = (over: Record<string, string> = {}) =>
    o.path.replace(/\{(\w+)\}/g, (_m, p: string) => over[p] ?? idOf(p));
  const out: Case[] = [];
  const json = o.op.requestBody?.content['application/json']?.schema;
  const multipart = o.op.requestBody?.content['multipart/form-data']?.schema;
  const baseline = json ? sample(json) : undefined;
  const baseBody = baseline === undefined ? undefined : JSON.stringify(baseline);
  const add = (c: Omit<Case, 'op' | 'path'> & { path?: string }) =>
    out.push({ op: o, path: pathWith(), body: baseBody, ...c });

  for (const p of pathParams)
    for (const v of PATH_VALUES)
      add({ what: `path ${p.name}=${v.slice(0, 20)}`, path: pathWith({ [p.name]: v }) });

  for (const p of params.filter((x) => x.in === 'query')) {
    for (const [what, v] of QUERY_VALUES) add({ what: `query ${p.name}: ${what}`, query: `${p.name}=${v}` });
    add({ what: `query ${p.name}: repeated`, query: `${p.name}=a&${p.name}=b` });
    if (p.name === 'cursor')
      for (const [what, v] of FORGED_CURSORS) add({ what: `query cursor: ${what}`, query: `cursor=${v}` });
  }

  if (json && baseline !== undefined) {
    const object = baseline !== null && typeof baseline === 'object' && !Array.isArray(baseline);
    // Each property in turn (and each property of an object property), the rest as sampled.
    const targets: string[][] = [];
    if (object) {
      const top = pick(json).properties as Record<string, Schema> | undefined;
      for (const [k, v] of Object.entries(top ?? {})) {
        targets.push([k]);
        const inner = pick(v).properties as Record<string, Schema> | undefined;
        for (const k2 of Object.keys(inner ?? {})) targets.push([k, k2]);
      }
    }
    for (const at of targets.slice(0, MAX_FIELDS))
      for (const [what, v] of VALUES) {
        const body = structuredClone(baseline) as Record<string, Json>;
        let holder = body;
        for (const k of at.slice(0, -1)) {
          if (!holder[k] || typeof holder[k] !== 'object' || Array.isArray(holder[k])) holder[k] = {};
          holder = holder[k] as Record<string, Json>;
        }
        holder[at.at(-1)!] = v;
        add({ what: `body ${at.join('.')}: ${what}`, body: JSON.stringify(body) });
      }
    // A lone surrogate and NUL as a key.
    add({
      what: 'body key: lone surrogate',
      body: JSON.stringify({ ...(object ? baseline : {}), '\ud800': 1 }),
    });
    add({ what: 'body key: NUL', body: JSON.stringify({ ...(object ? baseline : {}), 'a\u0000': 1 }) });
    for (const [what, body] of [
      ['body: null', 'null'],
      ['body: array', '[]'],
      ['body: string', '"x"'],
      ['body: number', '1e308'],
      ['body: malformed JSON', '{"a":'],
      ['body: deep nesting', '['.repeat(5000) + ']'.repeat(5000)],
    ] as const)
      add({ what, body });
  }

  if (o.method !== 'get' && o.method !== 'delete') {
    const plain = baseBody ?? '{}';
    add({ what: 'gzip header on a plain body', body: plain, headers: { 'Content-Encoding': 'gzip' } });
    add({ what: 'deflate header on a plain body', body: plain, headers: { 'Content-Encoding': 'deflate' } });
    add({ what: 'unknown Content-Encoding', body: plain, headers: { 'Content-Encoding': 'x-fuzz' } });
    // Bytes that are not UTF-8 inside a JSON string (a truncated sequence, then an invalid one).
    const bytes = Buffer.concat([
      Buffer.from('{"x":"'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    add({ what: 'invalid UTF-8 bytes', body: bytes });
    add({ what: 'text/plain body', body: plain, headers: { 'Content-Type': 'text/plain' } });
  }

  if (multipart) {
    const props = (pick(multipart).properties ?? {}) as Record<string, Schema>;
    const fileField = Object.entries(props).find(
      ([, s]) => s.format === 'binary' || pick(s.items as Schema).format === 'binary',
    )?.[0];
    const textFields = Object.keys(props).filter((k) => k !== fileField);
    const form = (over: Record<string, string>) => {
      const f = new FormData();
      for (const k of textFields) f.append(k, over[k] ?? String(sample(props[k])));
      if (fileField)
        f.append(fileField, new Blob([Buffer.from('not an image')], { type: 'image/png' }), 'a.png');
      return f;
    };
    for (const k of textFields)
      for (const [what, v] of VALUES.filter(([, v]) => typeof v === 'string') as Array<[string, string]>)
        add({ what: `multipart ${k}: ${what}`, form: form({ [k]: v }), body: undefined });
    add({ what: 'multipart: JSON instead', body: '{}' });
  }
  return out;
}

type Finding = string;

/** How many answers of each status the run saw (printed with the count). */
const statuses: Record<number, number> = {};

async function run(c: Case): Promise<Finding | undefined> {
  const url = `${stack.urls[c.op.service]}${c.path}${c.query ? `?${c.query}` : ''}`;
  const withBody = !['get', 'head', 'delete'].includes(c.op.method) || c.form;
  let res: Response;
  try {
    res = await fetch(url, {
      method: c.op.method.toUpperCase(),
      headers: {
        Authorization: `Bearer ${token}`,
        'Idempotency-Key': newKey('fuzz'),
        ...(!c.form && { 'Content-Type': 'application/json' }),
        ...c.headers,
      },
      ...(withBody && { body: c.form ?? c.body ?? '{}' }),
    });
  } catch (err) {
    return `${label(c.op)} [${c.what}]: request failed: ${String(err)}`;
  }
  const text = await res.text();
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  const show = () => `${label(c.op)} [${c.what}]: ${res.status} ${text.slice(0, 300)}`;
  if (res.status >= 500) return show();
  if (res.status >= 400) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `${show()} (not JSON)`;
    }
    const b = body as { success?: unknown; errors?: unknown };
    const envelope =
      b.success === false &&
      Array.isArray(b.errors) &&
      b.errors.length > 0 &&
      b.errors.every(
        (e: { code?: unknown; message?: unknown }) =>
          typeof e.code === 'string' && typeof e.message === 'string',
      );
    if (!envelope) return `${show()} (not the error envelope)`;
  }
  return undefined;
}

describe('input fuzz from the route table', () => {
  it('never answers 5xx, and every 4xx is the error envelope', async () => {
    const findings: Finding[] = [];
    const endedSession: string[] = [];
    let requests = 0;
    const started = Date.now();
    for (const op of stack.operations) {
      const all = cases(op);
      requests += all.length;
      let next = 0;
      // A few at a time: the services share the machine with the suite.
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (next < all.length) {
            const found = await run(all[next++]!);
            if (found) findings.push(found);
          }
        }),
      );
      // A route that ends the caller's session (logout) did its job: carry on with a new one.
      if (!(await signedIn())) {
        endedSession.push(label(op));
        token = await ownerSession();
      }
    }
    report(
      `routes that ended the owner's session (a new one was started): ${endedSession.join(', ') || 'none'}`,
    );
    report(
      `${requests} requests over ${stack.operations.length} routes in ${Math.round((Date.now() - started) / 1000)} s, ${findings.length} findings; statuses ${JSON.stringify(statuses)}`,
    );
    expect(stack.operations.length).toBeGreaterThan(80);
    expect(findings.sort()).toEqual([]);
  }, 180_000);
});
