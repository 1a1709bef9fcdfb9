import { errorMessage, listeningPort } from '@faena/platform';
/**
 * The MercadoPago sandbox: a small HTTP server speaking the subset of the MercadoPago API Faena
 * uses, following MercadoPago's test conventions, and sending correctly signed webhooks
 * (x-signature, x-request-id) like the real one. How to try every path: docs/sandbox.md.
 *
 *   POST /sandbox/accounts                  → { accessToken, webhookSecret } for a new merchant
 *   PUT  /sandbox/merchants/webhooks        (Bearer) webhook faults of the merchant:
 *                                           { delayMs (≤ 600000), duplicates (≤ 10), reorder }; GET reads them
 *   POST /v1/payments                       (Bearer) create; X-Idempotency-Key honoured. The outcome, first
 *                                           match wins: metadata.sandbox_outcome, a `[sandbox:<word>]` tag in
 *                                           the description, payer.first_name / additional_info.payer.first_name
 *                                           (MercadoPago's test names: APRO approved, CONT pending, OTHE FUND
 *                                           SECU EXPI CALL rejected), the payer email's local part, then the
 *                                           default outcome. <word> is approve | reject | pending or a test name.
 *                                           Answers pending; the outcome arrives by webhook.
 *   GET  /v1/payments/:id                   (Bearer) read
 *   POST /v1/payments/:id/refunds           (Bearer) refund { amount } (decimal; all that is left without
 *                                           one); X-Idempotency-Key honoured. Partial: status stays approved,
 *                                           status_detail partially_refunded; all of it: refunded.
 *   POST /sandbox/payments/:id/approve      resolve a pending payment, at any later time (sends the webhook,
 *   POST /sandbox/payments/:id/reject       unless ?silent=1: a lost notification, for the janitor);
 *   POST /sandbox/payments/:id/expire       reject takes { status_detail } (default cc_rejected_other_reason),
 *                                           expire makes it cancelled / expired
 *   POST /sandbox/payments/:id/notify?times=N   send the payment's webhook again N (≤ 10) times, now
 *   GET  /sandbox/checkout/:id              the payer's page (ticket_url, no token): amount, description, a
 *   POST /sandbox/checkout/:id              cardholder-name form; the POST (form: cardholderName or
 *                                           action=reject) resolves the pending payment and sends the webhook
 *
 * Payments, merchants, refunds and idempotency keys live in memory, and in `stateFile` when given
 * (see store.ts). Run alone: `node services/payments/src/sandbox/server.ts` with SANDBOX_PORT
 * (default 4090), SANDBOX_HOST, SANDBOX_STATE_FILE (`make dev`: .data/sandbox.json) and
 * SANDBOX_DEFAULT_OUTCOME (approve, the default | pending: every payment waits for its checkout
 * page or /approve | reject).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { checkoutPage, notFoundPage, resultPage } from './checkout.ts';
import { HttpError, readForm, readJson, sendHtml, sendJson, wantsJson } from './http.ts';
import { EXPIRED, TEST_NAMES, isOutcome, testName, type Outcome, type Resolution } from './outcomes.ts';
import { sandboxPayments, type SandboxPayments } from './payments.ts';
import { NO_FAULTS, openStore, type SandboxPayment } from './store.ts';
import { createNotifier, faultsFrom, type Delivery } from './webhooks.ts';

export interface Sandbox {
  url: string;
  port: number;
  /** Webhooks the sandbox tried to deliver, in order (for tests and the dev console). */
  deliveries: Delivery[];
  close(): Promise<void>;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Wait before each notification when the merchant set no delay (default 50 ms). */
  webhookDelayMs?: number;
  /** Outcome of a payment that names none (default approve). */
  defaultOutcome?: Outcome;
  /** JSON file holding the state across restarts; without one the sandbox keeps it in memory. */
  stateFile?: string;
  /** The clock (ms) for dates and webhook signatures; tests move it forward. */
  now?: () => number;
}

