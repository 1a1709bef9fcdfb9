import type { RunningServer } from '@faena/platform';
import type { Harness as IdentityHarness } from '../../identity/test/harness.ts';
import { notify } from '../src/domain/notify.ts';
import {
  API,
  addUser,
  bearer,
  roleId,
  service,
  signUp,
  startIdentityServer,
  startNotifications,
  startSmtp,
  unique,
  type Harness,
  type SignedUp,
  type Smtp,
} from './harness.ts';

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

const mailsTo = async (address: string) =>
  (await smtp.mails()).filter((m) => m.to.some((t) => t.address === address));

const PDF = Buffer.from('%PDF-1.4\n% comanda 42\n%%EOF\n');

describe('email through notify', () => {
  it('reaches the SMTP server in the recipient locale with subject and attachment; the same key twice sends once', async () => {
    const email = `kitchen-${unique()}@example.com`;
    const body = {
      tenantId: biz.tenantId,
      key: `print/${unique()}/fallback`,
      event: 'print.fallback',
      recipient: { email, locale: 'es-AR', roles: ['manager'] },
      variables: { branchName: 'Palermo', orderNumber: 'A-42', printerName: 'Cocina 1' },
      attachments: [
        {
          filename: 'comanda-A-42.pdf',
          contentType: 'application/pdf',
          contentBase64: PDF.toString('base64'),
        },
      ],
    };
    const first = await h.agent.post(`${API}/notify`).set(service).send(body);
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({
      replayed: false,
      notifications: [{ channel: 'email', status: 'sent', attempts: 1 }],
    });
    const second = await h.agent.post(`${API}/notify`).set(service).send(body);
    expect(second.status).toBe(200);
    expect(second.body.data).toMatchObject({
      replayed: true,
      notifications: [{ id: first.body.data.notifications[0].id, status: 'sent' }],
    });

    const mails = await mailsTo(email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toBe('Comanda A-42 sin imprimir en Palermo');
    expect(mail!.text).toContain('La impresora Cocina 1 no respondió');
    expect(mail!.html).toContain('<strong>Cocina 1</strong>');
    expect(mail!.headers['content-language']).toBe('es-AR');
    expect(mail!.attachments).toHaveLength(1);
    expect(mail!.attachments[0]).toMatchObject({
      filename: 'comanda-A-42.pdf',
      contentType: 'application/pdf',
    });
    expect((await smtp.attachment(mail!.id, mail!.attachments[0]!.generatedFileName)).equals(PDF)).toBe(true);
  });

  it("falls back to the business's locale, then formats dates and money for it", async () => {
    const admin = bearer(biz.token);
    expect((await h.agent.put(`${API}/settings`).set(admin).send({ locale: 'en' })).status).toBe(200);
    const email = `member-${unique()}@example.com`;
    const res = await h.agent
      .post(`${API}/notify`)
      .set(service)
      .send({
        tenantId: biz.tenantId,
        key: `renewal/${unique()}`,
        event: 'membership.renewal_reminder',
        recipient: { email },
        variables: {
          name: 'Ana',
          planName: 'Full',
          renewsOn: '2026-12-01',
          amount: { amount: 2500000, currency: 'ARS' },
        },
      });
    expect(res.status).toBe(201);
    const [mail] = await mailsTo(email);
    expect(mail!.subject).toBe('Your Full plan renews on December 1, 2026');
    expect(mail!.text).toMatch(/ARS\s25,000\.00/);
    expect(mail!.headers['content-language']).toBe('en');
    // the other business still falls back to the service default (Spanish)
    const es = `socio-${unique()}@example.com`;
    await h.agent
      .post(`${API}/notify`)
      .set(service)
      .send({
        tenantId: other.tenantId,
        key: `renewal/${unique()}`,
        event: 'membership.renewal_reminder',
        recipient: { email: es },
        variables: {
          name: 'Ana',
          planName: 'Full',
          renewsOn: '2026-12-01',
          amount: { amount: 2500000, currency: 'ARS' },
        },
      });
    expect((await mailsTo(es))[0]!.subject).toBe('Tu plan Full se renueva el 1 de diciembre de 2026');
  });

  it('refuses a missing variable at render time and records nothing', async () => {
    const key = `renewal/${unique()}`;
    const email = `missing-${unique()}@example.com`;
    const res = await h.agent
      .post(`${API}/notify`)
      .set(service)
      .send({
        tenantId: biz.tenantId,
        key,
        event: 'membership.renewal_reminder',
        recipient: { email },
        variables: { name: 'Ana', renewsOn: '2026-12-01', amount: { amount: 100, currency: 'ARS' } },
      });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ code: 'TEMPLATE_VARIABLE_MISSING', field: 'variables.planName' }),
    ]);
    expect(await mailsTo(email)).toHaveLength(0);
    const history = await h.agent
      .get(`${API}/notifications?key=${encodeURIComponent(key)}`)
      .set(bearer(biz.token));
    expect(history.body.data).toEqual([]);
  });

  it('answers EMAIL_DELIVERY_FAILED when the mail server is down, and sends on a retry with the same key', async () => {
    const down = await startNotifications({ smtpPort: 1, identityUrl: 'http://127.0.0.1:1' });
    const email = `retry-${unique()}@example.com`;
    const input = {
      tenantId: biz.tenantId,
      key: `cash/${unique()}`,
      event: 'cash.daily_report' as const,
      recipient: { email, roles: ['owner'] },
      variables: {
        branchName: 'Centro',
        businessDate: '2026-11-20',
        totalSales: { amount: '1234567', currency: 'MXN' },
        cashDifference: { amount: -500, currency: 'MXN' },
      },
    };
    try {
      await expect(notify(down.deps.notify, input)).rejects.toMatchObject({ code: 'EMAIL_DELIVERY_FAILED' });
    } finally {
      await down.close();
    }
    const history = await h.agent.get(`${API}/notifications?key=${input.key}`).set(bearer(biz.token));
    expect(history.body.data).toEqual([expect.objectContaining({ status: 'failed', attempts: 1 })]);
    expect(history.body.data[0].lastError).not.toContain(email);
    const retried = await notify(h.deps.notify, input);
    expect(retried.notifications).toEqual([expect.objectContaining({ status: 'sent', attempts: 2 })]);
    const mails = await mailsTo(email);
    expect(mails).toHaveLength(1);
    // money in minor units, also as a bigint string, in the business's locale (set to English above)
    expect(mails[0]!.text).toContain('Sales: MX$12,345.67');
    expect(mails[0]!.text).toContain('Cash difference: -MX$5.00');
  });

  it('keeps secrets out of the history: a reset link is stored redacted', async () => {
    const email = `reset-${unique()}@example.com`;
    const key = `reset/${unique()}`;
    await notify(h.deps.notify, {
      tenantId: biz.tenantId,
      key,
      event: 'password.reset',
      recipient: { email },
      variables: { name: 'Ana', resetUrl: 'https://app.faena.test/reset?token=s3cr3t', expiresInMinutes: 30 },
    });
    expect((await mailsTo(email))[0]!.text).toContain('token=s3cr3t');
    const history = await h.agent.get(`${API}/notifications?key=${key}`).set(bearer(biz.token));
    expect(history.body.data[0].body).toContain('[redacted]');
    expect(JSON.stringify(history.body)).not.toContain('s3cr3t');
    expect(h.logs()).not.toContain('s3cr3t');
    expect(h.logs()).not.toContain(email);
  });

  it('refuses service calls without the service token', async () => {
    const res = await h.agent.post(`${API}/notify`).set('X-Service-Token', 'wrong').send({});
    expect(res.status).toBe(401);
    expect(res.body.errors[0].code).toBe('UNAUTHENTICATED');
  });
});

