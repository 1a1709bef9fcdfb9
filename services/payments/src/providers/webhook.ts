import { hmacHex, safeEqualHex } from '@faena/platform';

export const MAX_WEBHOOK_SKEW_SECONDS = 300;

/** The string MercadoPago signs: `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`. */
export const signatureManifest = (dataId: string, requestId: string, ts: string): string =>
  `id:${/^[a-z0-9]+$/i.test(dataId) ? dataId.toLowerCase() : dataId};request-id:${requestId};ts:${ts};`;

/** `x-signature: ts=<ts>,v1=<hmac>` for a notification (used by the sandbox and tests). */
export function signWebhook(secret: string, dataId: string, requestId: string, ts: string): string {
  return `ts=${ts},v1=${hmacHex(secret, signatureManifest(dataId, requestId, ts))}`;
}

export type WebhookVerdict = { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * Verifies an `x-signature` header: HMAC-SHA256 with the tenant's secret, compared in constant
 * time, with `ts` (seconds, or milliseconds as MercadoPago sometimes sends) within 300 s of now.
 */
export function verifyWebhook(
  secret: string,
  header: string,
  dataId: string,
  requestId: string,
  nowMs = Date.now(),
): WebhookVerdict {
  const parts = Object.fromEntries(
    header.split(',').map((kv): [string, string | undefined] => {
      const [key = '', value] = kv.trim().split('=', 2);
      return [key, value];
    }),
  );
  const ts = parts.ts;
  const v1 = parts.v1;
  if (!ts || !v1 || !/^\d{9,16}$/.test(ts) || !dataId || !requestId)
    return { ok: false, reason: 'malformed' };
  const tsMs = ts.length > 11 ? Number(ts) : Number(ts) * 1000;
  if (Math.abs(nowMs - tsMs) > MAX_WEBHOOK_SKEW_SECONDS * 1000) return { ok: false, reason: 'stale' };
  return safeEqualHex(hmacHex(secret, signatureManifest(dataId, requestId, ts)), v1)
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
