import { isRecord } from '../guards.ts';
import { errorMessage } from '../logger.ts';
import type Joi from 'joi';
import { bodyParser } from '@koa/bodyparser';
import cors from '@koa/cors';
import { Router } from '@koa/router';
import { context, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import Koa, { type Context, type Middleware } from 'koa';
import helmet from 'koa-helmet';
import { uuidv7 } from 'uuidv7';
import { runWithContext } from '../context.ts';
import type { Logger } from '../logger.ts';
import { ok, fail } from './envelope.ts';
import { DomainError, ERROR_STATUS, type ErrorCode } from './errors.ts';
import { cidrMatcher } from '../net/ssrf.ts';
import { buildOpenApi } from './openapi.ts';
import { validate, type RouteSchemas, type ValidatedInput } from './validation.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler may return besides plain data: a status, pagination meta or headers. */
export class Reply<T = unknown> {
  readonly data: T;
  readonly status: number;
  readonly meta: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;
  /** Sends `data` as the whole body, without the envelope (for standard formats such as JWKS). */
  readonly raw: boolean;
  constructor(
    data: T,
    opts: {
      status?: number;
      meta?: Record<string, unknown>;
      headers?: Record<string, string>;
      raw?: boolean;
    } = {},
  ) {
    this.raw = opts.raw ?? false;
    this.data = data;
    this.status = opts.status ?? 200;
    this.meta = opts.meta;
    this.headers = opts.headers ?? {};
  }
}
export const reply = <T>(data: T, opts?: ConstructorParameters<typeof Reply<T>>[1]): Reply<T> =>
  new Reply(data, opts);

/**
 * A route whose handler receives its input typed from its joi schemas: declare the shape once, on
 * the schema (`Joi.object<{ id: string }>({ id: uuid.required() })`, checked against the keys with
 * `Joi.object<T, true>`), and the handler reads `input.params.id` as a string — no casts.
 *
 *   defineRoute({ method: 'get', path: '/offers/:id', schemas: { params: idParams }, handler: (ctx, { params }) => … })
 */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  route: TypedRoute<P, Q, B>,
): Route {
  // Validation put exactly these shapes in `ctx.state.input` (the schemas' output).
  return route as unknown as Route;
}

export interface TypedRoute<P, Q, B> extends Omit<Route, 'schemas' | 'handler'> {
  schemas?: {
    params?: Joi.ObjectSchema<P>;
    query?: Joi.ObjectSchema<Q>;
    body?: Joi.Schema<B>;
    response?: Joi.Schema;
    multipart?: RouteSchemas['multipart'];
  };
  handler: (ctx: Context, input: { params: P; query: Q; body: B }) => Promise<unknown>;
}

/** One HTTP route: its joi schemas validate input and document it in `/openapi.json`. */
export interface Route {
  method: HttpMethod;
  /** Path below the service's base path, Koa style (`/orders/:id`). */
  path: string;
  summary: string;
  tags?: string[];
  schemas?: RouteSchemas;
  /** Runs before validation: auth guard, rate limiter, idempotency. */
  middleware?: Middleware[];
  /** Returns the `data` of the success envelope, or a `Reply`. */
  handler: (ctx: Context, input: ValidatedInput) => Promise<unknown>;
  /** Documented success status (a `Reply` may still set another). */
  status?: number;
  /**
   * The success body is not the envelope (a handler answering `reply(x, { raw: true })`): its
   * content type (or the types a file may have) and, for JSON, its schema — e.g. a JWKS, a CSV
   * file, an uploaded image.
   */
  produces?: { contentType: string | string[]; schema?: Joi.Schema };
  /** Marks the route as requiring a bearer token in the OpenAPI document. */
  auth?: boolean;
  /** Mounts the route at `path` itself instead of below the base path (e.g. `/.well-known/jwks.json`). */
  root?: boolean;
}

/** A `/health/ready` dependency check: resolves when healthy, throws (or times out) when not. */
export interface HealthCheck {
  name: string;
  check: () => Promise<unknown>;
}

