import { createTemporalClient } from '@faena/platform';
import { testStack } from '@faena/platform/testing';
import { escrowWorkflowId } from '@faena/workflows/escrow/contract';
import {
  API,
  bearer,
  business,
  inOneDay,
  offer,
  professional,
  sql,
  startMarketplace,
  type Business,
  type MarketplaceHarness,
} from './harness.ts';

let h: MarketplaceHarness;
let b: Business;
beforeAll(async () => {
  h = await startMarketplace();
  b = await business(h);
  await professional(h, b, b.pro);
}, 90000);
afterAll(() => h.close());

const accept = (offerId: string, token = b.client.token, body: Record<string, unknown> = {}) =>
  h.agent
    .post(`${API}/offers/${offerId}/accept`)
    .set(bearer(token))
    .send({ version: 1, ...body });

describe('sending offers', () => {
  it('only a professional whose KYC was approved can send offers (403 KYC_NOT_APPROVED)', async () => {
    const nb = await business(h);
    const send = () =>
      h.agent
        .post(`${API}/offers`)
        .set(bearer(nb.pro.token))
        .send({
          clientId: nb.client.id,
          description: 'x',
          amount: 100,
          currency: 'CLP',
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        });
    expect((await send()).body.errors[0].code).toBe('KYC_NOT_APPROVED');
    await professional(h, nb, nb.pro, { approve: false });
    const pending = await send();
    expect(pending.status).toBe(403);
    expect(pending.body.errors[0]).toMatchObject({
      code: 'KYC_NOT_APPROVED',
      message: expect.stringContaining('pending'),
    });
    await h.agent
      .post(`${API}/professionals/${nb.pro.id}/kyc/decision`)
      .set(bearer(nb.operator.token))
      .send({ status: 'approved' });
    expect((await send()).status).toBe(201);
    // A client holds no offers.send.
    const asClient = await h.agent.post(`${API}/offers`).set(bearer(nb.client.token)).send({});
    expect(asClient.status).toBe(403);
    expect(asClient.body.errors[0].code).toBe('FORBIDDEN');
  });

  it('validates the body with every problem reported (400 VALIDATION_FAILED)', async () => {
    const res = await h.agent
      .post(`${API}/offers`)
      .set(bearer(b.pro.token))
      .send({ clientId: 'nope', amount: -1, currency: 'clp', expiresAt: 'tomorrow', extra: true });
    expect(res.status).toBe(400);
    const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(
      [
        'body.amount',
        'body.clientId',
        'body.currency',
        'body.description',
        'body.expiresAt',
        'body.extra',
      ].sort(),
    );
    const past = await h.agent
      .post(`${API}/offers`)
      .set(bearer(b.pro.token))
      .send({
        clientId: b.client.id,
        description: 'x',
        amount: 1,
        currency: 'CLP',
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      });
    expect(past.status).toBe(422);
    expect(past.body.errors[0]).toMatchObject({ code: 'EXPIRY_NOT_IN_FUTURE', field: 'body.expiresAt' });
    // In the business's currency only, sent or changed (before: ZZZ, then any ISO code, was offered).
    const usd = await h.agent
      .post(`${API}/offers`)
      .set(bearer(b.pro.token))
      .send({ clientId: b.client.id, description: 'x', amount: 1, currency: 'USD', expiresAt: inOneDay() });
    expect([usd.status, usd.body.errors[0].code]).toEqual([422, 'CURRENCY_NOT_ACCEPTED']);
    const sent = await offer(h, b.pro, b.client);
    const changed = await h.agent
      .patch(`${API}/offers/${sent.id}`)
      .set(bearer(b.pro.token))
      .send({ currency: 'ARS' });
    expect([changed.status, changed.body.errors[0].code]).toEqual([422, 'CURRENCY_NOT_ACCEPTED']);
    // The client must be a user of this business (before: any UUID, another business's user too).
    const stranger = await business(h);
    for (const clientId of [stranger.client.id, '01900000-0000-7000-8000-00000000dead']) {
      const res = await h.agent
        .post(`${API}/offers`)
        .set(bearer(b.pro.token))
        .send({ clientId, description: 'x', amount: 1, currency: 'CLP', expiresAt: inOneDay() });
      expect([res.status, res.body.errors[0].code, res.body.errors[0].field]).toEqual([
        422,
        'UNKNOWN_REFERENCE',
        'body.clientId',
      ]);
    }
  });
});

