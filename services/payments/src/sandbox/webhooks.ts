/**
 * Webhook delivery like MercadoPago's: `POST <notification_url>?data.id=<id>&type=payment` with a
 * JSON body and `x-signature` / `x-request-id` signed with the merchant's secret at the moment of
 * sending (so a payment resolved 20 minutes after it was created, or a notification held for its
 * delay, still carries a fresh `ts`). Per merchant, faults on request: a delay, extra copies of each
 * notification (same notification id, as MercadoPago's retries), and batches delivered in reverse.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { signWebhook } from '../providers/webhook.ts';
import { HttpError } from './http.ts';
import type { SandboxPayment, SandboxStore, WebhookFaults } from './store.ts';
import { NO_FAULTS } from './store.ts';

export const MAX_DUPLICATES = 10;
export const MAX_DELAY_MS = 10 * 60_000;

/** The merchant's webhook faults from a `PUT /sandbox/merchants/webhooks` body (all of them: PUT replaces). */
export function faultsFrom(body: Record<string, unknown>): WebhookFaults {
  const unknown = Object.keys(body).filter((k) => !['delayMs', 'duplicates', 'reorder'].includes(k));
  if (unknown.length) throw new HttpError(400, `unknown fields: ${unknown.join(', ')}`);
  const { delayMs = null, duplicates = 0, reorder = false } = body;
  const upTo = (v: unknown, max: number): v is number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  if (delayMs !== null && !upTo(delayMs, MAX_DELAY_MS))
    throw new HttpError(400, `delayMs must be an integer from 0 to ${MAX_DELAY_MS} (10 min), or null`);
  if (!upTo(duplicates, MAX_DUPLICATES))
    throw new HttpError(400, `duplicates must be an integer from 0 to ${MAX_DUPLICATES}`);
  if (typeof reorder !== 'boolean') throw new HttpError(400, 'reorder must be true or false');
  return { delayMs, duplicates, reorder };
}

export interface Delivery {
  paymentId: number;
  status: number | 'error';
  notificationId: string;
  /** 0 for the notification, 1… for its duplicates. */
  copy?: number;
}

interface Notification {
  id: string;
  paymentId: number;
  action: 'payment.created' | 'payment.updated';
  createdAt: string;
  /** 1 + the merchant's duplicates when it was created. */
  copies: number;
}

export interface Notifier {
  /** Queues the payment's notification through the merchant's faults (delay, duplicates, reorder). */
  enqueue(p: SandboxPayment, action?: Notification['action']): void;
  /** Sends one new notification now, faults aside (`/sandbox/payments/:id/notify`). */
  sendNow(p: SandboxPayment): Promise<void>;
  /** Drops what is still waiting (timers and held batches). */
  close(): void;
}

export function createNotifier(deps: {
  store: SandboxStore;
  deliveries: Delivery[];
  now: () => number;
  defaultDelayMs: number;
}): Notifier {
  const { store, deliveries, now } = deps;
  const timers = new Set<NodeJS.Timeout>();
  const batches = new Map<string, Notification[]>(); // access token → held notifications, oldest first
  let closed = false;

  const later = (ms: number, fn: () => Promise<void>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      void fn();
    }, ms);
    timers.add(t);
  };

  const MAX_ATTEMPTS = 8;
  const create = (p: SandboxPayment, action: Notification['action'], copies = 1): Notification => ({
    // Numeric like MercadoPago's; random so ids never repeat across restarts (Faena dedups by id).
    id: `${Date.now()}${String(randomInt(1_000_000)).padStart(6, '0')}`,
    paymentId: p.id,
    action,
    createdAt: new Date(now()).toISOString(),
    copies,
  });

  /**
   * Sends one copy of a notification. Like MercadoPago, a notification the receiver did not take
   * (a 5xx, a timeout, no connection) is sent again later: here after 1, 2, 4 … 15 s, 8 tries in all.
   */
  async function post(n: Notification, copy: number, attempt = 1): Promise<void> {
    const p = store.payments.get(n.paymentId);
    const secret = p && store.merchants.get(p.accessToken)?.webhookSecret;
    if (!p?.notification_url || !secret || closed) return;
    const requestId = randomUUID();
    const ts = String(Math.floor(now() / 1000));
    const target = new URL(p.notification_url);
    target.searchParams.set('data.id', String(p.id));
    target.searchParams.set('type', 'payment');
    let status: Delivery['status'];
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'x-signature': signWebhook(secret, String(p.id), requestId, ts),
          'x-request-id': requestId,
        },
        body: JSON.stringify({
          id: n.id,
          type: 'payment',
          action: n.action,
          api_version: 'v1',
          live_mode: false,
          date_created: n.createdAt,
          data: { id: String(p.id) },
        }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 'error';
    }
    deliveries.push({ paymentId: p.id, status, notificationId: n.id, copy });
    if ((status === 'error' || status >= 500) && attempt < MAX_ATTEMPTS && !closed)
      later(Math.min(1000 * 2 ** (attempt - 1), 15_000), () => post(n, copy, attempt + 1));
  }

  async function deliver(n: Notification): Promise<void> {
    for (let copy = 0; copy < n.copies; copy++) await post(n, copy);
  }

  return {
    enqueue(p, action = 'payment.updated') {
      const faults = store.merchants.get(p.accessToken)?.webhooks ?? NO_FAULTS;
      const delay = faults.delayMs ?? deps.defaultDelayMs;
      const n = create(p, action, 1 + faults.duplicates);
      if (!faults.reorder) return later(delay, () => deliver(n));
      const batch = batches.get(p.accessToken);
      if (batch) return void batch.push(n);
      batches.set(p.accessToken, [n]);
      later(delay, async () => {
        const held = batches.get(p.accessToken) ?? [];
        batches.delete(p.accessToken);
        for (const m of held.reverse()) await deliver(m);
      });
    },
    sendNow: (p) => post(create(p, 'payment.updated'), 0),
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      batches.clear();
    },
  };
}