export interface HttpAppOptions {
  service: string;
  version?: string;
  /** Mount point of `routes`, e.g. `/api/payments/v1`. */
  basePath: string;
  routes: Route[];
  logger: Logger;
  health?: HealthCheck[];
  corsOrigins?: string[];
  bodyLimit?: string;
  /**
   * Proxy hops in front of the API (the ingress: 1) whose `X-Forwarded-For` is believed: `ctx.ip`
   * is then the address the outermost trusted hop saw, never one the client wrote. 0 (default):
   * forwarded headers are ignored and the socket's address is the client's.
   */
  trustedProxies?: number | readonly string[];
  /** Runs after the body parser, before every route (e.g. `requestContextMiddleware(orm)`). */
  middleware?: Middleware[];
  /** Serves `/metrics` (the Prometheus exporter's handler), when telemetry runs. */
  metrics?: Middleware;
  healthTimeoutMs?: number;
  /**
   * Checks every answer against its route's documented response schema and fails the request
   * (500, logged) when it does not match: on in tests (NODE_ENV=test), so every suite proves the
   * OpenAPI document's responses; off in production, where the cost buys nothing.
   */
  checkResponses?: boolean;
}

export interface HttpApp {
  app: Koa;
  /** Makes `/health/ready` answer 503 (first step of a graceful shutdown). */
  markShuttingDown(): void;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The answer as a client reads it (JSON), against what the route documents (see checkResponses). */
function checkResponse(route: Route, r: Reply<unknown>): void {
  const schema = r.raw ? route.produces?.schema : route.schemas?.response;
  if (!schema || r.status === 204 || (r.raw && route.produces?.contentType !== 'application/json')) return;
  const json: unknown = JSON.parse(JSON.stringify(r.data ?? null));
  const { error } = schema.validate(json, { convert: false, allowUnknown: false, abortEarly: false });
  if (error)
    throw new Error(
      `${route.method.toUpperCase()} ${route.path} answered outside its documented response: ${error.message}`,
    );
}

function errorFromKoa(err: {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
  type?: string;
}): DomainError | undefined {
  const status = err.status ?? err.statusCode;
  if (!status || status >= 500) return undefined;
  if (status === 413) return new DomainError('PAYLOAD_TOO_LARGE', 'Request body is too large');
  if (status === 415) return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type');
  if (status === 400 && /json/i.test(`${err.type ?? ''} ${err.message ?? ''}`))
    return new DomainError('INVALID_JSON', 'Request body is not valid JSON');
  const code = (Object.keys(ERROR_STATUS) as ErrorCode[]).find((c) => ERROR_STATUS[c] === status);
  return new DomainError(
    code ?? 'VALIDATION_FAILED',
    err.expose && err.message ? err.message : 'Bad request',
  );
}

/** Socket errors and PostgreSQL SQLSTATEs that say "not reachable now" (class 08, shutdown, too many connections). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;

/**
 * A dependency that cannot be reached (the database down or restarting, a connection cut, the pool
 * unable to connect): a retryable 503 with Retry-After, not a 500 — the request was fine, the
 * service will be again. Looks through `cause` chains (MikroORM wraps the driver's error).
 */
export function unavailableError(raw: unknown): DomainError | undefined {
  for (let e: unknown = raw, depth = 0; isRecord(e) && depth < 5; e = e.cause, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    const name = typeof e.name === 'string' ? e.name : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (
      UNAVAILABLE_CODES.has(code) ||
      UNAVAILABLE_SQLSTATE.test(code) ||
      name === 'ConnectionException' ||
      /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i.test(
        message,
      )
    )
      return new DomainError('SERVICE_UNAVAILABLE', 'A service this request needs is unavailable; retry', {
        headers: { 'Retry-After': '5' },
      });
  }
  return undefined;
}

/**
 * A body the parser could not read, as the caller's error: its own status when it has one (413,
 * 415, malformed JSON), 415 UNSUPPORTED_ENCODING for a Content-Encoding it does not decode, and
 * 400 INVALID_ENCODING when the bytes are not what the Content-Encoding says (zlib and brotli
 * throw plain errors, which would otherwise be a 500).
 */
function bodyError(raw: unknown): unknown {
  const err = isRecord(raw) ? raw : {};
  const message = typeof err.message === 'string' ? err.message : '';
  if (err.status === 415 && /content-encoding/i.test(message))
    return new DomainError('UNSUPPORTED_ENCODING', message.slice(0, 200));
  if (typeof err.status === 'number' || typeof err.statusCode === 'number') return raw;
  return new DomainError('INVALID_ENCODING', 'Request body does not match its Content-Encoding');
}

/** Objects and arrays a JSON body may nest: far beyond any schema, well before recursion overflows. */
const MAX_BODY_DEPTH = 64;

/**
 * Whether `value` nests objects or arrays more than `max` deep, walked without recursion: code that
 * recurses over a body (the idempotency fingerprint, validation) must never meet `[[[[…]]]]` 5,000
 * deep, which overflows the stack (a 500).
 */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const todo: Array<[unknown, number]> = [[value, 1]];
  while (todo.length) {
    const [v, depth] = todo.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) todo.push([child, depth + 1]);
  }
  return false;
}

