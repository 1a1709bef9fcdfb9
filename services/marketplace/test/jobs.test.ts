import {
  API,
  bearer,
  business,
  offer,
  professional,
  sql,
  startMarketplace,
  type Business,
  type MarketplaceHarness,
  type User,
} from './harness.ts';

let h: MarketplaceHarness;
let b: Business;
beforeAll(async () => {
  h = await startMarketplace();
  b = await business(h);
  await professional(h, b, b.pro);
}, 90000);
afterAll(() => h.close());

/** An accepted offer's job (its workflow terminated: these tests drive the job through the activities, as the workflow does). */
async function acceptedJob(pro: User = b.pro, client: User = b.client, amount = 10000) {
  const o = await offer(h, pro, client, { amount });
  const res = await h.agent
    .post(`${API}/offers/${o.id}/accept`)
    .set(bearer(client.token))
    .send({ method: 'wallet', version: 1 });
  expect(res.status).toBe(202);
  await h.temporal.workflow
    .getHandle(res.body.data.workflowId as string)
    .terminate('driven by the activities in this test');
  return res.body.data.job as { id: string; commissionBps: number };
}

const record = (
  jobId: string,
  status: Parameters<typeof h.activities.recordJobEvent>[0]['status'],
  key: string,
  extra: Partial<Parameters<typeof h.activities.recordJobEvent>[0]> = {},
) => h.activities.recordJobEvent({ tenantId: b.biz.tenantId, jobId, status, actor: 'system', key, ...extra });

const stats = async (token = b.pro.token) =>
  (await h.agent.get(`${API}/professionals/me/stats`).set(bearer(token))).body.data;

describe('paying again after payment_failed', () => {
  it('accepting the offer again starts attempt 2 with the new method; the old run only adds to the timeline', async () => {
    const job = await acceptedJob(); // attempt 1, paid from the wallet
    const first = (
      await sql<{ workflow_id: string }>(h, `select workflow_id from marketplace.jobs where id = ?`, [job.id])
    )[0]!.workflow_id;
    await record(job.id, 'payment_failed', `${first}/job/payment_failed`, {
      workflowId: first,
      reason: 'the payment failed: the wallet does not hold enough',
    });
    const jobView = await h.agent.get(`${API}/jobs/${job.id}`).set(bearer(b.client.token));
    expect(jobView.body.data).toMatchObject({ status: 'payment_failed', attempt: 1 });
    const offerId = jobView.body.data.offerId as string;
    const again = await h.agent
      .post(`${API}/offers/${offerId}/accept`)
      .set(bearer(b.client.token))
      .send({ method: 'mercadopago', version: 1 });
    expect(again.status).toBe(202);
    expect(again.body.data.job).toMatchObject({
      id: job.id,
      status: 'awaiting_payment',
      attempt: 2,
      paymentMethod: 'mercadopago',
      workflowId: `${first}/2`,
    });
    const second = h.temporal.workflow.getHandle(`${first}/2`);
    expect((await second.describe()).status.name).toBe('RUNNING');
    await second.terminate('test cleanup');
    // News of the first run (e.g. its late payment refunded) reaches the timeline, not the status.
    await record(job.id, 'payment_failed', `${first}/job/late-refund`, {
      workflowId: first,
      reason: 'late payment refunded',
    });
    const after = await h.agent.get(`${API}/jobs/${job.id}`).set(bearer(b.client.token));
    expect(after.body.data.status).toBe('awaiting_payment');
    const timeline = (await h.agent.get(`${API}/jobs/${job.id}/timeline`).set(bearer(b.client.token))).body
      .data as Array<{
      status: string;
      reason: string;
    }>;
    expect(timeline.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['paying again (attempt 2) with mercadopago', 'late payment refunded']),
    );
    // A running deal cannot be accepted once more.
    const third = await h.agent
      .post(`${API}/offers/${offerId}/accept`)
      .set(bearer(b.client.token))
      .send({ version: 1 });
    expect(third.status).toBe(409);
    expect(third.body.errors[0].code).toBe('DEAL_EXISTS');
  });

  it('retry is for operators: a client is refused, an operator reaches the workflow', async () => {
    const job = await acceptedJob();
    const asClient = await h.agent.post(`${API}/jobs/${job.id}/retry`).set(bearer(b.client.token)).send({});
    expect(asClient.status).toBe(403);
    const asOperator = await h.agent
      .post(`${API}/jobs/${job.id}/retry`)
      .set(bearer(b.operator.token))
      .send({ note: 'x' });
    // The run was terminated by acceptedJob: nothing to retry, and never a 500.
    expect([404, 409]).toContain(asOperator.status);
  });
});

