/**
 * The request log as it was before the fix measured by H1 (docs/benchmarks.md): a verbatim copy of
 * services/platform/src/logger.ts's redaction and format at commit bec3ae4, so the bench runs the
 * old path and the new one in the same run (servers.ts, BENCH_LEGACY_LOG=1). Bench-only code.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import winston from 'winston';
import { currentContext } from '../../../services/platform/src/context.ts';

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
const REDACTED = '[REDACTED]';

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
function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[TRUNCATED]';
  if (typeof value === 'string') {
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

/** createLogger of bec3ae4, to a stream. */
export function createLegacyLogger(options: {
  service: string;
  level: string;
  stream: NodeJS.WritableStream;
}) {
  return winston.createLogger({
    level: options.level,
    defaultMeta: { service: options.service },
    format: winston.format.combine(enrich(), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: options.stream })],
  });
}
