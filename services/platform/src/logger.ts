import { isSpanContextValid, trace } from '@opentelemetry/api';
import winston from 'winston';
import { currentContext } from './context.ts';

/** Keys whose values never reach a log line, matched case-insensitively anywhere in the object. */
const SENSITIVE_KEY =
  /pass(word)?|secret|token|authorization|cookie|api[-_]?key|signature|card[-_]?number|cvv|cvc|pan$|otp|pin$|private[-_]?key/i;
/** Values that look like card numbers (13–19 digits, optional spaces/dashes) or bearer credentials. */
const CARD_NUMBER = /\b\d(?:[ -]?\d){12,18}\b/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** `password=…`, `"token": "…"` and the like inside free text (error messages, URLs). */
const INLINE_SECRET =
  /\b(pass(?:word|wd)?|secret|token|api[-_]?key|authorization)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)/gi;
/** Credentials inside connection URLs: postgres://user:secret@host. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s]+@/gi;
/**
 * What each of BEARER, INLINE_SECRET, URL_CREDENTIALS and CARD_NUMBER needs to match: a string with
 * none of these words, no `://` and no run of 13 digits is returned as it is.
 */
const MAYBE_SECRET = /bearer|basic|pass|secret|token|api[-_]?key|authorization|:\/\/|\d(?:[ -]?\d){12}/i;
export const REDACTED = '[REDACTED]';

/** What a caught value says, for a log field or an error message (`unknown` in a catch is not always an Error). */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Card numbers pass the Luhn check; most other long digit runs (timestamps, ids) do not. */
function luhn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Returns a copy of `value` with secrets, tokens and card data replaced by `[REDACTED]`. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[TRUNCATED]';
  if (typeof value === 'string') {
    // Most values (methods, paths, ids, statuses) can match none of the four patterns below: one
    // test says so instead of four replaces (the request log line's redaction was ~4% of a cached
    // GET's CPU, see docs/benchmarks.md).
    if (!MAYBE_SECRET.test(value)) return value;
    return value
      .replace(BEARER, `$1 ${REDACTED}`)
      .replace(INLINE_SECRET, `$1$2${REDACTED}`)
      .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
      .replace(CARD_NUMBER, (m) => (luhn(m) ? REDACTED : m));
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (value && typeof value === 'object') return redactFields(value, depth);
  return value;
}

/** `redact` of an object's own fields: sensitive keys replaced, every value redacted in turn. */
function redactFields(value: object, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SENSITIVE_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

const LEVEL = Symbol.for('level');

/** Adds the unit-of-work context and the active span's ids, then redacts, to every entry. */
const enrich = winston.format((info) => {
  const ctx = currentContext();
  const active = trace.getActiveSpan()?.spanContext();
  const span = active && isSpanContextValid(active) ? active : undefined;
  const { level, message, ...rest } = info;
  const clean = redactFields(rest);
  const entry: winston.Logform.TransformableInfo = {
    level,
    message: redact(message),
    ...(ctx.correlationId && { correlationId: ctx.correlationId }),
    ...(span && { traceId: span.traceId, spanId: span.spanId }),
    ...(ctx.tenantId && { tenantId: ctx.tenantId }),
    ...(ctx.userId && { userId: ctx.userId }),
    ...clean,
  };
  entry[LEVEL] = info[LEVEL];
  return entry;
});

export type Logger = winston.Logger;

let root: winston.Logger | undefined;

/** The process logger: JSON lines on stdout with service, context ids and redaction. */
export function createLogger(options: {
  service: string;
  level?: string;
  stream?: NodeJS.WritableStream;
}): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { service: options.service },
    format: winston.format.combine(enrich(), winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
}

/** Sets the logger returned by `logger()`; main.ts and worker.ts call it once at start. */
export function setRootLogger(l: Logger): Logger {
  root = l;
  return l;
}

/** The process logger (a default one named after SERVICE_NAME until main sets its own). */
export function logger(): Logger {
  root ??= createLogger({
    service: process.env.SERVICE_NAME ?? 'faena',
    level: process.env.LOG_LEVEL ?? 'info',
  });
  return root;
}
