/**
 * The MercadoPago sandbox: a small HTTP server speaking the subset of the MercadoPago API Faena
 * uses, and sending correctly signed webhooks (x-signature, x-request-id) like the real one.
 *
 *   POST /sandbox/accounts                  → { accessToken, webhookSecret } for a new merchant
 *   POST /v1/payments                       create (X-Idempotency-Key honoured). The outcome comes from
 *                                           metadata.sandbox_outcome, a `[sandbox:<outcome>]` tag in the
 *                                           description, or the payer email's local part:
 *                                           approve (default) | reject | pending
 *   GET  /v1/payments/:id                   read
 *   POST /v1/payments/:id/refunds           refund { amount } (decimal)
 *   POST /sandbox/payments/:id/{approve|reject}   resolve a pending payment (sends the webhook,
 *                                           unless ?silent=1: a lost notification, for the janitor)
 *   POST /sandbox/payments/:id/notify?times=N     send the payment's webhook again N times
 *
 * Run alone: `node services/payments/src/sandbox/server.ts` (SANDBOX_PORT, default 4090).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { signWebhook } from '../providers/webhook.ts';

type Status = 'approved' | 'pending' | 'rejected' | 'refunded';

interface SandboxPayment {
  id: number;
  accessToken: string;
  status: Status;
  status_detail: string;
  transaction_amount: number;
  currency_id: string;
  description: string;
  external_reference: string | null;
  notification_url: string | null;
  refunds: Array<{ id: number; amount: number }>;
  date_created: string;
}

export interface Sandbox {
  url: string;
  port: number;
  /** Webhooks the sandbox tried to deliver, in order (for tests and the dev console). */
  deliveries: Array<{ paymentId: number; status: number | 'error'; notificationId: string }>;
  close(): Promise<void>;
}