describe('marketplace activities', () => {
  it('recordJobEvent moves the status and appends the timeline once per key; getJob reads the job', async () => {
    const job = await acceptedJob();
    await record(job.id, 'in_progress', `${job.id}:paid`, { reason: 'payment held' });
    await record(job.id, 'in_progress', `${job.id}:paid`, { reason: 'payment held' }); // a retried activity
    const view = await h.activities.getJob({ tenantId: b.biz.tenantId, jobId: job.id });
    expect(view).toMatchObject({
      id: job.id,
      status: 'in_progress',
      clientId: b.client.id,
      professionalId: b.pro.id,
      amount: '10000',
      currency: 'CLP',
      commissionBps: 1500,
    });
    const timeline = await h.agent.get(`${API}/jobs/${job.id}/timeline`).set(bearer(b.client.token));
    expect(timeline.body.data.map((e: { status: string }) => e.status)).toEqual([
      'awaiting_payment',
      'in_progress',
    ]);
    expect(timeline.body.data[1]).toMatchObject({ actor: 'system', reason: 'payment held' });
    // Another tenant's job does not exist for the activity (non-retryable NOT_FOUND).
    const other = await business(h);
    await expect(h.activities.getJob({ tenantId: other.biz.tenantId, jobId: job.id })).rejects.toMatchObject({
      type: 'NOT_FOUND',
      nonRetryable: true,
    });
    await expect(
      h.activities.recordJobEvent({
        tenantId: other.biz.tenantId,
        jobId: job.id,
        status: 'cancelled',
        actor: 'system',
        key: 'x',
      }),
    ).rejects.toMatchObject({ type: 'NOT_FOUND' });
  });

  it('paid_out counts the job, its income and XP once, however often it is recorded', async () => {
    const nb = await business(h);
    await professional(h, nb, nb.pro);
    const job = await (async () => {
      const o = await offer(h, nb.pro, nb.client, { amount: 20000 });
      const res = await h.agent
        .post(`${API}/offers/${o.id}/accept`)
        .set(bearer(nb.client.token))
        .send({ version: 1 });
      await h.temporal.workflow.getHandle(res.body.data.workflowId as string).terminate('test');
      return res.body.data.job as { id: string };
    })();
    const rec = (
      status: 'in_progress' | 'completed_by_professional' | 'approved' | 'paid_out',
      key: string,
    ) =>
      h.activities.recordJobEvent({ tenantId: nb.biz.tenantId, jobId: job.id, status, actor: 'system', key });
    await rec('in_progress', 'k1');
    await rec('completed_by_professional', 'k2');
    await rec('approved', 'k3');
    await Promise.all([
      rec('paid_out', 'k4'),
      rec('paid_out', 'k4'),
      rec('paid_out', 'k4-retry-with-other-key'),
    ]);
    const s = await stats(nb.pro.token);
    expect(s).toMatchObject({
      completedJobs: 1,
      income: [{ currency: 'CLP', jobs: 1, gross: '20000', commission: '3000', net: '17000' }],
      xp: 50,
      level: { level: 1, commissionBps: 1500 },
      nextLevel: { level: 2, atXp: 100 },
      xpToNextLevel: 50,
    });
    const rows = await sql<{ n: number }>(
      h,
      `select count(*)::int as n from marketplace.job_events where job_id = ?`,
      [job.id],
    );
    expect(rows[0]!.n).toBe(6); // created + k1..k4 + the other key: the timeline keeps both, XP is given once
  });
});

