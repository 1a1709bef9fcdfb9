/**
 * Incidents over the gym API: reported by a member or staff at a branch (its process started
 * `incident/<tenant>/<id>` with the business's SLA), `open → in_progress → resolved`, attachments
 * checked by content, SLA settings, and who may do what where. The escalation itself runs in
 * workflows/test/incident.test.ts (time-skipping) and incident-live.test.ts (dev server).
 */
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { incidentWorkflowId } from '@faena/workflows/incident/contract';
import { TEST_JPEG, imageMetadata } from '@faena/platform/testing';
import {
  API,
  bearer,
  clientUser,
  gym,
  member,
  newKey,
  sql,
  startGym,
  startGymApi,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';

let h: GymHarness;
let g: Gym;
beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
}, 90_000);
afterAll(() => h.close());

const report = (who: User, body: Record<string, unknown> = {}, key = newKey('incident')) =>
  h.agent
    .post(`${API}/incidents`)
    .set(bearer(who.token))
    .set('Idempotency-Key', key)
    .send({ branchId: g.branchA, title: 'Fuga de agua en vestuarios', priority: 'high', ...body });
const act = (who: User, id: string, action: string, body: Record<string, unknown> = {}) =>
  h.agent.post(`${API}/incidents/${id}/${action}`).set(bearer(who.token)).send(body);