describe('offer lifecycle', () => {
  it('is editable while pending by its professional only; withdraw and reject close it for good', async () => {
    const o = await offer(h, b.pro, b.client);
    const edited = await h.agent
      .patch(`${API}/offers/${o.id}`)
      .set(bearer(b.pro.token))
      .send({ amount: '50000', description: 'Cambiar calefont y llaves' });
    expect(edited.status).toBe(200);
    expect(edited.body.data).toMatchObject({
      amount: '50000',
      description: 'Cambiar calefont y llaves',
      status: 'pending',
    });
    // The client (a party) cannot edit; someone else's professional does not even see it.
    expect(
      (await h.agent.patch(`${API}/offers/${o.id}`).set(bearer(b.client.token)).send({ amount: 1 })).status,
    ).toBe(403);
    await professional(h, b, b.pro2);
    expect(
      (await h.agent.patch(`${API}/offers/${o.id}`).set(bearer(b.pro2.token)).send({ amount: 1 })).status,
    ).toBe(404);
    expect((await h.agent.get(`${API}/offers/${o.id}`).set(bearer(b.client2.token))).status).toBe(404);

    const withdrawn = await h.agent.post(`${API}/offers/${o.id}/withdraw`).set(bearer(b.pro.token)).send();
    expect(withdrawn.body.data.status).toBe('withdrawn');
    for (const res of [
      await h.agent.patch(`${API}/offers/${o.id}`).set(bearer(b.pro.token)).send({ amount: 1 }),
      await accept(o.id),
      await h.agent.post(`${API}/offers/${o.id}/reject`).set(bearer(b.client.token)).send(),
    ]) {
      expect(res.status).toBe(409);
      expect(res.body.errors[0].code).toBe('INVALID_STATE_TRANSITION');
    }

    const o2 = await offer(h, b.pro, b.client);
    const rejected = await h.agent.post(`${API}/offers/${o2.id}/reject`).set(bearer(b.client.token)).send();
    expect(rejected.body.data.status).toBe('rejected');
    expect((await accept(o2.id)).status).toBe(409);
  });

  it('the client accepts the version it saw: a change since is 409 OFFER_CHANGED and charges nothing', async () => {
    const o = await offer(h, b.pro, b.client, { amount: 10000 });
    const seen = (await h.agent.get(`${API}/offers/${o.id}`).set(bearer(b.client.token))).body.data;
    expect(seen.version).toBe(1);
    // The professional raises it after the client looked (before: the accept charged 450000).
    const raised = await h.agent
      .patch(`${API}/offers/${o.id}`)
      .set(bearer(b.pro.token))
      .send({ amount: 450000 });
    expect(raised.body.data).toMatchObject({ amount: '450000', version: 2 });
    const stale = await accept(o.id, b.client.token, { method: 'wallet', version: seen.version });
    expect([stale.status, stale.body.errors[0].code]).toEqual([409, 'OFFER_CHANGED']);
    expect(stale.body.errors[0].message).toContain('450000');
    expect(stale.headers.location).toBe(`${API}/offers/${o.id}`);
    expect((await h.agent.get(`${API}/offers/${o.id}`).set(bearer(b.client.token))).body.data.status).toBe(
      'pending',
    );
    expect(await sql(h, `select id from marketplace.jobs where offer_id = ?`, [o.id])).toEqual([]);
    // A version is required: an accept that says none is bad input.
    expect(
      (await h.agent.post(`${API}/offers/${o.id}/accept`).set(bearer(b.client.token)).send({})).status,
    ).toBe(400);
  });

  it('an expired offer cannot be accepted (409 OFFER_EXPIRED) nor edited, and lists as expired', async () => {
    const o = await offer(h, b.pro, b.client);
    await sql(h, `update marketplace.offers set expires_at = now() - interval '1 minute' where id = ?`, [
      o.id,
    ]);
    const res = await accept(o.id);
    expect(res.status).toBe(409);
    expect(res.body.errors[0].code).toBe('OFFER_EXPIRED');
    expect(
      (await h.agent.patch(`${API}/offers/${o.id}`).set(bearer(b.pro.token)).send({ amount: 2 })).body
        .errors[0].code,
    ).toBe('OFFER_EXPIRED');
    const one = await h.agent.get(`${API}/offers/${o.id}`).set(bearer(b.client.token));
    expect(one.body.data).toMatchObject({ status: 'pending', expired: true });
    expect(
      (
        await sql<{ n: number }>(h, `select count(*)::int as n from marketplace.jobs where offer_id = ?`, [
          o.id,
        ])
      )[0]!.n,
    ).toBe(0);
  });

  it('lists offers for both sides with status filters and cursor pages', async () => {
    const nb = await business(h);
    await professional(h, nb, nb.pro);
    const offers = [];
    for (let i = 0; i < 3; i++) offers.push(await offer(h, nb.pro, nb.client, { amount: 1000 + i }));
    await h.agent.post(`${API}/offers/${offers[0]!.id}/reject`).set(bearer(nb.client.token)).send();
    const list = async (token: string, q: string) =>
      (await h.agent.get(`${API}/offers?${q}`).set(bearer(token))).body as {
        data: Array<{ id: string; status: string }>;
        meta: { nextCursor: string | null };
      };
    expect((await list(nb.pro.token, 'role=professional')).data.map((o) => o.id)).toEqual([
      offers[2]!.id,
      offers[1]!.id,
      offers[0]!.id,
    ]);
    expect((await list(nb.client.token, 'role=client&status=pending')).data.map((o) => o.id)).toEqual([
      offers[2]!.id,
      offers[1]!.id,
    ]);
    expect((await list(nb.client.token, 'status=rejected')).data.map((o) => o.id)).toEqual([offers[0]!.id]);
    expect((await list(nb.client2.token, '')).data).toEqual([]);
    const first = await list(nb.pro.token, 'limit=2');
    const second = await list(nb.pro.token, `limit=2&cursor=${first.meta.nextCursor}`);
    expect([...first.data, ...second.data].map((o) => o.id)).toEqual([
      offers[2]!.id,
      offers[1]!.id,
      offers[0]!.id,
    ]);
    expect(second.meta.nextCursor).toBeNull();
    expect((await h.agent.get(`${API}/offers?status=bogus`).set(bearer(nb.pro.token))).status).toBe(400);
  });
});

