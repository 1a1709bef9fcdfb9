import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createOutboundGuard, type RunningServer } from '@faena/platform';
import { createApp } from '../src/app.ts';
import { createDispatcher } from '../src/wiring.ts';
import type { Harness as IdentityHarness } from '../../identity/test/harness.ts';
import { SIGNATURE_HEADER, WebhookSignatureError, verifyWebhook } from '../src/client/webhooks.ts';
import { notify } from '../src/domain/notify.ts';
import { backoffSeconds } from '../src/domain/webhooks.ts';
import {
  API,
  PUBLIC_IP,
  bearer,
  signUp,
  startIdentityServer,
  startNotifications,
  startSmtp,
  testConfig,
  unique,
  type Harness,
  type SignedUp,
  type Smtp,
} from './harness.ts';

/** A client's receiver: verifies every delivery with the helper Faena ships, answers `status()`. */
function startReceiver(secret: () => string) {
  const received: Array<{
    body: string;
    signature: string;
    verified: boolean;
    event?: string;
    host?: string;
  }> = [];
  let answer = 500;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const signature = String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? '');
      try {
        const event = verifyWebhook({ body, signature, secret: secret() });
        received.push({ body, signature, verified: true, event: event.type, host: req.headers.host });
        res.statusCode = answer;
        if (answer >= 300 && answer < 400) res.setHeader('Location', '/elsewhere');
        // A body the dispatcher must never store or report.
        if (answer >= 300) res.write('internal stack trace: db at 10.1.2.3');
      } catch {
        received.push({ body, signature, verified: false });
        res.statusCode = 400;
      }
      res.end();
    });
  });
  return new Promise<{
    url: string;
    port: number;
    received: typeof received;
    answer(s: number): void;
    close(): Promise<void>;
  }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
        port: (server.address() as AddressInfo).port,
        received,
        answer: (s) => (answer = s),
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

let smtp: Smtp;
let identity: IdentityHarness;
let identityServer: RunningServer;
let h: Harness;
let biz: SignedUp;
let other: SignedUp;

beforeAll(async () => {
  smtp = await startSmtp();
  const started = await startIdentityServer();
  identity = started.identity;
  identityServer = started.server;
  h = await startNotifications({ smtpPort: smtp.port, identityUrl: started.url });
  biz = await signUp(identity);
  other = await signUp(identity);
}, 60000);
afterAll(async () => {
  await h?.close();
  await identityServer?.stop();
  await identity?.close();
  await smtp?.stop();
});

const escrowReleased = (key: string, extra: Record<string, unknown> = {}) => ({
  tenantId: biz.tenantId,
  key,
  event: 'escrow.released' as const,
  recipient: { email: `pro-${unique()}@example.com` },
  variables: { title: 'Pintura', amount: { amount: 1000, currency: 'CLP' } },
  data: { jobId: 'job-1' },
  ...extra,
});