describe('incidents', () => {
  it('a member reports one; its process starts with the business SLA; staff take it and resolve it', async () => {
    const put = await h.agent
      .put(`${API}/incident-settings`)
      .set(bearer(g.manager.token))
      .send({ slaMinutes: { high: 45 } });
    expect(put.body.data).toEqual({
      slaMinutes: { low: 1440, medium: 240, high: 45, urgent: 15 },
      escalation: ['receptionist', 'manager', 'owner'],
    });
    const user = await clientUser(h, g);
    const m = await member(h, g.receptionist, g.branchA, { userId: user.id });
    const before = Date.now();
    const res = await report(user);
    expect(res.status).toBe(201);
    const i = res.body.data;
    expect(i).toMatchObject({
      status: 'open',
      priority: 'high',
      reportedBy: user.id,
      reporterMemberId: m.id,
      escalation: { level: 0, role: 'receptionist' },
      timeline: [{ type: 'reported', data: { priority: 'high', slaMinutes: 45 } }],
    });
    const due = new Date(i.slaDueAt).getTime() - before;
    expect(due).toBeGreaterThan(44 * 60_000);
    expect(due).toBeLessThan(46 * 60_000);
    // Its escalation process, started on the test's queue (no worker runs it here).
    const handle = h.p.temporal.workflow.getHandle(incidentWorkflowId(g.biz.tenantId, i.id));
    const described = await handle.describe();
    expect(described.type).toBe('incident');
    expect(described.searchAttributes).toMatchObject({ BusinessKey: [`incident:${i.id}`] });

    // The member only reports: no reading the branch's incidents, no acting on them.
    expect((await h.agent.get(`${API}/incidents/${i.id}`).set(bearer(user.token))).status).toBe(403);
    expect((await act(user, i.id, 'acknowledge')).status).toBe(403);
    // A trainer reports too, but does not manage.
    expect((await act(g.trainer, i.id, 'acknowledge')).status).toBe(403);

    const taken = await act(g.receptionist, i.id, 'acknowledge');
    expect(taken.body.data).toMatchObject({ status: 'in_progress', assigneeId: g.receptionist.id });
    const again = await act(g.receptionist, i.id, 'acknowledge');
    expect({ status: again.status, code: again.body.errors[0].code }).toEqual({
      status: 409,
      code: 'INVALID_STATE_TRANSITION',
    });
    const noNote = await act(g.receptionist, i.id, 'resolve', {});
    expect(noNote.status).toBe(400);
    const done = await act(g.receptionist, i.id, 'resolve', { resolution: 'Cambiado el flexible' });
    expect(done.body.data).toMatchObject({ status: 'resolved', resolution: 'Cambiado el flexible' });
    expect(done.body.data.timeline.map((e: { type: string }) => e.type)).toEqual([
      'reported',
      'acknowledged',
      'resolved',
    ]);
    // The signals reached the process (it is queued for a worker: two signals in its history).
    const history = await handle.fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes!.signalName)).toEqual([
      'incidentChanged',
      'incidentChanged',
    ]);
    await handle.terminate('test over');
  });

  it('keeps incidents in their branch: another branch is 403 to report and 404 to read', async () => {
    expect((await report(g.receptionist, { branchId: g.branchB })).status).toBe(403);
    const inB = await report(g.manager, { branchId: g.branchB, priority: 'urgent' });
    expect(inB.status).toBe(201);
    expect(
      (await h.agent.get(`${API}/incidents/${inB.body.data.id}`).set(bearer(g.receptionist.token))).status,
    ).toBe(404);
    const listed = await h.agent.get(`${API}/incidents?priority=urgent`).set(bearer(g.receptionist.token));
    expect(listed.body.data.map((x: { id: string }) => x.id)).not.toContain(inB.body.data.id);
    expect((await act(g.receptionist, inB.body.data.id, 'resolve', { resolution: 'x' })).status).toBe(404);
    // Settings are the business's: a branch receptionist may not change them.
    expect(
      (
        await h.agent
          .put(`${API}/incident-settings`)
          .set(bearer(g.receptionist.token))
          .send({ slaMinutes: { low: 5 } })
      ).status,
    ).toBe(403);
  });

  it('takes attachments checked by content, from its reporter or staff', async () => {
    const i = (await report(g.trainer)).body.data;
    const jpeg = TEST_JPEG; // a real image: images are re-encoded when stored
    const up = await h.agent
      .post(`${API}/incidents/${i.id}/attachments`)
      .set(bearer(g.trainer.token))
      .attach('files', jpeg, { filename: 'fuga.jpg', contentType: 'image/jpeg' });
    expect(up.status).toBe(201);
    const a = up.body.data.attachments[0];
    expect(a).toMatchObject({ contentType: 'image/jpeg' });
    const got = await h.agent
      .get(`${API}/incidents/${i.id}/attachments/${a.id}`)
      .set(bearer(g.receptionist.token));
    expect(got.status).toBe(200);
    expect(a.size).toBe((got.body as Buffer).length);
    expect(await imageMetadata(got.body as Buffer)).toMatchObject({ format: 'jpeg', width: 4, height: 4 });
    const exe = await h.agent
      .post(`${API}/incidents/${i.id}/attachments`)
      .set(bearer(g.trainer.token))
      .attach('files', Buffer.from('MZ\x90\x00binary'), { filename: 'fuga.jpg', contentType: 'image/jpeg' });
    expect(exe.status).toBe(415);
    // Another member (not its reporter) cannot attach to it.
    const stranger = await clientUser(h, g);
    const foreign = await h.agent
      .post(`${API}/incidents/${i.id}/attachments`)
      .set(bearer(stranger.token))
      .attach('files', jpeg, { filename: 'x.jpg', contentType: 'image/jpeg' });
    expect(foreign.status).toBe(404);
  });

  it('the same Idempotency-Key reports one incident; a report without a key is refused', async () => {
    const key = newKey('incident-once');
    const first = await report(g.receptionist, { title: 'Ducha sin agua caliente' }, key);
    const again = await report(g.receptionist, { title: 'Ducha sin agua caliente' }, key);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.data.id).toBe(first.body.data.id);
    // This business's rows only: the worker's database is shared with other suites' businesses.
    const rows = await sql<{ n: string }>(
      h,
      `select count(*) as n from gym.incidents where tenant_id = ? and title = ?`,
      [g.biz.tenantId, 'Ducha sin agua caliente'],
    );
    expect(Number(rows[0]!.n)).toBe(1);
    const keyless = await h.agent
      .post(`${API}/incidents`)
      .set(bearer(g.receptionist.token))
      .send({ branchId: g.branchA, title: 'Sin clave', priority: 'low' });
    expect(keyless.status).toBe(400);
  });

  it('an incident whose escalation could not start escalates once it is read again', async () => {
    // A gym instance whose Temporal client points at a namespace that does not exist: every start fails.
    const broken = new Client({ connection: h.p.temporal.connection, namespace: `no-such-${newKey('ns')}` });
    const down = await startGymApi(h.p, h.p.logs.logger, {
      temporal: broken,
      incidentTaskQueue: h.deps.incidentTaskQueue,
    });
    try {
      const res = await down.agent
        .post(`${API}/incidents`)
        .set(bearer(g.receptionist.token))
        .set('Idempotency-Key', newKey('incident-down'))
        .send({ branchId: g.branchA, title: 'Puerta de emergencia trabada', priority: 'urgent' });
      expect(res.status).toBe(201);
      const i = res.body.data;
      const handle = h.p.temporal.workflow.getHandle(incidentWorkflowId(g.biz.tenantId, i.id));
      await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      const [row] = await sql<{ workflow_started_at: Date | null }>(
        h,
        'select workflow_started_at from gym.incidents where id = ?',
        [i.id],
      );
      expect(row!.workflow_started_at).toBeNull();

      // Temporal is back (the healthy instance): the next read starts its escalation, once.
      const read = await h.agent.get(`${API}/incidents/${i.id}`).set(bearer(g.receptionist.token));
      expect(read.status).toBe(200);
      const described = await handle.describe();
      expect(described.type).toBe('incident');
      expect(described.status.name).toBe('RUNNING');
      expect(described.searchAttributes).toMatchObject({ BusinessKey: [`incident:${i.id}`] });
      const [after] = await sql<{ workflow_started_at: Date | null }>(
        h,
        'select workflow_started_at from gym.incidents where id = ?',
        [i.id],
      );
      expect(after!.workflow_started_at).not.toBeNull();
      // Reading again finds it started: nothing new starts (the same run).
      await h.agent.get(`${API}/incidents?limit=100`).set(bearer(g.receptionist.token));
      expect((await handle.describe()).runId).toBe(described.runId);
      await handle.terminate('test over');
    } finally {
      await down.close();
    }
  });
});