describe('accepting an offer', () => {
  it('creates the job with the commission snapshot and starts the escrow workflow; 202 + Location', async () => {
    const o = await offer(h, b.pro, b.client, { amount: 45000 });
    const res = await accept(o.id, b.client.token, { method: 'wallet' });
    expect(res.status).toBe(202);
    const job = res.body.data.job;
    const workflowId = escrowWorkflowId(b.biz.tenantId, o.id);
    expect(res.headers.location).toBe(`${API}/jobs/${job.id}`);
    expect(res.body.data.workflowId).toBe(workflowId);
    expect(job).toMatchObject({
      offerId: o.id,
      clientId: b.client.id,
      professionalId: b.pro.id,
      amount: '45000',
      currency: 'CLP',
      status: 'awaiting_payment',
      commissionBps: 1500, // level 1
      paymentMethod: 'wallet',
      workflowId,
    });
    // The workflow was started, with its input and the operators' search attributes.
    const handle = h.temporal.workflow.getHandle(workflowId);
    const desc = await handle.describe();
    expect(desc.type).toBe('escrow');
    expect(desc.taskQueue).toBe(h.deps.escrowTaskQueue);
    expect(desc.searchAttributes).toMatchObject({
      TenantId: [b.biz.tenantId],
      BusinessKey: [o.id],
      ProcessStatus: ['awaiting_payment'],
    });
    const history = await handle.fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    const payload = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString()) as Record<
      string,
      unknown
    >;
    expect(payload).toEqual({
      tenantId: b.biz.tenantId,
      offerId: o.id,
      jobId: job.id,
      title: 'Cambiar calefont',
      clientId: b.client.id,
      professionalId: b.pro.id,
      professionalName: 'Ana Plomera',
      amount: '45000',
      currency: 'CLP',
      commissionBps: 1500,
      method: 'wallet',
      // The service's configured windows (defaults: 30 min to pay, 72 h to approve, 7 days for late money).
      paymentWindowMs: 30 * 60 * 1000,
      approvalWindowMs: 72 * 3600 * 1000,
      lateMoneyWindowMs: 7 * 24 * 3600 * 1000,
    });
    // The offer is accepted; the timeline has its first entry by the client.
    expect((await h.agent.get(`${API}/offers/${o.id}`).set(bearer(b.pro.token))).body.data.status).toBe(
      'accepted',
    );
    const timeline = await h.agent.get(`${API}/jobs/${job.id}/timeline`).set(bearer(b.pro.token));
    expect(timeline.body.data).toEqual([
      expect.objectContaining({
        status: 'awaiting_payment',
        actor: 'client',
        actorId: b.client.id,
        reason: 'offer accepted',
      }),
    ]);
    await handle.terminate('test cleanup');
  });

  it('the method defaults to mercadopago; only the offer’s client may accept (others: 404, professionals: 403)', async () => {
    const o = await offer(h, b.pro, b.client);
    expect((await accept(o.id, b.client2.token)).status).toBe(404);
    expect((await accept(o.id, b.pro.token)).status).toBe(403);
    expect((await accept(o.id, b.client.token, { method: 'cash' })).status).toBe(400);
    const res = await accept(o.id);
    expect(res.status).toBe(202);
    expect(res.body.data.job.paymentMethod).toBe('mercadopago');
    await h.temporal.workflow.getHandle(res.body.data.workflowId as string).terminate('test cleanup');
  });

  it('concurrent and repeated accepts create one job and one workflow run; the others answer 409 DEAL_EXISTS', async () => {
    const o = await offer(h, b.pro, b.client);
    const results = await Promise.all(Array.from({ length: 5 }, () => accept(o.id)));
    expect(results.every((r) => r.status === 202 || r.status === 409)).toBe(true);
    const accepted = results.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    const ids = new Set(accepted.map((r) => r.body.data.job.id as string));
    expect(ids.size).toBe(1);
    const jobId = [...ids][0]!;
    for (const r of results.filter((x) => x.status === 409)) {
      expect(r.body.errors[0].code).toBe('DEAL_EXISTS');
      expect(r.headers.location).toBe(`${API}/jobs/${jobId}`);
    }
    const again = await accept(o.id);
    expect(again.status).toBe(409);
    expect(again.body.errors[0]).toMatchObject({ code: 'DEAL_EXISTS' });
    expect(again.body.errors[0].message).toMatch(
      new RegExp(`its deal \\(job ${jobId}\\) is awaiting_payment`),
    );
    const rows = await sql<{ jobs: number; events: number }>(
      h,
      `select (select count(*)::int from marketplace.jobs where offer_id = ?) as jobs,
              (select count(*)::int from marketplace.job_events e join marketplace.jobs j on j.id = e.job_id where j.offer_id = ?) as events`,
      [o.id, o.id],
    );
    expect(rows[0]).toEqual({ jobs: 1, events: 1 });
    const desc = await h.temporal.workflow.getHandle(escrowWorkflowId(b.biz.tenantId, o.id)).describe();
    expect(desc.status.name).toBe('RUNNING');
    await h.temporal.workflow.getHandle(desc.workflowId).terminate('test cleanup');
  });

  it('accept racing reject: exactly one wins', async () => {
    for (let i = 0; i < 3; i++) {
      const o = await offer(h, b.pro, b.client);
      const [a, r] = await Promise.all([
        accept(o.id),
        h.agent.post(`${API}/offers/${o.id}/reject`).set(bearer(b.client.token)).send(),
      ]);
      const outcome = `${a.status}/${r.status}`;
      expect(['202/409', '409/200']).toContain(outcome);
      const status = (
        await sql<{ status: string }>(h, `select status from marketplace.offers where id = ?`, [o.id])
      )[0]!.status;
      expect(status).toBe(a.status === 202 ? 'accepted' : 'rejected');
      if (a.status === 202)
        await h.temporal.workflow.getHandle(a.body.data.workflowId as string).terminate('test cleanup');
    }
  });

  it('if starting the workflow fails after the commit, the accept is retried safely: same job, started once', async () => {
    const o = await offer(h, b.pro, b.client);
    const broken = await createTemporalClient({
      TEMPORAL_ADDRESS: testStack.temporalAddress,
      TEMPORAL_NAMESPACE: testStack.temporalNamespace,
    });
    await broken.connection.close();
    const failed = await h
      .appWith(broken)
      .post(`${API}/offers/${o.id}/accept`)
      .set(bearer(b.client.token))
      .send({ version: 1 });
    expect(failed.status).toBe(503);
    expect(failed.body.errors[0].code).toBe('SERVICE_UNAVAILABLE');
    const jobs = await sql<{ id: string }>(h, `select id from marketplace.jobs where offer_id = ?`, [o.id]);
    expect(jobs).toHaveLength(1);
    const workflowId = escrowWorkflowId(b.biz.tenantId, o.id);
    await expect(h.temporal.workflow.getHandle(workflowId).describe()).rejects.toThrow();
    // Job actions before the workflow exists: 404 from the workflow lookup.
    const early = await h.agent.post(`${API}/jobs/${jobs[0]!.id}/approve`).set(bearer(b.client.token)).send();
    expect(early.status).toBe(404);
    expect(early.body.errors[0].code).toBe('NOT_FOUND');

    const retried = await accept(o.id);
    expect(retried.status).toBe(202);
    expect(retried.body.data.job.id).toBe(jobs[0]!.id);
    expect((await h.temporal.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    await h.temporal.workflow.getHandle(workflowId).terminate('test cleanup');
  });

  it('another tenant’s offer is 404', async () => {
    const nb = await business(h);
    const o = await offer(h, b.pro, b.client);
    expect((await accept(o.id, nb.client.token)).status).toBe(404);
    expect((await h.agent.get(`${API}/offers/${o.id}`).set(bearer(nb.operator.token))).status).toBe(404);
  });
});