describe('disputes and resolution (as the workflow records them)', () => {
  it('opens a dispute with reason and evidence, resolves it with the split, awards XP only for a payout', async () => {
    const job = await acceptedJob(b.pro, b.client, 9000);
    await record(job.id, 'in_progress', `${job.id}:1`);
    await record(job.id, 'completed_by_professional', `${job.id}:2`, {
      actor: 'professional',
      actorId: b.pro.id,
    });
    await record(job.id, 'disputed', `${job.id}:3`, {
      actor: 'client',
      actorId: b.client.id,
      reason: 'la llave sigue goteando',
      data: { reason: 'la llave sigue goteando', evidence: ['https://example.com/video.mp4'] },
    });
    const open = await h.agent.get(`${API}/disputes?status=open`).set(bearer(b.operator.token));
    expect(open.body.data).toEqual([
      expect.objectContaining({
        jobId: job.id,
        openedBy: b.client.id,
        reason: 'la llave sigue goteando',
        evidence: ['https://example.com/video.mp4'],
      }),
    ]);
    expect((await h.agent.get(`${API}/disputes`).set(bearer(b.client.token))).status).toBe(403);
    const before = (await stats()).xp as number;
    await record(job.id, 'resolved', `${job.id}:4`, {
      actor: 'operator',
      actorId: b.operator.id,
      data: { refund: '4000', payout: '5000', note: 'mitad y mitad' },
    });
    const resolved = (await h.agent.get(`${API}/disputes?status=resolved`).set(bearer(b.operator.token))).body
      .data[0];
    expect(resolved).toMatchObject({
      jobId: job.id,
      refundAmount: '4000',
      payoutAmount: '5000',
      resolutionNote: 'mitad y mitad',
      resolvedBy: b.operator.id,
    });
    // The job shows what moved: the professional's payout net of the snapshotted commission.
    const view = (await h.agent.get(`${API}/jobs/${job.id}`).set(bearer(b.client.token))).body.data;
    const commission = ((5000n * BigInt(view.commissionBps)) / 10000n).toString();
    expect(view).toMatchObject({
      status: 'resolved',
      payoutAmount: (5000n - BigInt(commission)).toString(),
      commissionAmount: commission,
      refundAmount: '4000',
    });
    expect((await stats()).xp).toBe(before + 50);
  });

  it('the database refuses a split larger than the held amount', async () => {
    const job = await acceptedJob(b.pro, b.client, 1000);
    await expect(
      record(job.id, 'resolved', `${job.id}:bad`, { data: { refund: '800', payout: '800' } }),
    ).rejects.toThrow(/jobs_amounts_check/);
  });
});