describe('outgoing webhooks', () => {
  it('retries a failing receiver with growing delays, dead-letters it, and an admin re-drives it to delivery', async () => {
    let secret = '';
    const receiver = await startReceiver(() => secret);
    try {
      const created = await h.agent
        .post(`${API}/webhooks`)
        .set(bearer(biz.token))
        .send({ url: receiver.url, events: ['escrow.released'] });
      expect(created.status).toBe(201);
      secret = created.body.data.secret as string;
      expect(secret).toMatch(/^whsec_/);
      const listed = await h.agent.get(`${API}/webhooks`).set(bearer(biz.token));
      expect(JSON.stringify(listed.body)).not.toContain(secret);

      const key = `escrow/${unique()}/released`;
      const result = await notify(h.deps.notify, escrowReleased(key));
      expect(result.webhookDeliveries).toBe(1);
      const [delivery] = (
        await h.agent.get(`${API}/webhooks/deliveries?eventId=${key}`).set(bearer(biz.token))
      ).body.data;
      expect(delivery).toMatchObject({ status: 'pending', attempts: 0 });

      // Drive the dispatcher with a clock: each failure schedules the next try further away.
      let now = new Date(delivery.nextAttemptAt as string);
      const delays: number[] = [];
      for (let attempt = 1; attempt <= 4; attempt++) {
        const early = await h.dispatcher.runDue(new Date(now.getTime() - 1000));
        expect(early.attempted).toBe(0); // not due yet
        const run = await h.dispatcher.runDue(now);
        expect(run.attempted).toBe(1);
        const [row] = (await h.agent.get(`${API}/webhooks/deliveries?eventId=${key}`).set(bearer(biz.token)))
          .body.data;
        expect(row.attempts).toBe(attempt);
        expect(row.lastStatusCode).toBe(500);
        if (attempt < 4) {
          expect(row.status).toBe('pending');
          const next = new Date(row.nextAttemptAt as string);
          delays.push((next.getTime() - now.getTime()) / 1000);
          now = next;
        } else {
          expect(row).toMatchObject({
            status: 'dead',
            deadAt: now.toISOString(),
            lastError: 'receiver answered 500',
          });
        }
      }
      expect(delays).toEqual([30, 60, 120]);
      expect(delays).toEqual(
        [1, 2, 3].map((n) =>
          backoffSeconds({ maxAttempts: 4, baseDelaySeconds: 30, maxDelaySeconds: 3600 }, n),
        ),
      );
      expect(receiver.received).toHaveLength(4);
      expect(receiver.received.every((r) => r.verified)).toBe(true);
      expect((await h.dispatcher.runDue(new Date(now.getTime() + 86400_000))).attempted).toBe(0); // dead stays dead

      // Dead letters: listed for the admin; another tenant cannot see or re-drive them.
      const dead = await h.agent.get(`${API}/webhooks/deliveries?status=dead`).set(bearer(biz.token));
      expect(dead.body.data.map((d: { id: string }) => d.id)).toContain(delivery.id);
      expect(
        (await h.agent.post(`${API}/webhooks/deliveries/${delivery.id}/redrive`).set(bearer(other.token)))
          .status,
      ).toBe(404);

      receiver.answer(204);
      const redriven = await h.agent
        .post(`${API}/webhooks/deliveries/${delivery.id}/redrive`)
        .set(bearer(biz.token));
      expect(redriven.status).toBe(200);
      expect(redriven.body.data).toMatchObject({ status: 'pending', attempts: 0, redrives: 1 });
      const again = await h.agent
        .post(`${API}/webhooks/deliveries/${delivery.id}/redrive`)
        .set(bearer(biz.token));
      expect(again.status).toBe(409);
      expect(again.body.errors[0].code).toBe('INVALID_STATE_TRANSITION');

      expect(await h.dispatcher.runDue(new Date())).toMatchObject({ attempted: 1, delivered: 1 });
      const [done] = (await h.agent.get(`${API}/webhooks/deliveries?eventId=${key}`).set(bearer(biz.token)))
        .body.data;
      expect(done).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204 });

      const last = receiver.received.at(-1)!;
      expect(last.verified).toBe(true);
      expect(JSON.parse(last.body)).toMatchObject({
        id: key,
        type: 'escrow.released',
        tenantId: biz.tenantId,
        data: { jobId: 'job-1' },
      });
      // The same key again writes no second delivery.
      expect((await notify(h.deps.notify, escrowReleased(key))).webhookDeliveries).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('signs so that receivers can tell: a stale, tampered or foreign signature is refused by the helper', async () => {
    let secret = '';
    const receiver = await startReceiver(() => secret);
    try {
      const created = await h.agent
        .post(`${API}/webhooks`)
        .set(bearer(biz.token))
        .send({ url: receiver.url, events: ['escrow.released'] });
      secret = created.body.data.secret as string;
      receiver.answer(200);
      await notify(h.deps.notify, escrowReleased(`escrow/${unique()}`));
      await h.dispatcher.runDue(new Date());
      const { body, signature } = receiver.received.find((r) => r.verified)!;
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const t = Number(/t=(\d+)/.exec(signature)![1]) * 1000;

      expect(verifyWebhook({ body, signature, secret, now: t + 299_000 }).type).toBe('escrow.released');
      const refusal = (opts: Partial<Parameters<typeof verifyWebhook>[0]>) => {
        try {
          verifyWebhook({ body, signature, secret, now: t, ...opts });
          return 'accepted';
        } catch (err) {
          expect(err).toBeInstanceOf(WebhookSignatureError);
          return (err as WebhookSignatureError).reason;
        }
      };
      expect(refusal({ now: t + 301_000 })).toBe('stale');
      expect(refusal({ body: body.replace('job-1', 'job-2') })).toBe('mismatch');
      expect(refusal({ secret: 'whsec_someone-else' })).toBe('mismatch');
      expect(refusal({ signature: undefined })).toBe('missing');
      expect(refusal({ signature: 'v1=abc' })).toBe('malformed');
    } finally {
      await receiver.close();
    }
  });

  it('writes the outbox with the notification: a notification that fails to render leaves no delivery', async () => {
    const receiver = await startReceiver(() => 'x');
    try {
      await h.agent
        .post(`${API}/webhooks`)
        .set(bearer(biz.token))
        .send({ url: receiver.url, events: ['escrow.released'] });
      const key = `escrow/${unique()}`;
      await expect(
        notify(h.deps.notify, escrowReleased(key, { variables: { name: 'Luis' } })),
      ).rejects.toMatchObject({
        code: 'TEMPLATE_VARIABLE_MISSING',
      });
      const rows = await h.agent.get(`${API}/webhooks/deliveries?eventId=${key}`).set(bearer(biz.token));
      expect(rows.body.data).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('validates registrations and keeps endpoints per tenant', async () => {
    const bad = await h.agent
      .post(`${API}/webhooks`)
      .set(bearer(biz.token))
      .send({ url: 'ftp://x', events: ['nope'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.events.0',
      'body.url',
    ]);
    const mine = await h.agent
      .post(`${API}/webhooks`)
      .set(bearer(biz.token))
      .send({ url: 'https://example.com/hook', events: ['escrow.funded'] });
    expect(
      (await h.agent.delete(`${API}/webhooks/${mine.body.data.id}`).set(bearer(other.token))).status,
    ).toBe(404);
    expect((await h.agent.delete(`${API}/webhooks/${mine.body.data.id}`).set(bearer(biz.token))).status).toBe(
      204,
    );
    const list = await h.agent.get(`${API}/webhooks?limit=100`).set(bearer(biz.token));
    expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(mine.body.data.id);
  });
});

describe('SSRF guard on webhook URLs (the production policy: no allow-list)', () => {
  // The harness exempts 127.0.0.1 for the tests above; these run with the production rules
  // (http allowed only because test receivers speak http; https-only is the default, unit-tested in
  // services/platform/test/ssrf.test.ts). The test DNS and the connect override are the harness's.
  let strict: ReturnType<typeof request>;
  let strictDispatcher: ReturnType<typeof createDispatcher>;
  let tenant: SignedUp;
  beforeAll(async () => {
    const urls = createOutboundGuard({ allowHttp: true, resolve: h.resolve, testConnectOverride: h.connect });
    strict = request(createApp({ ...h.deps, webhookUrls: urls }).app.callback());
    strictDispatcher = createDispatcher(testConfig(smtp.port, 'http://127.0.0.1:1'), {
      orm: h.orm,
      logger: h.deps.logger,
      urls,
    });
    tenant = await signUp(identity);
  });
  const register = (url: string, agent = strict) =>
    agent
      .post(`${API}/webhooks`)
      .set(bearer(tenant.token))
      .send({ url, events: ['escrow.released'] });
  const event = (key: string) => ({ ...escrowReleased(key), tenantId: tenant.tenantId });
  const deliveries = async (key: string) =>
    (await strict.get(`${API}/webhooks/deliveries?eventId=${key}`).set(bearer(tenant.token))).body.data;

  it.each([
    'http://127.0.0.1/hooks',
    'https://127.0.0.1/hooks',
    'http://127.0.0.1:4001/api/identity/v1/auth/login',
    'http://127.1/hooks',
    'http://2130706433/hooks',
    'http://0x7f000001/hooks',
    'http://0177.0.0.1/hooks',
    'http://[::1]/hooks',
    'http://[::ffff:127.0.0.1]/hooks',
    'http://[::ffff:7f00:1]/hooks',
    'http://10.0.0.1/hooks',
    'http://172.16.0.1/hooks',
    'http://192.168.1.1/hooks',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/hooks',
    'http://[fe80::1]/hooks',
    'http://[fc00::1]/hooks',
    'http://0.0.0.0/hooks',
    'http://224.0.0.1/hooks',
  ])('refuses %s at registration (422 URL_NOT_ALLOWED)', async (url) => {
    const res = await register(url);
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ code: 'URL_NOT_ALLOWED', field: 'body.url' });
    expect(res.body.errors[0].message).toMatch(/only public addresses/);
  });

  it('refuses a hostname when any address it resolves to is private, and one that does not resolve', async () => {
    h.dns.set('loopback.example.com', ['127.0.0.1']);
    h.dns.set('mixed.example.com', [PUBLIC_IP, '10.0.0.5']);
    for (const host of ['loopback.example.com', 'mixed.example.com']) {
      const res = await register(`http://${host}/hooks`);
      expect(res.status).toBe(422);
      expect(res.body.errors[0].code).toBe('URL_NOT_ALLOWED');
      expect(res.body.errors[0].message).toContain(host);
    }
    const missing = await register('http://no-such-host.invalid/hooks');
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0].message).toMatch(/does not resolve/);
  });

  it("the harness's allow-list exempts 127.0.0.1 only", async () => {
    expect((await register('http://127.0.0.2/hooks', h.agent)).status).toBe(422);
    expect((await register('http://10.0.0.1/hooks', h.agent)).status).toBe(422);
  });

  it('delivers to a host resolving to a public address, on the checked address, with the Host of the URL', async () => {
    let secret = '';
    const receiver = await startReceiver(() => secret);
    try {
      h.dns.set('hooks.example.com', [PUBLIC_IP]);
      h.routes.set(PUBLIC_IP, '127.0.0.1'); // the test's stand-in for the public host
      const created = await register(`http://hooks.example.com:${receiver.port}/hooks`);
      expect(created.status).toBe(201);
      secret = created.body.data.secret as string;
      receiver.answer(204);
      const key = `escrow/${unique()}`;
      await notify(h.deps.notify, event(key));
      await strictDispatcher.runDue(new Date());
      expect(await deliveries(key)).toMatchObject([{ status: 'delivered', lastStatusCode: 204 }]);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]).toMatchObject({
        verified: true,
        host: `hooks.example.com:${receiver.port}`,
      });
    } finally {
      h.routes.delete(PUBLIC_IP);
      await receiver.close();
    }
  });

  it('checks again at delivery: a name that resolves to 127.0.0.1 after registration gets nothing sent', async () => {
    let secret = '';
    const receiver = await startReceiver(() => secret);
    try {
      h.dns.set('rebind.example.com', [PUBLIC_IP]);
      const created = await register(`http://rebind.example.com:${receiver.port}/hooks`);
      expect(created.status).toBe(201);
      secret = created.body.data.secret as string;
      receiver.answer(204);
      h.dns.set('rebind.example.com', ['127.0.0.1']); // the DNS answer changes
      const key = `escrow/${unique()}`;
      await notify(h.deps.notify, event(key));
      await strictDispatcher.runDue(new Date());
      const [row] = await deliveries(key);
      expect(row).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastStatusCode: null,
        lastError: 'destination not allowed',
      });
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('follows no redirect (a 3xx is a failed attempt) and stores a short reason, never the remote body', async () => {
    let secret = '';
    const receiver = await startReceiver(() => secret);
    try {
      h.dns.set('redirect.example.com', [PUBLIC_IP]);
      h.routes.set(PUBLIC_IP, '127.0.0.1');
      const created = await register(`http://redirect.example.com:${receiver.port}/hooks`);
      secret = created.body.data.secret as string;
      for (const [answer, reason] of [
        [302, 'receiver answered 302'],
        [500, 'receiver answered 500'],
      ] as const) {
        receiver.answer(answer);
        const key = `escrow/${unique()}`;
        await notify(h.deps.notify, event(key));
        const before = receiver.received.length;
        await strictDispatcher.runDue(new Date());
        expect(receiver.received.length - before).toBe(1); // /elsewhere never asked
        const [row] = await deliveries(key);
        expect(row).toMatchObject({ status: 'pending', lastStatusCode: answer, lastError: reason });
        expect(JSON.stringify(row)).not.toContain('stack');
      }
      // A closed port: the error code only.
      await receiver.close();
      const key = `escrow/${unique()}`;
      await notify(h.deps.notify, event(key));
      await strictDispatcher.runDue(new Date());
      const rows = await deliveries(key);
      expect(
        rows.find((r: { lastError: string }) => r.lastError === 'connection failed (ECONNREFUSED)'),
      ).toBeTruthy();
    } finally {
      h.routes.delete(PUBLIC_IP);
      await receiver.close().catch(() => undefined);
    }
  });

  it('caps the endpoints of a business (422 WEBHOOK_ENDPOINT_LIMIT) and counts removed ones out', async () => {
    const capped = request(createApp({ ...h.deps, webhookMaxEndpoints: 2 }).app.callback());
    const owner = await signUp(identity);
    const post = () =>
      capped
        .post(`${API}/webhooks`)
        .set(bearer(owner.token))
        .send({ url: 'https://example.com/hook', events: ['escrow.funded'] });
    const first = await post();
    expect(first.status).toBe(201);
    expect((await post()).status).toBe(201);
    const third = await post();
    expect(third.status).toBe(422);
    expect(third.body.errors[0].code).toBe('WEBHOOK_ENDPOINT_LIMIT');
    expect(
      (await capped.delete(`${API}/webhooks/${first.body.data.id}`).set(bearer(owner.token))).status,
    ).toBe(204);
    expect((await post()).status).toBe(201);
  });
});
