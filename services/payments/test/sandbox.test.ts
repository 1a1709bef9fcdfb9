/**
 * The MercadoPago sandbox through its real HTTP API: every outcome MercadoPago's test names give,
 * payments resolved later, the checkout page, webhook faults and state kept across restarts. Its
 * webhooks go to a small local receiver that checks every signature with providers/webhook.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, runToExit, spawnService } from '@faena/platform/testing';
import { verifyWebhook, type WebhookVerdict } from '../src/providers/webhook.ts';
import { escapeHtml, formatAmount } from '../src/sandbox/checkout.ts';
import { TEST_NAMES, type TestName } from '../src/sandbox/outcomes.ts';
import { sandboxOptionsFromEnv, startSandbox, type Sandbox } from '../src/sandbox/server.ts';

interface Received {
  label: string;
  dataId: string | null;
  type: string | null;
  body: { id: string; type: string; action: string; data: { id: string } };
  requestId: string;
  ts: string;
  verdict: WebhookVerdict;
  at: number;
}

/** Receives webhooks at /hooks/<label>, verifying each with the secret registered for the label. */
async function startReceiver() {
  const secrets = new Map<string, string>();
  const received: Received[] = [];
  let clock: () => number = Date.now;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://receiver');
      const label = u.pathname.split('/')[2] ?? '';
      const signature = String(req.headers['x-signature'] ?? '');
      const requestId = String(req.headers['x-request-id'] ?? '');
      const dataId = u.searchParams.get('data.id');
      received.push({
        label,
        dataId,
        type: u.searchParams.get('type'),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        requestId,
        ts: /ts=(\d+)/.exec(signature)?.[1] ?? '',
        verdict: verifyWebhook(secrets.get(label) ?? 'unknown', signature, dataId ?? '', requestId, clock()),
        at: Date.now(),
      });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    secrets,
    received,
    setClock: (c: () => number) => (clock = c),
    for: (label: string) => received.filter((r) => r.label === label),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let sandbox: Sandbox;
// A clock the tests move forward ("20 minutes later") on top of real time, shared by the sandboxes and the receiver.
let ahead = 0;
const now = () => Date.now() + ahead;
let labels = 0;
beforeAll(async () => {
  receiver = await startReceiver();
  receiver.setClock(now);
  sandbox = await startSandbox({ webhookDelayMs: 10, now });
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

const call = async (
  base: string,
  method: string,
  route: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) => {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: {
      ...(opts.token && { Authorization: `Bearer ${opts.token}` }),
      ...(opts.body !== undefined && { 'Content-Type': 'application/json' }),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let json: ReturnType<typeof JSON.parse> = {}; // parsed JSON, loosely typed like supertest's body
  try {
    json = JSON.parse(text);
  } catch {
    // an HTML page
  }
  return { status: res.status, body: json, text, headers: res.headers };
};

/** A new merchant whose webhooks reach the receiver under their own label. */
async function merchant(base = sandbox.url) {
  const label = `m${++labels}`;
  const account = (await call(base, 'POST', '/sandbox/accounts')).body as {
    accessToken: string;
    webhookSecret: string;
  };
  receiver.secrets.set(label, account.webhookSecret);
  const token = account.accessToken;
  return {
    label,
    token,
    received: () => receiver.for(label),
    pay: (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      call(base, 'POST', '/v1/payments', {
        token,
        headers,
        body: {
          transaction_amount: 1500,
          currency_id: 'CLP',
          description: 'clase de yoga',
          notification_url: `${receiver.url}/hooks/${label}`,
          payer: { email: 'payer@faena.invalid' },
          ...body,
        },
      }),
    get: async (id: number) => (await call(base, 'GET', `/v1/payments/${id}`, { token })).body,
    faults: (body: unknown) => call(base, 'PUT', '/sandbox/merchants/webhooks', { token, body }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('test cardholder names decide the outcome, like MercadoPago', () => {
  it.each(Object.keys(TEST_NAMES) as TestName[])(
    'payer.first_name %s: the payment ends with its status and status_detail, reported by a signed webhook',
    async (name) => {
      const m = await merchant();
      const created = await m.pay({ payer: { email: 'payer@faena.invalid', first_name: name } });
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('pending'); // the outcome arrives by webhook
      const expected = TEST_NAMES[name];
      const id = created.body.id as number;
      if (expected.status === 'pending') {
        expect(created.body.status_detail).toBe('pending_contingency');
        await sleep(100);
        expect(m.received()).toHaveLength(0);
      } else {
        await eventually(async () => expect(m.received()).toHaveLength(1));
        const [hook] = m.received();
        expect(hook!.verdict).toEqual({ ok: true });
        expect(hook).toMatchObject({
          dataId: String(id),
          type: 'payment',
          body: { type: 'payment', action: 'payment.created', data: { id: String(id) } },
        });
      }
      expect(await m.get(id)).toMatchObject({
        status: expected.status,
        status_detail: expected.status_detail,
        payer: { first_name: name },
      });
    },
  );

  it('additional_info.payer.first_name counts too, and case and surname do not matter', async () => {
    const m = await merchant();
    const a = await m.pay({ additional_info: { payer: { first_name: 'fund' } } });
    const b = await m.pay({ payer: { first_name: 'Secu Pérez' } });
    expect((await m.get(a.body.id)).status_detail).toBe('cc_rejected_insufficient_amount');
    expect((await m.get(b.body.id)).status_detail).toBe('cc_rejected_bad_filled_security_code');
  });

  it('the older ways still work: metadata.sandbox_outcome, a [sandbox:…] tag, the email local part, the default', async () => {
    const m = await merchant();
    const byMetadata = await m.pay({ metadata: { sandbox_outcome: 'reject' } });
    const byTag = await m.pay({ description: 'job-2 [sandbox:pending]' });
    const byTagName = await m.pay({ description: 'job-3 [sandbox:EXPI]' });
    const byEmail = await m.pay({ payer: { email: 'reject@example.com' } });
    const byDefault = await m.pay({ payer: { first_name: 'Juan' } });
    // metadata wins over the first name
    const both = await m.pay({ metadata: { sandbox_outcome: 'approve' }, payer: { first_name: 'OTHE' } });
    const statuses = async (ids: number[]) =>
      Promise.all(ids.map(async (id) => ((await m.get(id)) as { status_detail: string }).status_detail));
    expect(
      await statuses([byMetadata, byTag, byTagName, byEmail, byDefault, both].map((r) => r.body.id)),
    ).toEqual([
      'cc_rejected_other_reason',
      'pending_waiting_payment',
      'cc_rejected_bad_filled_date',
      'cc_rejected_other_reason',
      'accredited',
      'accredited',
    ]);
  });

  it('refuses a bad amount, a bad token, another merchant’s payment, and answers an idempotent repeat with the same payment', async () => {
    const m = await merchant();
    const other = await merchant();
    expect((await m.pay({ transaction_amount: -1 })).status).toBe(400);
    expect((await call(sandbox.url, 'POST', '/v1/payments', { token: 'TEST-nope', body: {} })).status).toBe(
      401,
    );
    const first = await m.pay({}, { 'X-Idempotency-Key': 'same-key' });
    const again = await m.pay({ transaction_amount: 99 }, { 'X-Idempotency-Key': 'same-key' });
    expect(again.body.id).toBe(first.body.id);
    expect(
      (await call(sandbox.url, 'GET', `/v1/payments/${first.body.id}`, { token: other.token })).status,
    ).toBe(404);
    const malformed = await fetch(`${sandbox.url}/v1/payments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${m.token}`, 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(malformed.status).toBe(400);
    expect((await call(sandbox.url, 'GET', '/v1/nothing', { token: m.token })).status).toBe(404);
  });
});

describe('pending payments resolved later', () => {
  it('a CONT payment approved 20 minutes later sends a webhook signed at that moment', async () => {
    const m = await merchant();
    const created = await m.pay({ payer: { first_name: 'CONT' } });
    const id = created.body.id as number;
    ahead += 20 * 60_000;
    await sleep(50);
    expect(m.received()).toHaveLength(0);
    const approved = await call(sandbox.url, 'POST', `/sandbox/payments/${id}/approve`);
    expect(approved.body).toMatchObject({ status: 'approved', status_detail: 'accredited' });
    await eventually(async () => expect(m.received()).toHaveLength(1));
    const [hook] = m.received();
    // Verified against a receiver clock 20 minutes ahead: the signature's ts is the approval's, not the creation's.
    expect(hook!.verdict).toEqual({ ok: true });
    expect(Number(hook!.ts)).toBeGreaterThanOrEqual(
      Math.floor((Date.parse(created.body.date_created) + 20 * 60_000) / 1000),
    );
    const now = await m.get(id);
    expect(Date.parse(now.date_approved) - Date.parse(now.date_created)).toBeGreaterThanOrEqual(20 * 60_000);
    expect((await call(sandbox.url, 'POST', `/sandbox/payments/${id}/approve`)).status).toBe(409);
  });

  it('reject takes a status_detail; without one it is cc_rejected_other_reason; a bad one is refused', async () => {
    const m = await merchant();
    const a = (await m.pay({ payer: { first_name: 'CONT' } })).body.id as number;
    const b = (await m.pay({ payer: { first_name: 'CONT' } })).body.id as number;
    const bad = await call(sandbox.url, 'POST', `/sandbox/payments/${a}/reject`, {
      body: { status_detail: '<script>' },
    });
    expect(bad.status).toBe(400);
    const high = await call(sandbox.url, 'POST', `/sandbox/payments/${a}/reject`, {
      body: { status_detail: 'cc_rejected_high_risk' },
    });
    expect(high.body).toMatchObject({ status: 'rejected', status_detail: 'cc_rejected_high_risk' });
    await call(sandbox.url, 'POST', `/sandbox/payments/${b}/reject`);
    expect((await m.get(b)).status_detail).toBe('cc_rejected_other_reason');
    await eventually(async () => expect(m.received().map((r) => r.dataId)).toEqual([String(a), String(b)]));
    expect(m.received().every((r) => r.verdict.ok && r.body.action === 'payment.updated')).toBe(true);
  });

  it('expire cancels a pending payment (cancelled / expired) and notifies; ?silent=1 changes it without a webhook', async () => {
    const m = await merchant();
    const a = (await m.pay({ payer: { first_name: 'CONT' } })).body.id as number;
    const b = (await m.pay({ payer: { first_name: 'CONT' } })).body.id as number;
    const expired = await call(sandbox.url, 'POST', `/sandbox/payments/${a}/expire`);
    expect(expired.body).toMatchObject({ status: 'cancelled', status_detail: 'expired' });
    await call(sandbox.url, 'POST', `/sandbox/payments/${b}/approve?silent=1`);
    await eventually(async () => expect(m.received()).toHaveLength(1));
    await sleep(100);
    expect(m.received().map((r) => r.dataId)).toEqual([String(a)]);
    expect((await m.get(b)).status).toBe('approved');
    expect((await call(sandbox.url, 'POST', '/sandbox/payments/1/approve')).status).toBe(404);
    expect((await call(sandbox.url, 'POST', `/sandbox/payments/${a}/explode`)).status).toBe(404);
  });

  it('notify?times=N sends N new notifications now (at most 10), and an unreachable URL is recorded as an error', async () => {
    const m = await merchant();
    const id = (await m.pay({ payer: { first_name: 'CONT' } })).body.id as number;
    await call(sandbox.url, 'POST', `/sandbox/payments/${id}/notify?times=3`);
    expect(m.received()).toHaveLength(3);
    expect(new Set(m.received().map((r) => r.body.id)).size).toBe(3);
    await call(sandbox.url, 'POST', `/sandbox/payments/${id}/notify?times=50`);
    expect(m.received()).toHaveLength(13);
    const lost = (await m.pay({ payer: { first_name: 'CONT' }, notification_url: 'http://127.0.0.1:9/hook' }))
      .body.id as number;
    await call(sandbox.url, 'POST', `/sandbox/payments/${lost}/notify`);
    expect(sandbox.deliveries.filter((d) => d.paymentId === lost).map((d) => d.status)).toEqual(['error']);
  });
});

describe('the checkout page (ticket_url)', () => {
  it('GET shows the amount with its currency, the description escaped, and the cardholder form with the test names', async () => {
    const m = await merchant();
    const created = await m.pay({
      transaction_amount: 150000,
      description: 'Clase <script>alert("x")</script> & más',
      payer: { first_name: 'CONT' },
    });
    const ticket = created.body.point_of_interaction.transaction_data.ticket_url as string;
    expect(ticket).toBe(`${sandbox.url}/sandbox/checkout/${created.body.id}`);
    const page = await fetch(ticket);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain(formatAmount(150000, 'CLP'));
    expect(formatAmount(150000, 'CLP')).toMatch(/150\.000/);
    expect(html).toContain('Clase &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; más');
    expect(html).not.toContain('<script>');
    expect(html).toMatch(/<form method="post" action="\/sandbox\/checkout\/\d+">/);
    expect(html).toContain('name="cardholderName"');
    for (const name of Object.keys(TEST_NAMES)) expect(html).toContain(`<code>${name}</code>`);
    expect(html).toContain('Pagar / Pay');
    expect(html).toContain('Rechazar / Decline');
    expect(html).not.toMatch(/(src|href)="http/); // self-contained
  });

  it('POST with cardholderName APRO approves the pending payment, answers a result page and sends the webhook', async () => {
    const m = await merchant();
    const id = (await m.pay({ payer: { first_name: 'CONT' } })).body.id as number;
    const res = await fetch(`${sandbox.url}/sandbox/checkout/${id}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ cardholderName: 'APRO', action: 'pay' }).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Pago aprobado / Payment approved');
    expect(await m.get(id)).toMatchObject({ status: 'approved', status_detail: 'accredited' });
    await eventually(async () => expect(m.received()).toHaveLength(1));
    expect(m.received()[0]!.verdict.ok).toBe(true);
    // No longer pending: the page shows its status, a second POST is 409.
    expect(await (await fetch(`${sandbox.url}/sandbox/checkout/${id}`)).text()).toContain('approved');
    const again = await fetch(`${sandbox.url}/sandbox/checkout/${id}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'cardholderName=APRO',
    });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('no longer pending');
  });

  it('POST answers JSON when asked; FUND rejects, action=reject declines, CONT stays pending, an unknown name is 400', async () => {
    const m = await merchant();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await m.pay({ payer: { first_name: 'CONT' } })).body.id as number);
    const post = (id: number, form: Record<string, string>, accept = 'application/json') =>
      fetch(`${sandbox.url}/sandbox/checkout/${id}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: accept },
        body: new URLSearchParams(form).toString(),
      });
    const fund = await post(ids[0]!, { cardholderName: 'FUND' });
    expect(fund.status).toBe(200);
    expect(await fund.json()).toMatchObject({
      status: 'rejected',
      status_detail: 'cc_rejected_insufficient_amount',
    });
    const declined = await post(ids[1]!, { cardholderName: 'APRO', action: 'reject' });
    expect(await declined.json()).toMatchObject({
      status: 'rejected',
      status_detail: 'cc_rejected_other_reason',
    });
    const cont = await post(ids[2]!, { cardholderName: 'CONT' });
    expect(await cont.json()).toMatchObject({ status: 'pending', status_detail: 'pending_contingency' });
    const unknown = await post(ids[3]!, { cardholderName: 'Juan <b>' });
    expect(unknown.status).toBe(400);
    const unknownPage = await post(ids[3]!, { cardholderName: 'Juan <b>' }, 'text/html');
    expect(unknownPage.status).toBe(400);
    expect(await unknownPage.text()).toContain('Juan &lt;b&gt;');
    expect((await post(ids[0]!, { cardholderName: 'APRO' })).status).toBe(409);
    await eventually(async () => expect(m.received()).toHaveLength(3));
    expect(m.received().every((r) => r.verdict.ok)).toBe(true);
    expect((await fetch(`${sandbox.url}/sandbox/checkout/999`)).status).toBe(404);
  });

  it('escapes every value it renders', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(formatAmount(12.5, 'not-a-currency')).toBe('12.5 not-a-currency');
  });
});

describe('webhook faults per merchant', () => {
  it('duplicates: each notification arrives 1 + N times with the same notification id, each copy signed', async () => {
    const m = await merchant();
    const set = await m.faults({ duplicates: 2 });
    expect(set.body).toEqual({ delayMs: null, duplicates: 2, reorder: false });
    const id = (await m.pay({ payer: { first_name: 'APRO' } })).body.id as number;
    await eventually(async () => expect(m.received()).toHaveLength(3));
    const got = m.received();
    expect(new Set(got.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(got.map((r) => r.requestId)).size).toBe(3);
    expect(got.every((r) => r.verdict.ok && r.dataId === String(id))).toBe(true);
    expect(sandbox.deliveries.filter((d) => d.paymentId === id).map((d) => d.copy)).toEqual([0, 1, 2]);
  });

  it('delayMs: every notification waits that long', async () => {
    const m = await merchant();
    await m.faults({ delayMs: 600 });
    const sent = Date.now();
    await m.pay({ payer: { first_name: 'OTHE' } });
    await sleep(300);
    expect(m.received()).toHaveLength(0);
    await eventually(async () => expect(m.received()).toHaveLength(1), 3000);
    expect(m.received()[0]!.at - sent).toBeGreaterThanOrEqual(600);
    expect(m.received()[0]!.verdict.ok).toBe(true);
  });

  it('reorder: notifications are held and the batch is delivered in reverse order of creation after the delay', async () => {
    const m = await merchant();
    await m.faults({ reorder: true, delayMs: 400 });
    const ids: number[] = [];
    for (const name of ['APRO', 'OTHE', 'FUND'])
      ids.push((await m.pay({ payer: { first_name: name } })).body.id);
    await eventually(async () => expect(m.received()).toHaveLength(3), 3000);
    expect(m.received().map((r) => r.dataId)).toEqual(ids.reverse().map(String));
    expect(m.received().every((r) => r.verdict.ok)).toBe(true);
    // The next batch is held afresh.
    const later = (await m.pay({ payer: { first_name: 'APRO' } })).body.id as number;
    await eventually(async () => expect(m.received()).toHaveLength(4), 3000);
    expect(m.received()[3]!.dataId).toBe(String(later));
  });

  it('is bounded (10 duplicates, 10 minutes), needs the merchant token, and GET reads it back', async () => {
    const m = await merchant();
    expect((await m.faults({ duplicates: 11 })).status).toBe(400);
    expect((await m.faults({ delayMs: 10 * 60_000 + 1 })).status).toBe(400);
    expect((await m.faults({ reorder: 'yes' })).status).toBe(400);
    expect((await m.faults({ loss: 1 })).status).toBe(400);
    expect((await m.faults({ duplicates: 10, delayMs: 10 * 60_000 })).status).toBe(200);
    const read = await call(sandbox.url, 'GET', '/sandbox/merchants/webhooks', { token: m.token });
    expect(read.body).toEqual({ delayMs: 600000, duplicates: 10, reorder: false });
    expect((await call(sandbox.url, 'PUT', '/sandbox/merchants/webhooks', { body: {} })).status).toBe(401);
    expect(
      (await call(sandbox.url, 'DELETE', '/sandbox/merchants/webhooks', { token: m.token })).status,
    ).toBe(405);
  });
});

describe('refunds', () => {
  it('a partial refund leaves the payment approved / partially_refunded, the rest makes it refunded; a key replays', async () => {
    const m = await merchant();
    const id = (await m.pay({ transaction_amount: 100 })).body.id as number;
    const refund = (body: unknown, key: string) =>
      call(sandbox.url, 'POST', `/v1/payments/${id}/refunds`, {
        token: m.token,
        body,
        headers: { 'X-Idempotency-Key': key },
      });
    const first = await refund({ amount: 30 }, 'r1');
    expect(first.status).toBe(201);
    expect((await refund({ amount: 30 }, 'r1')).body).toEqual(first.body); // replayed, not refunded twice
    expect(await m.get(id)).toMatchObject({
      status: 'approved',
      status_detail: 'partially_refunded',
      transaction_amount_refunded: 30,
    });
    expect((await refund({ amount: 71 }, 'r2')).status).toBe(400);
    expect((await refund({}, 'r3')).body.amount).toBe(70);
    expect(await m.get(id)).toMatchObject({ status: 'refunded', status_detail: 'refunded' });
  });
});

describe('state across restarts', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'sandbox-state-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const opened: Sandbox[] = [];
  const start = async (opts: Parameters<typeof startSandbox>[0] = {}) => {
    const s = await startSandbox(opts);
    opened.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('merchants, payments, refunds and idempotency keys survive a restart on the same file', async () => {
    const stateFile = path.join(dir, 'nested', 'sandbox.json');
    let s = await start({ stateFile, webhookDelayMs: 0, now });
    let m = await merchant(s.url);
    const pending = (await m.pay({ payer: { first_name: 'CONT' } }, { 'X-Idempotency-Key': 'k1' })).body
      .id as number;
    const paid = (await m.pay({ transaction_amount: 100 })).body.id as number;
    await call(s.url, 'POST', `/v1/payments/${paid}/refunds`, {
      token: m.token,
      body: { amount: 40 },
      headers: { 'X-Idempotency-Key': 'refund-1' },
    });
    await m.faults({ duplicates: 1 });
    await s.close();
    const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(saved.payments).toHaveLength(2);
    expect(readdirSync(path.dirname(stateFile))).toEqual(['sandbox.json']); // no temporary file left

    s = await start({ stateFile, webhookDelayMs: 0, now });
    m = { ...m, ...(await rebind(m, s.url)) };
    expect(await m.get(paid)).toMatchObject({ status: 'approved', transaction_amount_refunded: 40 });
    // The same idempotency keys answer the same payment and refund.
    expect((await m.pay({}, { 'X-Idempotency-Key': 'k1' })).body.id).toBe(pending);
    const replay = await call(s.url, 'POST', `/v1/payments/${paid}/refunds`, {
      token: m.token,
      body: { amount: 40 },
      headers: { 'X-Idempotency-Key': 'refund-1' },
    });
    expect((await m.get(paid)).transaction_amount_refunded).toBe(40);
    expect(replay.status).toBe(201);
    // Refunds still work, and so does a pending payment approved after the restart (signed with the kept secret).
    const rest = await call(s.url, 'POST', `/v1/payments/${paid}/refunds`, { token: m.token, body: {} });
    expect(rest.body.amount).toBe(60);
    expect((await m.get(paid)).status).toBe('refunded');
    await call(s.url, 'POST', `/sandbox/payments/${pending}/approve`);
    await eventually(async () =>
      expect(m.received().filter((r) => r.dataId === String(pending))).toHaveLength(2),
    );
    expect(m.received().every((r) => r.verdict.ok)).toBe(true);
    // New ids do not collide with the stored ones.
    const fresh = (await m.pay()).body.id as number;
    expect(fresh).toBeGreaterThan(paid);
    await s.close();
  });

  it('refuses to start on an unreadable state file rather than overwrite it', async () => {
    const stateFile = path.join(dir, 'broken.json');
    writeFileSync(stateFile, '{ half');
    await expect(start({ stateFile })).rejects.toThrow(/unreadable/);
    expect(readFileSync(stateFile, 'utf8')).toBe('{ half');
  });

  it('without a state file nothing is written and a new sandbox starts empty', async () => {
    const a = await start();
    const m = await merchant(a.url);
    await a.close();
    const b = await start();
    expect((await call(b.url, 'POST', '/v1/payments', { token: m.token, body: {} })).status).toBe(401);
    await b.close();
  });
});

/** The same merchant's helpers against another sandbox URL. */
async function rebind(m: Awaited<ReturnType<typeof merchant>>, base: string) {
  const token = m.token;
  return {
    pay: (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      call(base, 'POST', '/v1/payments', {
        token,
        headers,
        body: {
          transaction_amount: 1500,
          currency_id: 'CLP',
          notification_url: `${receiver.url}/hooks/${m.label}`,
          ...body,
        },
      }),
    get: async (id: number) => (await call(base, 'GET', `/v1/payments/${id}`, { token })).body,
  };
}

describe('run directly (make dev)', () => {
  it('reads SANDBOX_* from the environment; SANDBOX_DEFAULT_OUTCOME=pending makes payments wait for the checkout page', async () => {
    expect(sandboxOptionsFromEnv({})).toEqual({ port: 4090, host: '127.0.0.1', defaultOutcome: 'approve' });
    expect(() => sandboxOptionsFromEnv({ SANDBOX_PORT: 'x' })).toThrow(/SANDBOX_PORT/);
    const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-run-'));
    const stateFile = path.join(dir, 'sandbox.json');
    const proc = await spawnService('services/payments/src/sandbox/server.ts', {
      SERVICE_NAME: 'mercadopago-sandbox',
      SANDBOX_PORT: '0',
      SANDBOX_DEFAULT_OUTCOME: 'pending',
      SANDBOX_STATE_FILE: stateFile,
    }).catch((err: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    });
    try {
      const base = `http://127.0.0.1:${proc.port}`;
      const m = await merchant(base);
      const created = await m.pay();
      expect(await m.get(created.body.id)).toMatchObject({ status_detail: 'pending_waiting_payment' });
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).payments).toHaveLength(1);
    } finally {
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
    const bad = await runToExit('services/payments/src/sandbox/server.ts', {
      SANDBOX_DEFAULT_OUTCOME: 'maybe',
    });
    expect(bad.code).toBe(78);
    expect(bad.stdout).toContain('SANDBOX_DEFAULT_OUTCOME must be approve, pending or reject');
  }, 30000);
});
