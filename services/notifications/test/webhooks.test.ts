import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningServer } from '@faena/platform';
import type { Harness as IdentityHarness } from '../../identity/test/harness.ts';
import { SIGNATURE_HEADER, WebhookSignatureError, verifyWebhook } from '../src/client/webhooks.ts';
import { notify } from '../src/domain/notify.ts';
import { backoffSeconds } from '../src/domain/webhooks.ts';
import {
  API,
  bearer,
  signUp,
  startIdentityServer,
  startNotifications,
  startSmtp,
  unique,
  type Harness,
  type SignedUp,
  type Smtp,
} from './harness.ts';

/** A client's receiver: verifies every delivery with the helper Faena ships, answers `status()`. */
function startReceiver(secret: () => string) {
  const received: Array<{ body: string; signature: string; verified: boolean; event?: string }> = [];
  let answer = 500;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const signature = String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? '');
      try {
        const event = verifyWebhook({ body, signature, secret: secret() });
        received.push({ body, signature, verified: true, event: event.type });
        res.statusCode = answer;
      } catch {
        received.push({ body, signature, verified: false });
        res.statusCode = 400;
      }
      res.end();
    });
  });
  return new Promise<{
    url: string;
    received: typeof received;
    answer(s: number): void;
    close(): Promise<void>;
  }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
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