describe('job API', () => {
  it('the timeline is readable by both sides and operators; anyone else (or another tenant) gets 404', async () => {
    const job = await acceptedJob();
    for (const token of [b.client.token, b.pro.token, b.operator.token])
      expect((await h.agent.get(`${API}/jobs/${job.id}/timeline`).set(bearer(token))).status).toBe(200);
    expect((await h.agent.get(`${API}/jobs/${job.id}/timeline`).set(bearer(b.client2.token))).status).toBe(
      404,
    );
    const other = await business(h);
    expect((await h.agent.get(`${API}/jobs/${job.id}`).set(bearer(other.operator.token))).status).toBe(404);
    expect(
      (await h.agent.get(`${API}/jobs?role=client`).set(bearer(b.client.token))).body.data.map(
        (j: { id: string }) => j.id,
      ),
    ).toContain(job.id);
    expect((await h.agent.get(`${API}/jobs`).set(bearer(b.client2.token))).body.data).toEqual([]);
  });

  it('actions are refused by role before reaching the workflow: 403 for the wrong side, 404 for strangers, 400 for bad bodies, 422 for a split that does not add up', async () => {
    const job = await acceptedJob();
    const post = (path: string, token: string, body: Record<string, unknown> = {}) =>
      h.agent.post(`${API}/jobs/${job.id}/${path}`).set(bearer(token)).send(body);
    expect((await post('complete', b.client.token)).status).toBe(403);
    expect((await post('approve', b.pro.token)).status).toBe(403);
    expect((await post('dispute', b.pro.token, { reason: 'no me pagó' })).status).toBe(403);
    expect((await post('approve', b.client2.token)).status).toBe(404);
    expect((await post('resolve', b.client.token, { refund: 1, payout: 1, note: 'x' })).status).toBe(403);
    const split = await post('resolve', b.operator.token, { refund: 1, payout: 1, note: 'x' });
    // A split that does not add up to what is held: well-formed input a domain rule refuses.
    expect([split.status, split.body.errors[0].code]).toEqual([422, 'SPLIT_MISMATCH']);
    expect(split.body.errors[0].field).toBe('body.payout');
    const dispute = await post('dispute', b.client.token, {
      reason: 'x',
      evidence: ['not a uri with spaces'],
    });
    expect(dispute.status).toBe(400);
    expect((await post('cancel', b.client.token, {})).body.errors[0].field).toBe('body.reason');
    // The workflow is over (terminated here): an action on a finished deal answers 404 or 409, never 500.
    const late = await post('approve', b.client.token);
    expect([404, 409]).toContain(late.status);
  });
});

describe('reviews', () => {
  it('one review per approved job by its client, one reply by the professional; the rating average follows', async () => {
    const nb = await business(h);
    await professional(h, nb, nb.pro);
    const jobs = [];
    for (const amount of [1000, 2000, 3000]) {
      const o = await offer(h, nb.pro, nb.client, { amount });
      const res = await h.agent
        .post(`${API}/offers/${o.id}/accept`)
        .set(bearer(nb.client.token))
        .send({ version: 1 });
      await h.temporal.workflow.getHandle(res.body.data.workflowId as string).terminate('test');
      jobs.push(res.body.data.job.id as string);
    }
    const rec = (jobId: string, status: 'approved' | 'paid_out' | 'in_progress', key: string) =>
      h.activities.recordJobEvent({ tenantId: nb.biz.tenantId, jobId, status, actor: 'system', key });
    const review = (jobId: string, body: Record<string, unknown>, token = nb.client.token) =>
      h.agent.post(`${API}/jobs/${jobId}/review`).set(bearer(token)).send(body);

    // Not reviewable before approval.
    await rec(jobs[0]!, 'in_progress', 'a');
    const early = await review(jobs[0]!, { rating: 5 });
    expect(early.status).toBe(409);
    expect(early.body.errors[0].code).toBe('INVALID_STATE_TRANSITION');

    await rec(jobs[0]!, 'approved', 'b');
    await rec(jobs[1]!, 'paid_out', 'c');
    expect((await review(jobs[0]!, { rating: 6 })).status).toBe(400);
    expect((await review(jobs[0]!, { rating: 5 }, nb.client2.token)).status).toBe(404);
    const first = await review(jobs[0]!, { rating: 5, text: 'Excelente' });
    expect(first.status).toBe(201);
    const twice = await review(jobs[0]!, { rating: 1 });
    expect(twice.status).toBe(409);
    expect(twice.body.errors[0].code).toBe('ALREADY_EXISTS');
    expect((await review(jobs[1]!, { rating: 2, text: 'Llegó tarde' })).status).toBe(201);

    const s = await stats(nb.pro.token);
    expect(s.rating).toEqual({ average: 3.5, count: 2 });
    expect(s.reviews).toBe(2);
    expect(s.xp).toBe(20 + 50); // 5 stars + the paid-out job; 2 stars gives nothing
    const profile = await h.agent.get(`${API}/professionals/${nb.pro.id}`).set(bearer(nb.client.token));
    expect(profile.body.data.rating).toEqual({ average: 3.5, count: 2 });

    const reply = (token: string) =>
      h.agent
        .post(`${API}/reviews/${first.body.data.id}/reply`)
        .set(bearer(token))
        .send({ reply: '¡Gracias!' });
    expect((await reply(nb.client.token)).status).toBe(404);
    expect((await reply(nb.pro.token)).body.data).toMatchObject({ reply: '¡Gracias!', rating: 5 });
    expect((await reply(nb.pro.token)).status).toBe(409);
    const list = await h.agent.get(`${API}/professionals/${nb.pro.id}/reviews`).set(bearer(nb.client2.token));
    expect(list.body.data.map((r: { rating: number }) => r.rating)).toEqual([2, 5]);
  });
});