/**
 * The Koa app every Faena service serves: correlation id, request log, error envelope, security
 * headers, CORS allow-list, body limit, validated routes, health, metrics and OpenAPI.
 */
/** The `http_route` of a request no route matched (404): one value for all of them. */
export const UNMATCHED_ROUTE = '(unmatched)';

export function createHttpApp(opts: HttpAppOptions): HttpApp {
  const trusted = opts.trustedProxies ?? 0;
  const hops = typeof trusted === 'number' ? trusted : 0;
  const app = new Koa({ proxy: hops > 0, maxIpsCount: hops });
  // Trusted by address: the client is the rightmost X-Forwarded-For entry that is not one of the
  // proxies, believed only when the socket itself is one of them.
  if (typeof trusted !== 'number' && trusted.length) {
    const isProxy = cidrMatcher(trusted);
    app.use(async (ctx, next) => {
      const peer = ctx.socket.remoteAddress ?? '';
      if (isProxy(peer)) {
        const chain = ctx
          .get('X-Forwarded-For')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        let client = peer;
        for (let i = chain.length - 1; i >= 0 && isProxy(client); i--) client = chain[i]!;
        ctx.request.ip = client;
      }
      await next();
    });
  }
  const log = opts.logger;
  let shuttingDown = false;
  const api = new Router({ prefix: opts.basePath });

  // 0. Every request's metrics carry an http_route (the OpenTelemetry HTTP instrumentation reads it
  // from the RPC metadata, which the Koa instrumentation fills only when a route matched): a 405
  // gets the template of the path it named, anything else no route matched gets UNMATCHED_ROUTE.
  // One bounded value, so a scanner's random paths never become series of their own.
  app.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      const rpc = getRPCMetadata(context.active());
      if (rpc?.type === RPCType.HTTP && !rpc.route) {
        const template = api.match(ctx.path, ctx.method).path[0]?.path;
        rpc.route = typeof template === 'string' ? template : UNMATCHED_ROUTE;
      }
    }
  });
  const healthTimeout = opts.healthTimeoutMs ?? 2000;

  // 1. Correlation id + context + request log line: outermost, so every later log line carries it.
  app.use(async (ctx, next) => {
    const given = ctx.get('X-Correlation-ID');
    const correlationId = CORRELATION_ID.test(given) ? given : uuidv7();
    ctx.set('X-Correlation-ID', correlationId);
    const started = process.hrtime.bigint();
    trace.getActiveSpan()?.setAttribute('faena.correlation_id', correlationId);
    await runWithContext({ correlationId }, async () => {
      try {
        await next();
      } finally {
        if (!ctx.path.startsWith('/health') && ctx.path !== '/metrics') {
          log.info('http request', {
            method: ctx.method,
            path: ctx.path,
            route: (ctx as { _matchedRoute?: string })._matchedRoute,
            status: ctx.status,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          });
        }
      }
    });
  });

  // 2. Error envelope: domain errors keep their code; anything unexpected is a bare 500.
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new DomainError('ROUTE_NOT_FOUND', `No route for ${ctx.method} ${ctx.path}`);
      }
    } catch (raw) {
      const err =
        raw instanceof DomainError
          ? raw
          : (errorFromKoa(raw as Record<string, never>) ?? unavailableError(raw));
      if (err) {
        ctx.status = err.status;
        ctx.set(err.headers);
        ctx.body = fail(err.items);
        return;
      }
      const e = raw instanceof Error ? raw : new Error(String(raw));
      log.error('unhandled error', { error: e.message, stack: e.stack, method: ctx.method, path: ctx.path });
      trace.getActiveSpan()?.recordException(e);
      ctx.status = 500;
      ctx.body = fail([{ code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' }]);
    }
  });

  // While stopping, ask keep-alive clients to reconnect elsewhere so connections drain.
  app.use(async (ctx, next) => {
    if (shuttingDown) ctx.set('Connection', 'close');
    await next();
  });
  app.use(helmet());
  const allowed = new Set(opts.corsOrigins ?? []);
  app.use(
    cors({
      origin: (ctx) => (allowed.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
      credentials: true,
      exposeHeaders: ['X-Correlation-ID', 'Retry-After', 'Idempotent-Replayed'],
    }),
  );
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: opts.bodyLimit ?? '1mb',
      encoding: 'utf-8',
      onError: (err) => {
        throw bodyError(err);
      },
    }),
  );
  app.use(async (ctx, next) => {
    if (nestedDeeperThan(ctx.request.body, MAX_BODY_DEPTH))
      throw new DomainError(
        'VALIDATION_FAILED',
        `Request body is nested deeper than ${MAX_BODY_DEPTH} levels`,
        {
          field: 'body',
        },
      );
    await next();
  });
  for (const m of opts.middleware ?? []) app.use(m);

  // Health and metrics live outside the versioned API, where probes and Prometheus look.
  const ops = new Router();
  const runChecks = async () =>
    Promise.all(
      (opts.health ?? []).map(async ({ name, check }) => {
        const t0 = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`timed out after ${healthTimeout} ms`)),
                healthTimeout,
              );
            }),
          ]);
          return { name, status: 'up' as const, latencyMs: Math.round(performance.now() - t0) };
        } catch (err) {
          return {
            name,
            status: 'down' as const,
            latencyMs: Math.round(performance.now() - t0),
            error: errorMessage(err),
          };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  ops.get('/health/live', (ctx) => {
    ctx.body = ok({ status: 'up' });
  });
  ops.get('/health/ready', async (ctx) => {
    if (shuttingDown) throw new DomainError('SERVICE_UNAVAILABLE', 'shutting down', { field: 'shutdown' });
    const down = (await runChecks()).filter((c) => c.status === 'down');
    if (down.length) {
      throw new DomainError('SERVICE_UNAVAILABLE', 'not ready', {
        items: down.map((c) => ({
          code: 'SERVICE_UNAVAILABLE',
          field: c.name,
          message: `${c.name}: ${c.error}`,
        })),
      });
    }
    ctx.body = ok({ status: 'up' });
  });
  ops.get('/health', async (ctx) => {
    const checks = await runChecks();
    const up = !shuttingDown && checks.every((c) => c.status === 'up');
    ctx.status = up ? 200 : 503;
    ctx.body = ok({
      status: up ? 'up' : 'down',
      service: opts.service,
      version: opts.version,
      shuttingDown,
      checks,
    });
  });
  if (opts.metrics) ops.get('/metrics', opts.metrics);
  const openapi = buildOpenApi(opts);
  ops.get('/openapi.json', (ctx) => {
    ctx.body = openapi;
  });

  const checkResponses = opts.checkResponses ?? process.env.NODE_ENV === 'test';
  for (const route of opts.routes) {
    const handler: Middleware = async (ctx) => {
      const result = await route.handler(ctx, ctx.state.input as ValidatedInput);
      const r: Reply<unknown> =
        result instanceof Reply ? result : new Reply(result, { status: route.status ?? 200 });
      if (checkResponses)
        try {
          checkResponse(route, r);
        } catch (err) {
          // Test logs are captured; DEBUG_RESPONSES=1 prints each mismatch where a developer sees it.
          if (process.env.DEBUG_RESPONSES) process.stderr.write(`RESPONSE-MISMATCH ${String(err)}\n`);
          throw err;
        }
      ctx.status = r.status;
      ctx.set(r.headers);
      ctx.body = r.status === 204 ? undefined : r.raw ? r.data : ok(r.data, r.meta);
    };
    (route.root ? ops : api)[route.method](
      route.path,
      ...(route.middleware ?? []),
      validate(route.schemas ?? {}),
      handler,
    );
  }
  app.use(ops.routes());
  app.use(api.routes());
  app.use(
    api.allowedMethods({
      throw: true,
      methodNotAllowed: () => new DomainError('METHOD_NOT_ALLOWED', 'Method not allowed'),
      notImplemented: () => new DomainError('METHOD_NOT_ALLOWED', 'Method not supported'),
    }),
  );

  return {
    app,
    markShuttingDown: () => {
      shuttingDown = true;
    },
  };
}
