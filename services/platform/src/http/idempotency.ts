import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import Joi from 'joi';
import type { Context, Middleware } from 'koa';
import { currentContext } from '../context.ts';
import { isRecord } from '../guards.ts';
import { documented } from './documented.ts';
import { DomainError } from './errors.ts';

interface Stored {
  state: 'processing' | 'done';
  fingerprint: string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}
/** What this middleware keeps in Redis (read back through it, not cast). */
const storedSchema = Joi.object<Stored>({
  state: Joi.string().valid('processing', 'done').required(),
  fingerprint: Joi.string().required(),
  status: Joi.number().integer(),
  body: Joi.any(),
  headers: Joi.object().pattern(Joi.string(), Joi.string()),
});

export interface IdempotencyOptions {
  redis: Redis;
  /** Namespace of the keys, usually the service name. */
  scope: string;
  /** How long a finished answer is replayed (default 24 h). */
  ttlSeconds?: number;
  /** How long a request may hold its key while running before another may take over (default 60 s). */
  lockSeconds?: number;
  /** How long an identical concurrent request waits for the first one's answer (default 10 s). */
  waitMs?: number;
}

const KEY = /^[\x21-\x7e]{8,255}$/;
const REPLAYED_HEADERS = ['location', 'content-type'];

const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : isRecord(v)
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
          .join(',')}}`
      : (JSON.stringify(v) ?? 'null');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The caller's `Idempotency-Key` as the API keeps it: one per tenant, user and request line
 * (method + path), so a key someone else sends, or the same key on another route or resource, is
 * simply another key — never a way to read another user's answer. Domain keys derived from the
 * header (a payment's) use this too, so they are scoped the same way.
 */
export function scopedIdempotencyKey(ctx: Context): string {
  const { tenantId, userId } = currentContext();
  return createHash('sha256')
    .update(
      [tenantId ?? 'public', userId ?? 'anonymous', ctx.method, ctx.path, ctx.get('Idempotency-Key')].join(
        '\n',
      ),
    )
    .digest('base64url');
}

const IDEMPOTENCY_DOC = {
  headers: [
    {
      name: 'Idempotency-Key',
      required: true,
      description:
        'Makes retries safe: the same key and body answer the first result again; another body with the key is 409',
      schema: { type: 'string', minLength: 8, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
    },
  ],
};

/**
 * `Idempotency-Key` for POSTs that move money or stock. The first request with a key runs; a later
 * one with the same key and body gets the first answer again (`Idempotent-Replayed: true`), also
 * while the first is still running (it waits for it); the same key with another body is
 * 409 IDEMPOTENCY_KEY_REUSED. 5xx answers are not kept, so a retry after a crash runs again.
 */
export function idempotency(opts: IdempotencyOptions): Middleware {
  const ttl = opts.ttlSeconds ?? 86400;
  const lock = opts.lockSeconds ?? 60;
  const waitMs = opts.waitMs ?? 10000;

  const replay = (ctx: Context, s: Stored) => {
    ctx.status = s.status ?? 200;
    ctx.set({ ...(s.headers ?? {}), 'Idempotent-Replayed': 'true' });
    ctx.body = s.body;
  };

  return documented(async (ctx, next) => {
    const key = ctx.get('Idempotency-Key');
    if (!KEY.test(key)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'Idempotency-Key header is required: 8 to 255 visible ASCII characters',
        {
          field: 'headers.idempotency-key',
        },
      );
    }
    const redisKey = `idem:${opts.scope}:${scopedIdempotencyKey(ctx)}`;
    const fingerprint = createHash('sha256').update(canonical(ctx.request.body)).digest('hex');

    const claimed = await opts.redis.set(
      redisKey,
      JSON.stringify({ state: 'processing', fingerprint } satisfies Stored),
      'EX',
      lock,
      'NX',
    );
    if (!claimed) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const raw = await opts.redis.get(redisKey);
        if (!raw) break; // the first attempt failed with a 5xx and released the key: run this one
        const stored = Joi.attempt(JSON.parse(raw), storedSchema);
        if (stored.fingerprint !== fingerprint) {
          throw new DomainError(
            'IDEMPOTENCY_KEY_REUSED',
            'This Idempotency-Key was used with a different request body',
          );
        }
        if (stored.state === 'done') return replay(ctx, stored);
        if (Date.now() > deadline) {
          throw new DomainError(
            'IDEMPOTENCY_REQUEST_IN_PROGRESS',
            'A request with this Idempotency-Key is still in progress',
            {
              headers: { 'Retry-After': '1' },
            },
          );
        }
        await sleep(50);
      }
      // Released: claim again (recursion bounded by the lock, a 5xx is rare)
      const again = await opts.redis.set(
        redisKey,
        JSON.stringify({ state: 'processing', fingerprint } satisfies Stored),
        'EX',
        lock,
        'NX',
      );
      if (!again)
        throw new DomainError(
          'IDEMPOTENCY_REQUEST_IN_PROGRESS',
          'A request with this Idempotency-Key is in progress',
          { headers: { 'Retry-After': '1' } },
        );
    }

    let status: number;
    try {
      await next();
      status = ctx.status;
    } catch (err) {
      // A refusal (4xx) is kept and replayed; anything else is a 5xx and releases the key.
      status = err instanceof DomainError ? err.status : 500;
      if (err instanceof DomainError && status < 500) {
        await opts.redis.set(
          redisKey,
          JSON.stringify({
            state: 'done',
            fingerprint,
            status,
            body: { success: false, errors: err.items },
            headers: err.headers,
          } satisfies Stored),
          'EX',
          ttl,
        );
      } else {
        await opts.redis.del(redisKey);
      }
      throw err;
    }
    if (status >= 500) {
      await opts.redis.del(redisKey);
      return;
    }
    const headers: Record<string, string> = {};
    for (const h of REPLAYED_HEADERS) {
      const v = ctx.response.get(h);
      if (v) headers[h] = v;
    }
    await opts.redis.set(
      redisKey,
      JSON.stringify({ state: 'done', fingerprint, status, body: ctx.body, headers } satisfies Stored),
      'EX',
      ttl,
    );
  }, IDEMPOTENCY_DOC);
}