describe('preferences', () => {
  it('records an event the user turned off as suppressed and does not send it', async () => {
    const user = await addUser(identity, biz, [{ roleId: await roleId(identity, biz, 'client') }]);
    const prefs = await h.agent
      .put(`${API}/preferences`)
      .set(bearer(user.token))
      .send({ items: [{ event: 'membership.renewal_reminder', channel: 'email', enabled: false }] });
    expect(prefs.status).toBe(200);
    expect(prefs.body.data).toContainEqual({
      event: 'membership.renewal_reminder',
      channel: 'email',
      enabled: false,
      source: 'user',
    });
    expect(prefs.body.data).toContainEqual({
      event: 'membership.renewal_reminder',
      channel: 'in_app',
      enabled: true,
      source: 'default',
    });

    const key = `renewal/${unique()}`;
    const res = await h.agent
      .post(`${API}/notify`)
      .set(service)
      .send({
        tenantId: biz.tenantId,
        key,
        event: 'membership.renewal_reminder',
        recipient: { userId: user.id, email: user.email, roles: ['client'] },
        variables: {
          name: 'Ana',
          planName: 'Full',
          renewsOn: '2026-12-01',
          amount: { amount: 100, currency: 'ARS' },
        },
      });
    expect(res.status).toBe(201);
    expect(res.body.data.notifications).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'email', status: 'suppressed', attempts: 0 }),
        expect.objectContaining({ channel: 'in_app', status: 'sent' }),
      ]),
    );
    expect(await mailsTo(user.email)).toHaveLength(0);
    const history = await h.agent
      .get(`${API}/notifications?key=${key}&status=suppressed`)
      .set(bearer(biz.token));
    expect(history.body.data).toHaveLength(1);
  });

  it('defaults per role: the cash report reaches managers by email, not waiters; password resets cannot be turned off', async () => {
    const base = {
      tenantId: biz.tenantId,
      event: 'cash.daily_report' as const,
      variables: {
        branchName: 'Centro',
        businessDate: '2026-11-20',
        totalSales: { amount: 100, currency: 'MXN' },
        cashDifference: { amount: 0, currency: 'MXN' },
      },
    };
    const manager = await notify(h.deps.notify, {
      ...base,
      key: `c/${unique()}`,
      recipient: { email: `m-${unique()}@example.com`, roles: ['manager'] },
    });
    const waiter = await notify(h.deps.notify, {
      ...base,
      key: `c/${unique()}`,
      recipient: { email: `w-${unique()}@example.com`, roles: ['waiter'] },
    });
    expect(manager.notifications[0]!.status).toBe('sent');
    expect(waiter.notifications[0]!.status).toBe('suppressed');

    const waiterUser = await addUser(identity, biz, [{ roleId: await roleId(identity, biz, 'waiter') }]);
    const mine = await h.agent.get(`${API}/preferences`).set(bearer(waiterUser.token));
    expect(mine.body.data).toContainEqual({
      event: 'cash.daily_report',
      channel: 'email',
      enabled: false,
      source: 'default',
    });
    expect(mine.body.data).toContainEqual({
      event: 'password.reset',
      channel: 'email',
      enabled: true,
      source: 'mandatory',
    });
    const refused = await h.agent
      .put(`${API}/preferences`)
      .set(bearer(waiterUser.token))
      .send({ items: [{ event: 'password.reset', channel: 'email', enabled: false }] });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({
      code: 'PREFERENCE_NOT_ALLOWED',
      field: 'body.items.0.enabled',
    });
  });
});

