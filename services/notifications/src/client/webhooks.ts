/**
 * For the businesses that receive Faena webhooks: verify a delivery before trusting it.
 *
 *   const event = verifyWebhook({ body: rawBody, signature: req.headers['faena-signature'], secret });
 *
 * Every delivery carries `Faena-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * A signature older (or newer) than `toleranceSeconds` is refused, so a captured request cannot be
 * replayed later; the comparison is constant-time. Verify the raw body, before any JSON parsing.
 */
import { hmacHex, safeEqualHex } from '@faena/platform';
import Joi from 'joi';

export const SIGNATURE_HEADER = 'Faena-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type WebhookSignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';

export class WebhookSignatureError extends Error {
  readonly reason: WebhookSignatureFailure;
  constructor(reason: WebhookSignatureFailure, message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
    this.reason = reason;
  }
}

/** What a delivery's body holds. */
export interface WebhookEvent {
  id: string;
  type: string;
  tenantId: string;
  createdAt: string;
  data: Record<string, unknown>;
}
/** A delivery's body as checked once its signature is (fields added later pass through). */
const webhookEventSchema = Joi.object<WebhookEvent>({
  id: Joi.string().required(),
  type: Joi.string().required(),
  tenantId: Joi.string().required(),
  createdAt: Joi.string().required(),
  data: Joi.object().unknown().required(),
}).unknown();

/** The header value for `body` signed at `timestampSeconds` (what Faena sends). */
export const signWebhook = (secret: string, body: string, timestampSeconds: number): string =>
  `t=${timestampSeconds},v1=${hmacHex(secret, `${timestampSeconds}.${body}`)}`;

/** Returns the parsed event when the signature is valid and fresh; throws `WebhookSignatureError` otherwise. */
export function verifyWebhook(opts: {
  body: string | Buffer;
  signature: string | string[] | undefined;
  secret: string;
  toleranceSeconds?: number;
  /** Milliseconds since the epoch (tests). */
  now?: number;
}): WebhookEvent {
  const header = Array.isArray(opts.signature) ? opts.signature[0] : opts.signature;
  if (!header) throw new WebhookSignatureError('missing', `${SIGNATURE_HEADER} header missing`);
  const parts = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k && v) parts.set(k, [...(parts.get(k) ?? []), v]);
  }
  const t = Number(parts.get('t')?.[0]);
  const candidates = parts.get('v1') ?? [];
  if (!Number.isInteger(t) || !candidates.length)
    throw new WebhookSignatureError('malformed', `${SIGNATURE_HEADER} header malformed`);
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS))
    throw new WebhookSignatureError('stale', 'Signature timestamp outside the tolerance');
  const body = typeof opts.body === 'string' ? opts.body : opts.body.toString('utf8');
  const expected = hmacHex(opts.secret, `${t}.${body}`);
  // Check every candidate (secret rotation sends several) without stopping early.
  const matched = candidates.reduce((ok, c) => safeEqualHex(expected, c) || ok, false);
  if (!matched) throw new WebhookSignatureError('mismatch', 'Signature does not match');
  return Joi.attempt(JSON.parse(body), webhookEventSchema);
}