describe('gamification', () => {
  it('levels rise with XP and lower the commission of later deals only: accepted jobs keep their snapshot', async () => {
    const nb = await business(h);
    await professional(h, nb, nb.pro);
    const accept = async () => {
      const o = await offer(h, nb.pro, nb.client, { amount: 5000 });
      const res = await h.agent
        .post(`${API}/offers/${o.id}/accept`)
        .set(bearer(nb.client.token))
        .send({ version: 1 });
      await h.temporal.workflow.getHandle(res.body.data.workflowId as string).terminate('test');
      return res.body.data.job as { id: string; commissionBps: number };
    };
    const early = await accept();
    expect(early.commissionBps).toBe(1500);
    // Two paid-out jobs: 100 XP, level 2 (silver, 13%).
    for (const j of [await accept(), await accept()])
      await h.activities.recordJobEvent({
        tenantId: nb.biz.tenantId,
        jobId: j.id,
        status: 'paid_out',
        actor: 'system',
        key: `${j.id}:paid`,
      });
    const s = await stats(nb.pro.token);
    expect(s).toMatchObject({
      completedJobs: 2,
      xp: 100,
      level: { level: 2, name: 'silver', commissionBps: 1300 },
      xpToNextLevel: 200,
    });
    expect((await accept()).commissionBps).toBe(1300);
    const kept = await h.activities.getJob({ tenantId: nb.biz.tenantId, jobId: early.id });
    expect(kept.commissionBps).toBe(1500);
  });
});

describe('operators do not decide their own cases', () => {
  it('an operator who is a party to the job cannot resolve its dispute, nor decide their own KYC (403 OWN_CASE)', async () => {
    const nb = await business(h);
    await professional(h, nb, nb.pro);
    // The operator hires the professional: a party to the job.
    const o = await offer(h, nb.pro, nb.operator, { amount: 10000 });
    const accepted = await h.agent
      .post(`${API}/offers/${o.id}/accept`)
      .set(bearer(nb.operator.token))
      .send({ method: 'wallet', version: 1 });
    expect(accepted.status).toBe(202);
    await h.temporal.workflow.getHandle(accepted.body.data.workflowId as string).terminate('not driven here');
    const resolved = await h.agent
      .post(`${API}/jobs/${accepted.body.data.job.id as string}/resolve`)
      .set(bearer(nb.operator.token))
      .send({ refund: 10000, payout: 0, note: 'a mí me conviene' });
    expect(resolved.status).toBe(403);
    expect(resolved.body.errors[0].code).toBe('OWN_CASE');

    await professional(h, nb, nb.operator, { approve: false });
    const own = await h.agent
      .post(`${API}/professionals/${nb.operator.id}/kyc/decision`)
      .set(bearer(nb.operator.token))
      .send({ status: 'approved' });
    expect(own.status).toBe(403);
    expect(own.body.errors[0].code).toBe('OWN_CASE');
  });
});
