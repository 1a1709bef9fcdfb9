/**
 * Password reset end to end: identity asks the real notifications service (a spawned process) to
 * mail the link through a real SMTP server; using the link sets the password and ends every session.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { MailDev } from 'maildev';
import request from 'supertest';
import { serve, type RunningServer } from '@faena/platform';
import {
  ROOT,
  eventually,
  spawnService,
  testDatabaseUrl,
  testStack,
  type SpawnedService,
} from '@faena/platform/testing';
import { createApp } from '../src/app.ts';
import {
  API,
  PASSWORD,
  bearer,
  signUp,
  startIdentity,
  unique,
  type Harness,
  type SignedUp,
} from './harness.ts';

const SERVICE_TOKEN = 'identity-test-service-token-0123456789abcdef';
let h: Harness;
let server: RunningServer;
let maildev: MailDev;
let smtp: NonNullable<ReturnType<MailDev['getServers']>>['smtp'];
let notifications: SpawnedService;
let agent: ReturnType<typeof request>;
let biz: SignedUp;

beforeAll(async () => {
  maildev = new MailDev({ smtp: 0, ip: '127.0.0.1', disableWeb: true, silent: true });
  smtp = (await maildev.start()).smtp;
  h = await startIdentity();
  server = await serve(h.app, { port: 0, host: '127.0.0.1', logger: h.deps.logger, signals: [] });
  const env = {
    SERVICE_NAME: 'notifications',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: await testDatabaseUrl(),
    REDIS_URL: testStack.redisUrl,
    IDENTITY_URL: `http://127.0.0.1:${server.port}`,
    NOTIFICATIONS_SERVICE_TOKEN: SERVICE_TOKEN,
    WEBHOOK_SECRET_KEY: 'identity-test-webhook-key-0123456789abcdef',
    SMTP_PORT: String(smtp.getPort()),
    REALTIME_STREAM: `test-identity:${process.pid}`,
  };
  const migrated = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', path.join(ROOT, 'services/notifications/src/migrate.ts'), 'up'],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' },
  );
  if (migrated.status !== 0) throw new Error(`notifications migrations failed: ${migrated.stderr}`);
  notifications = await spawnService(path.join(ROOT, 'services/notifications/src/main.ts'), env, {
    timeoutMs: 30000,
  });
  agent = request(
    createApp(h.deps, {
      passwordReset: {
        notificationsUrl: `http://127.0.0.1:${notifications.port}`,
        serviceToken: SERVICE_TOKEN,
        resetUrl: 'https://app.faena.test/reset-password',
        requestsPerHourPerIp: 100000,
      },
    }).app.callback(),
  );
  biz = await signUp(h);
}, 90000);

afterAll(async () => {
  notifications?.child.kill('SIGTERM');
  await notifications?.exited;
  await server?.stop();
  await h?.close();
  await maildev?.stop();
}, 30000);

const mailsTo = async (address: string) =>
  (await smtp.getAllEmails()).filter((m) => m.to.some((t) => t.address === address));
const tokenIn = (text: string | undefined) => /token=(prt_[A-Za-z0-9_-]+)/.exec(text ?? '')?.[1];

describe('password reset', () => {
  it('request → mail → reset → the old refresh tokens and sessions are refused', async () => {
    const second = await agent
      .post(`${API}/auth/login`)
      .send({ tenant: biz.slug, email: biz.ownerEmail, password: PASSWORD });
    expect(second.status).toBe(200);

    const requested = await agent
      .post(`${API}/auth/password-reset`)
      .send({ tenant: biz.slug, email: biz.ownerEmail });
    expect(requested.status).toBe(202);
    const mail = await eventually(async () => {
      const [m] = await mailsTo(biz.ownerEmail);
      expect(m).toBeDefined();
      return m!;
    }, 10000);
    // the business is es-AR: the mail is in Spanish
    expect(mail.subject).toBe('Restablecé tu contraseña');
    expect(mail.text).toContain('30 minutos');
    const token = tokenIn(mail.text);
    expect(token).toBeDefined();
    expect(mail.html).toContain(`https://app.faena.test/reset-password?token=${token}`);
    // only the hash is stored
    const [row] = await h.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ token_hash: string; expires_at: Date; created_at: Date }>>(
        `select token_hash, expires_at, created_at from identity.password_reset_tokens where user_id = ? and used_at is null`,
        [biz.ownerId],
      );
    expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.token_hash).not.toBe(token);
    expect(new Date(row!.expires_at).getTime() - new Date(row!.created_at).getTime()).toBe(30 * 60_000);

    const newPassword = 'a brand new passphrase 2026';
    const reset = await agent
      .post(`${API}/auth/password-reset/confirm`)
      .send({ token, password: newPassword });
    expect(reset.status).toBe(200);
    expect(reset.body.data).toEqual({ sessionsEnded: 2 });

    for (const refreshToken of [biz.refreshToken, second.body.data.refreshToken]) {
      const refreshed = await agent.post(`${API}/auth/refresh`).send({ refreshToken });
      expect(refreshed.status).toBe(401);
    }
    expect((await agent.get(`${API}/auth/me`).set(bearer(second.body.data.accessToken))).status).toBe(401);
    expect(
      (
        await agent
          .post(`${API}/auth/login`)
          .send({ tenant: biz.slug, email: biz.ownerEmail, password: PASSWORD })
      ).status,
    ).toBe(401);
    expect(
      (
        await agent
          .post(`${API}/auth/login`)
          .send({ tenant: biz.slug, email: biz.ownerEmail, password: newPassword })
      ).status,
    ).toBe(200);

    // single use
    const again = await agent
      .post(`${API}/auth/password-reset/confirm`)
      .send({ token, password: 'yet another passphrase 1' });
    expect(again.status).toBe(401);
    expect(again.body.errors[0].code).toBe('UNAUTHENTICATED');
  }, 60000);

  it('answers the same for an unknown email and sends nothing; a newer link replaces the older; an expired link is refused', async () => {
    const ghost = `ghost-${unique()}@example.com`;
    const unknown = await agent.post(`${API}/auth/password-reset`).send({ tenant: biz.slug, email: ghost });
    expect(unknown.status).toBe(202);
    expect(unknown.body.data).toEqual({ accepted: true });

    const other = await signUp(h);
    await agent.post(`${API}/auth/password-reset`).send({ tenant: other.slug, email: other.ownerEmail });
    await agent.post(`${API}/auth/password-reset`).send({ tenant: other.slug, email: other.ownerEmail });
    const mails = await eventually(async () => {
      const m = await mailsTo(other.ownerEmail);
      expect(m).toHaveLength(2);
      return m;
    }, 10000);
    const [older, newer] = mails
      .sort((x, y) => new Date(x.time).getTime() - new Date(y.time).getTime())
      .map((m) => tokenIn(m.text));
    expect(
      (
        await agent
          .post(`${API}/auth/password-reset/confirm`)
          .send({ token: older, password: 'older link passphrase' })
      ).status,
    ).toBe(401);

    await h.orm.em
      .fork()
      .getConnection()
      .execute(
        `update identity.password_reset_tokens set expires_at = now() - interval '1 second' where user_id = ?`,
        [other.ownerId],
      );
    const expired = await agent
      .post(`${API}/auth/password-reset/confirm`)
      .send({ token: newer, password: 'expired link passphrase' });
    expect(expired.status).toBe(401);
    expect(await mailsTo(ghost)).toHaveLength(0);
  }, 60000);

  it('mails one account at most 3 links an hour, from any address, and still answers 202 to every request', async () => {
    const victim = await signUp(h);
    // Before: 30 requests from rotating addresses were 30 × 202 and as many mails to one inbox.
    for (let i = 0; i < 6; i++) {
      const res = await agent
        .post(`${API}/auth/password-reset`)
        .set('X-Forwarded-For', `198.51.100.${i}`)
        .send({ tenant: victim.slug, email: victim.ownerEmail });
      expect(res.status).toBe(202);
    }
    // Links are stored before the answer: exactly 3 were made, so 3 mails at most.
    const links = await h.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ n: number }>>(
        `select count(*)::int as n from identity.password_reset_tokens where user_id = ?`,
        [victim.ownerId],
      );
    expect(links[0]!.n).toBe(3);
    await eventually(async () => expect(await mailsTo(victim.ownerEmail)).toHaveLength(3), 10000);
  }, 60000);
});