export async function startSandbox(
  opts: {
    port?: number;
    host?: string;
    webhookDelayMs?: number;
    defaultOutcome?: 'approve' | 'reject' | 'pending';
  } = {},
): Promise<Sandbox> {
  const accounts = new Map<string, string>(); // access token → webhook secret
  const payments = new Map<number, SandboxPayment>();
  const byIdempotencyKey = new Map<string, number>();
  const deliveries: Sandbox['deliveries'] = [];
  let nextId = 1_000_000 + Math.floor(Math.random() * 1_000_000);

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: http.IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  };
  const text = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
  const view = (p: SandboxPayment) => {
    const { accessToken: _t, refunds, ...rest } = p;
    return {
      ...rest,
      refunds,
      point_of_interaction: { transaction_data: { ticket_url: `${url}/sandbox/checkout/${p.id}` } },
    };
  };

  /** Sends the payment's notification the way MercadoPago does, signed with the merchant's secret. */
  async function notify(p: SandboxPayment): Promise<void> {
    if (!p.notification_url) return;
    const secret = accounts.get(p.accessToken)!;
    const requestId = randomUUID();
    const ts = String(Math.floor(Date.now() / 1000));
    const notificationId = String(Date.now()) + String(Math.floor(Math.random() * 1000));
    const target = new URL(p.notification_url);
    target.searchParams.set('data.id', String(p.id));
    target.searchParams.set('type', 'payment');
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'x-signature': signWebhook(secret, String(p.id), requestId, ts),
          'x-request-id': requestId,
        },
        body: JSON.stringify({
          id: notificationId,
          type: 'payment',
          action: 'payment.updated',
          live_mode: false,
          date_created: new Date().toISOString(),
          data: { id: String(p.id) },
        }),
      });
      deliveries.push({ paymentId: p.id, status: res.status, notificationId });
    } catch {
      deliveries.push({ paymentId: p.id, status: 'error', notificationId });
    }
  }
  const notifyLater = (p: SandboxPayment) => setTimeout(() => void notify(p), opts.webhookDelayMs ?? 50);

  const server = http.createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://sandbox');
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const parts = u.pathname.split('/').filter(Boolean);
      if (req.method === 'POST' && u.pathname === '/sandbox/accounts') {
        const account = {
          accessToken: `TEST-${randomBytes(16).toString('hex')}`,
          webhookSecret: randomBytes(24).toString('hex'),
        };
        accounts.set(account.accessToken, account.webhookSecret);
        return json(res, 201, account);
      }
      if (parts[0] === 'sandbox' && parts[1] === 'payments' && req.method === 'POST') {
        const p = payments.get(Number(parts[2]));
        if (!p) return json(res, 404, { message: 'payment not found', status: 404 });
        if (parts[3] === 'notify') {
          const times = Math.min(Number(u.searchParams.get('times') ?? 1), 10);
          for (let i = 0; i < times; i++) await notify(p);
          return json(res, 200, view(p));
        }
        if (p.status !== 'pending') return json(res, 409, { message: `payment is ${p.status}`, status: 409 });
        p.status = parts[3] === 'approve' ? 'approved' : 'rejected';
        p.status_detail = p.status === 'approved' ? 'accredited' : 'cc_rejected_other_reason';
        if (u.searchParams.get('silent') !== '1') notifyLater(p);
        return json(res, 200, view(p));
      }
      if (!token || !accounts.has(token))
        return json(res, 401, { message: 'invalid access token', status: 401 });
      if (req.method === 'POST' && u.pathname === '/v1/payments') {
        const key = req.headers['x-idempotency-key'];
        const seen = typeof key === 'string' ? byIdempotencyKey.get(`${token}:${key}`) : undefined;
        if (seen) return json(res, 201, view(payments.get(seen)!));
        const body = await readBody(req);
        const amount = Number(body.transaction_amount);
        if (!Number.isFinite(amount) || amount <= 0)
          return json(res, 400, { message: 'transaction_amount must be positive', status: 400 });
        const metadata = (body.metadata ?? {}) as Record<string, string>;
        const email = String((body.payer as { email?: string } | undefined)?.email ?? '');
        const tagged = /\[sandbox:(approve|reject|pending)\]/.exec(text(body.description, ''))?.[1];
        const outcome =
          metadata.sandbox_outcome ??
          tagged ??
          ['approve', 'reject', 'pending'].find((o) => email.startsWith(`${o}@`)) ??
          opts.defaultOutcome ??
          'approve';
        const p: SandboxPayment = {
          id: nextId++,
          accessToken: token,
          status: outcome === 'reject' ? 'rejected' : outcome === 'pending' ? 'pending' : 'approved',
          status_detail:
            outcome === 'reject'
              ? 'cc_rejected_other_reason'
              : outcome === 'pending'
                ? 'pending_waiting_payment'
                : 'accredited',
          transaction_amount: amount,
          currency_id: text(body.currency_id, 'ARS'),
          description: text(body.description, ''),
          external_reference: (body.external_reference as string | undefined) ?? null,
          notification_url: (body.notification_url as string | undefined) ?? null,
          refunds: [],
          date_created: new Date().toISOString(),
        };
        payments.set(p.id, p);
        if (typeof key === 'string') byIdempotencyKey.set(`${token}:${key}`, p.id);
        // Like MercadoPago, the payment starts pending and the outcome arrives by webhook.
        const reported = { ...view(p), status: 'pending', status_detail: 'pending_waiting_payment' };
        if (p.status !== 'pending') notifyLater(p);
        return json(res, 201, reported);
      }
      const p = payments.get(Number(parts[2]));
      if (parts[0] === 'v1' && parts[1] === 'payments' && (!p || p.accessToken !== token))
        return json(res, 404, { message: 'payment not found', status: 404 });
      if (req.method === 'GET' && parts.length === 3) return json(res, 200, view(p!));
      if (req.method === 'POST' && parts[3] === 'refunds') {
        const body = await readBody(req);
        const refunded = p!.refunds.reduce((s, r) => s + r.amount, 0);
        const amount = body.amount === undefined ? p!.transaction_amount - refunded : Number(body.amount);
        if (p!.status !== 'approved' || amount <= 0 || amount > p!.transaction_amount - refunded + 1e-9)
          return json(res, 400, { message: 'invalid refund', status: 400 });
        const refund = { id: nextId++, amount };
        p!.refunds.push(refund);
        if (Math.abs(refunded + amount - p!.transaction_amount) < 1e-9) p!.status = 'refunded';
        return json(res, 201, refund);
      }
      return json(res, 404, { message: 'not found', status: 404 });
    })().catch((err: unknown) => json(res, 500, { message: (err as Error).message, status: 500 }));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  return { url, port, deliveries, close: () => new Promise((r) => server.close(() => r())) };
}

// Started directly (make dev): listen and log where.
if (import.meta.url === `file://${process.argv[1]}`) {
  const sandbox = await startSandbox({
    port: Number(process.env.SANDBOX_PORT ?? 4090),
    host: process.env.SANDBOX_HOST ?? '127.0.0.1',
  });
  process.stdout.write(
    `${JSON.stringify({ level: 'info', message: 'listening', service: 'mercadopago-sandbox', port: sandbox.port })}\n`,
  );
  for (const s of ['SIGTERM', 'SIGINT'] as const)
    process.once(s, () => void sandbox.close().then(() => process.exit(0)));
}