describe('in-app inbox', () => {
  it('lists per user, unread first, paginated; marks one and all read; another user or tenant sees nothing', async () => {
    const user = await addUser(identity, biz, [{ roleId: await roleId(identity, biz, 'client') }]);
    const ids: string[] = [];
    for (const job of ['Pintura', 'Plomería', 'Electricidad']) {
      const r = await notify(h.deps.notify, {
        tenantId: biz.tenantId,
        key: `escrow/${unique()}/funded`,
        event: 'escrow.funded',
        recipient: { userId: user.id, locale: 'es' },
        variables: { title: job, amount: { amount: 5000000, currency: 'CLP' } },
        data: { jobId: job },
      });
      ids.push(r.notifications.find((n) => n.channel === 'in_app')!.id);
    }
    const [oldest, middle, newest] = ids;
    const me = bearer(user.token);
    const read = await h.agent.post(`${API}/inbox/${oldest}/read`).set(me);
    expect(read.status).toBe(200);
    expect(read.body.data.readAt).toEqual(expect.any(String));

    const page1 = await h.agent.get(`${API}/inbox?limit=2`).set(me);
    expect(page1.body.data.map((n: { id: string }) => n.id)).toEqual([newest, middle]);
    expect(page1.body.meta).toMatchObject({ unread: 2, nextCursor: expect.any(String) });
    expect(page1.body.data[0]).toMatchObject({
      event: 'escrow.funded',
      title: 'Pago en garantía: Electricidad',
      readAt: null,
    });
    const page2 = await h.agent.get(`${API}/inbox?limit=2&cursor=${page1.body.meta.nextCursor}`).set(me);
    expect(page2.body.data.map((n: { id: string }) => n.id)).toEqual([oldest]);
    expect(page2.body.meta.nextCursor).toBeNull();

    const stranger = await addUser(identity, biz, [{ roleId: await roleId(identity, biz, 'client') }]);
    expect((await h.agent.get(`${API}/inbox`).set(bearer(stranger.token))).body.data).toEqual([]);
    const notMine = await h.agent.post(`${API}/inbox/${newest}/read`).set(bearer(stranger.token));
    expect(notMine.status).toBe(404);
    const otherTenant = await h.agent.post(`${API}/inbox/${newest}/read`).set(bearer(other.token));
    expect(otherTenant.status).toBe(404);
    expect((await h.agent.get(`${API}/notifications/${newest}`).set(bearer(other.token))).status).toBe(404);

    const all = await h.agent.post(`${API}/inbox/read-all`).set(me);
    expect(all.body.data).toEqual({ marked: 2 });
    const after = await h.agent.get(`${API}/inbox?unread=true`).set(me);
    expect(after.body.data).toEqual([]);
    expect(after.body.meta.unread).toBe(0);
  });
});