const STATUS_DETAIL = /^[a-z][a-z0-9_]{0,63}$/;
const NO_LONGER_PENDING = 'Este pago ya no está pendiente / This payment is no longer pending';

/** `POST /sandbox/checkout/:id`: the payer paid (with a test name, APRO when empty) or declined. */
async function checkout(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  p: SandboxPayment,
  payments: SandboxPayments,
) {
  const form = await readForm(req);
  const json = wantsJson(req);
  if (p.status !== 'pending') {
    if (json)
      return sendJson(res, 409, {
        message: `payment is ${p.status}`,
        status: 409,
        payment: payments.view(p),
      });
    return sendHtml(res, 409, resultPage(p, NO_LONGER_PENDING));
  }
  const reject = form.action === 'reject';
  const name = typeof form.cardholderName === 'string' ? form.cardholderName.trim().slice(0, 100) : '';
  const chosen = reject ? 'OTHE' : name ? testName(name) : 'APRO';
  if (!chosen) {
    if (json)
      return sendJson(res, 400, {
        message: `unknown test name; use one of ${Object.keys(TEST_NAMES).join(', ')}`,
        status: 400,
      });
    return sendHtml(res, 400, checkoutPage(p, `Nombre de prueba desconocido / Unknown test name: ${name}`));
  }
  if (name && !reject) p.payer.first_name = name;
  payments.settle(p, TEST_NAMES[chosen]);
  return json ? sendJson(res, 200, payments.view(p)) : sendHtml(res, 200, resultPage(p));
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const now = opts.now ?? Date.now;
  const store = openStore(opts.stateFile);
  const deliveries: Delivery[] = [];
  const notifier = createNotifier({ store, deliveries, now, defaultDelayMs: opts.webhookDelayMs ?? 50 });
  let url = '';
  const payments = sandboxPayments({
    store,
    notifier,
    now,
    defaultOutcome: opts.defaultOutcome ?? 'approve',
    baseUrl: () => url,
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse) {
    const u = new URL(req.url ?? '/', 'http://sandbox');
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const parts = u.pathname.split('/').filter(Boolean);
    const idem = req.headers['x-idempotency-key'];
    const key = typeof idem === 'string' && idem ? idem : undefined;
    if (req.method === 'POST' && u.pathname === '/sandbox/accounts') {
      const account = {
        accessToken: `TEST-${randomBytes(16).toString('hex')}`,
        webhookSecret: randomBytes(24).toString('hex'),
      };
      store.merchants.set(account.accessToken, {
        webhookSecret: account.webhookSecret,
        webhooks: { ...NO_FAULTS },
      });
      store.save();
      return sendJson(res, 201, account);
    }
    if (parts[0] === 'sandbox' && parts[1] === 'checkout' && parts.length === 3) {
      // No token: whoever has the link may pay. Ids are sequential, hence guessable: fine for a sandbox.
      if (req.method !== 'GET' && req.method !== 'POST')
        return sendJson(res, 405, { message: 'method not allowed', status: 405 });
      const p = store.payments.get(Number(parts[2]));
      if (!p) return sendHtml(res, 404, notFoundPage());
      if (req.method === 'POST') return checkout(req, res, p, payments);
      return sendHtml(res, 200, p.status === 'pending' ? checkoutPage(p) : resultPage(p, NO_LONGER_PENDING));
    }
    if (parts[0] === 'sandbox' && parts[1] === 'payments' && req.method === 'POST' && parts.length === 4) {
      const p = store.payments.get(Number(parts[2]));
      if (!p) return sendJson(res, 404, { message: 'payment not found', status: 404 });
      const action = parts[3];
      if (action === 'notify') {
        const times = Math.max(1, Math.min(Math.trunc(Number(u.searchParams.get('times') ?? 1)) || 1, 10));
        for (let i = 0; i < times; i++) await notifier.sendNow(p);
        return sendJson(res, 200, payments.view(p));
      }
      if (action !== 'approve' && action !== 'reject' && action !== 'expire')
        return sendJson(res, 404, { message: 'not found', status: 404 });
      const body = await readJson(req);
      const detail = body.status_detail ?? u.searchParams.get('status_detail') ?? 'cc_rejected_other_reason';
      const outcome: Resolution | undefined =
        action === 'approve'
          ? TEST_NAMES.APRO
          : action === 'expire'
            ? EXPIRED
            : typeof detail === 'string' && STATUS_DETAIL.test(detail)
              ? { status: 'rejected', status_detail: detail }
              : undefined;
      if (!outcome) throw new HttpError(400, 'status_detail must be a lower_snake_case code');
      if (p.status !== 'pending')
        return sendJson(res, 409, { message: `payment is ${p.status}`, status: 409 });
      payments.settle(p, outcome, u.searchParams.get('silent') !== '1');
      return sendJson(res, 200, payments.view(p));
    }
    const merchant = token ? store.merchants.get(token) : undefined;
    if (!token || !merchant) return sendJson(res, 401, { message: 'invalid access token', status: 401 });
    if (u.pathname === '/sandbox/merchants/webhooks') {
      if (req.method === 'PUT') {
        merchant.webhooks = faultsFrom(await readJson(req));
        store.save();
      } else if (req.method !== 'GET') {
        return sendJson(res, 405, { message: 'method not allowed', status: 405 });
      }
      return sendJson(res, 200, merchant.webhooks);
    }
    if (req.method === 'POST' && u.pathname === '/v1/payments')
      return sendJson(res, 201, payments.create(token, await readJson(req), key));
    if (parts[0] === 'v1' && parts[1] === 'payments') {
      const p = store.payments.get(Number(parts[2]));
      if (!p || p.accessToken !== token)
        return sendJson(res, 404, { message: 'payment not found', status: 404 });
      if (req.method === 'GET' && parts.length === 3) return sendJson(res, 200, payments.view(p));
      if (req.method === 'POST' && parts[3] === 'refunds' && parts.length === 4)
        return sendJson(res, 201, payments.refund(token, p, await readJson(req), key));
    }
    return sendJson(res, 404, { message: 'not found', status: 404 });
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (res.headersSent) res.destroy();
      else sendJson(res, status, { message: errorMessage(err), status });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = listeningPort(server);
  url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    port,
    deliveries,
    close: () => {
      notifier.close();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** The options of a sandbox run directly (make dev), from its environment; throws on a bad value. */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv): SandboxOptions {
  const outcome = env.SANDBOX_DEFAULT_OUTCOME || 'approve';
  if (!isOutcome(outcome))
    throw new Error(`SANDBOX_DEFAULT_OUTCOME must be approve, pending or reject (got ${outcome})`);
  const port = Number(env.SANDBOX_PORT || 4090);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`SANDBOX_PORT must be a port number (got ${env.SANDBOX_PORT})`);
  return {
    port,
    host: env.SANDBOX_HOST || '127.0.0.1',
    defaultOutcome: outcome,
    ...(env.SANDBOX_STATE_FILE && { stateFile: env.SANDBOX_STATE_FILE }),
  };
}

// Started directly (make dev): listen and log where.
if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (level: string, message: string, extra: Record<string, unknown> = {}) =>
    process.stdout.write(`${JSON.stringify({ level, message, service: 'mercadopago-sandbox', ...extra })}\n`);
  let sandbox: Sandbox;
  try {
    const options = sandboxOptionsFromEnv(process.env);
    sandbox = await startSandbox(options);
    log('info', 'listening', {
      port: sandbox.port,
      defaultOutcome: options.defaultOutcome,
      stateFile: options.stateFile ?? null,
    });
  } catch (err) {
    log('error', errorMessage(err));
    process.exit(78);
  }
  for (const s of ['SIGTERM', 'SIGINT'] as const)
    process.once(s, () => void sandbox.close().then(() => process.exit(0)));
}
