/**
 * The incident escalation on the time-skipping test server: the real workflow, the gym's real
 * incident activities on its schema (PostgreSQL), identity's real activities on its schema (a
 * business signed up with its system roles; staff holding them per branch), a recording stand-in
 * for notifications. Each SLA window passes in the skipped time; histories for replay come from the
 * live dev server instead (incident-live.test.ts).
 */
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { uuidv7 } from 'uuidv7';
import { workflowWorkerOptions, type Orm } from '@faena/platform';
import {
  captureLogger,
  createTimeSkippingEnv,
  testDatabaseUrl,
  uniqueTaskQueue,
} from '@faena/platform/testing';
import { incidentActivities } from '../../services/gym/src/incident-activities.ts';
import {
  INCIDENT_WORKFLOW_TYPE,
  incidentChanged,
  incidentStatusQuery,
  incidentWorkflowId,
  type IncidentInput,
  type IncidentWorkflow,
} from '../src/incident/contract.ts';
import { TASK_QUEUES } from '../src/queues.ts';
import { identityFixture, type IdentityFixture } from './support/identity.ts';
import { incidentRow, reported, staffAcknowledges, staffResolves } from './support/incidents.ts';
import { gymTestOrm } from './support/renewal.ts';
import { notificationsStandIn } from './support/stand-ins.ts';

let tenantId: string;
const STAFF = uuidv7();
let env: TestWorkflowEnvironment;
let orm: Orm;
let identity: IdentityFixture;
let workers: Worker[];
let running: Promise<unknown>;
const workflowQueue = uniqueTaskQueue('incident');
const notified: Array<{ key: string; event: string; userId?: string; email?: string }> = [];
/** Users whose notification fails (a broken mailbox, say): notify answers a non-retryable failure. */
const failFor = new Set<string>();

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  orm = await gymTestOrm(await testDatabaseUrl());
  identity = await identityFixture(await testDatabaseUrl());
  tenantId = identity.tenantId;
  const { logger } = captureLogger();
  const connection = env.nativeConnection;
  workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue: workflowQueue,
      ...workflowWorkerOptions({ workflowsPath: fileURLToPath(new URL('../src/index.ts', import.meta.url)) }),
    }),
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.gym,
      activities: incidentActivities({ orm, logger }),
    }),
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.notifications,
      activities: notificationsStandIn((n) => {
        if (n.userId && failFor.has(n.userId)) throw ApplicationFailure.nonRetryable('mailbox broken');
        notified.push(n);
      }),
    }),
    Worker.create({
      connection,
      taskQueue: TASK_QUEUES.identity,
      activities: identity.activities(logger),
    }),
  ]);
  running = Promise.all(workers.map((w) => w.run()));
}, 120000);

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await orm?.close(true);
  await identity?.close();
  await env?.teardown();
});

/** Starts the process as the API does, reported "now" on the test server's skipped clock. */
const start = async (input: IncidentInput) =>
  env.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
    taskQueue: workflowQueue,
    workflowId: incidentWorkflowId(input.tenantId, input.incidentId),
    args: [{ ...input, reportedAt: new Date(await env.currentTimeMs()).toISOString() }],
  });

describe('incident escalation', () => {
  it('escalates an unacknowledged incident receptionist → manager → owner, one SLA window each, then flags it late', async () => {
    const { incident, input } = await reported(orm, tenantId, { slaMinutes: 15, assigneeId: STAFF });
    const handle = await start(input);
    expect(await handle.query(incidentStatusQuery)).toMatchObject({
      state: 'waiting_acknowledgement',
      role: 'receptionist',
      level: 0,
      late: false,
    });
    await env.sleep('16 minutes');
    const first = await handle.query(incidentStatusQuery);
    expect(first).toMatchObject({ role: 'manager', level: 1, late: false });
    expect(first.summary).toContain('waiting for the manager to acknowledge it by');
    expect((await incidentRow(orm, tenantId, incident.id)).escalationLevel).toBe(1);
    // A branch identity does not have: nobody holds a role there; the assignee is still told.
    expect(notified.filter((n) => n.key.startsWith(`incident/${incident.id}/`))).toEqual([
      { key: `incident/${incident.id}/escalated/1/${STAFF}`, event: 'incident.escalated', userId: STAFF },
    ]);
    await env.sleep('15 minutes');
    expect(await handle.query(incidentStatusQuery)).toMatchObject({ role: 'owner', level: 2, late: false });
    await env.sleep('15 minutes');
    const late = await handle.query(incidentStatusQuery);
    expect(late).toMatchObject({ state: 'waiting_acknowledgement', role: 'owner', late: true });
    expect(late.escalations.map((e) => e.role)).toEqual(['manager', 'owner']);
    // Still the owner's: no further escalation, whatever time passes, until someone takes it.
    await env.sleep('2 hours');
    expect(notified.filter((n) => n.key.startsWith(`incident/${incident.id}/`))).toHaveLength(2);
    await staffAcknowledges(orm, tenantId, incident.id, STAFF);
    await handle.signal(incidentChanged, { status: 'in_progress', actorId: STAFF });
    const done = await handle.result();
    expect(done).toMatchObject({ state: 'acknowledged', level: 2, dueAt: null });
    const row = await incidentRow(orm, tenantId, incident.id);
    expect({ status: row.status, level: row.escalationLevel }).toEqual({ status: 'in_progress', level: 2 });
  });

  it("tells every holder of the role it escalates to in the incident's branch, each once per step", async () => {
    const [branch, elsewhere] = await Promise.all([identity.branch(), identity.branch()]);
    const [managerHere, managerEverywhere, managerElsewhere, managerDisabled, desk, secondOwner] =
      await Promise.all([
        identity.staff('manager', branch),
        identity.staff('manager', null),
        identity.staff('manager', elsewhere),
        identity.staff('manager', branch, { status: 'disabled' }),
        identity.staff('receptionist', branch),
        identity.staff('owner', null),
      ]);
    const { incident, input } = await reported(orm, tenantId, { slaMinutes: 20, branchId: branch });
    const handle = await start(input);
    const told = () =>
      notified
        .filter((n) => n.key.startsWith(`incident/${incident.id}/`))
        .sort((a, b) => a.key.localeCompare(b.key));
    const toldAt = (level: number, users: Array<{ id: string; email: string }>) =>
      users
        .map((u) => ({
          key: `incident/${incident.id}/escalated/${level}/${u.id}`,
          event: 'incident.escalated',
          userId: u.id,
          email: u.email,
        }))
        .sort((a, b) => a.key.localeCompare(b.key));
    await env.sleep('21 minutes');
    expect(await handle.query(incidentStatusQuery)).toMatchObject({ role: 'manager', level: 1 });
    // The branch's manager and the tenant-wide one: not another branch's, not a disabled one, not the desk.
    expect(told()).toEqual(toldAt(1, [managerHere, managerEverywhere]));
    const ids = told().map((n) => n.userId);
    for (const u of [managerElsewhere, managerDisabled, desk]) expect(ids).not.toContain(u.id);
    await env.sleep('20 minutes');
    expect(await handle.query(incidentStatusQuery)).toMatchObject({ role: 'owner', level: 2 });
    const owner = { id: identity.ownerId, email: expect.stringMatching(/^owner-/) as unknown as string };
    expect(told()).toEqual(
      [...toldAt(1, [managerHere, managerEverywhere]), ...toldAt(2, [owner, secondOwner])].sort((a, b) =>
        a.key.localeCompare(b.key),
      ),
    );
    // Late past the owner's window: nobody is told again.
    await env.sleep('1 hour');
    expect(told()).toHaveLength(4);
    await staffResolves(orm, tenantId, incident.id, STAFF);
    await handle.signal(incidentChanged, { status: 'resolved', actorId: STAFF });
    expect(await handle.result()).toMatchObject({ state: 'resolved', level: 2 });
  });

  it("a holder's notification failing never stops the escalation, nor the others' notifications", async () => {
    const branch = await identity.branch();
    const [broken, fine] = await Promise.all([
      identity.staff('manager', branch),
      identity.staff('manager', branch),
    ]);
    failFor.add(broken.id);
    const { incident, input } = await reported(orm, tenantId, { slaMinutes: 10, branchId: branch });
    const handle = await start(input);
    await env.sleep('11 minutes');
    expect(await handle.query(incidentStatusQuery)).toMatchObject({ role: 'manager', level: 1 });
    await env.sleep('10 minutes');
    // It went on to the owner although one manager could never be told.
    expect(await handle.query(incidentStatusQuery)).toMatchObject({ role: 'owner', level: 2 });
    const told = notified.filter((n) => n.key.startsWith(`incident/${incident.id}/`)).map((n) => n.userId);
    expect(told).toContain(fine.id);
    expect(told).toContain(identity.ownerId);
    expect(told).not.toContain(broken.id);
    expect((await incidentRow(orm, tenantId, incident.id)).escalationLevel).toBe(2);
    await staffAcknowledges(orm, tenantId, incident.id, STAFF);
    await handle.signal(incidentChanged, { status: 'in_progress', actorId: STAFF });
    expect(await handle.result()).toMatchObject({ state: 'acknowledged', level: 2 });
  });

  it('an acknowledgement within the SLA stops it: nothing escalates', async () => {
    const { incident, input } = await reported(orm, tenantId, { slaMinutes: 60 });
    const handle = await start(input);
    await env.sleep('30 minutes');
    await staffAcknowledges(orm, tenantId, incident.id, STAFF);
    await handle.signal(incidentChanged, { status: 'in_progress', actorId: STAFF });
    expect(await handle.result()).toMatchObject({ state: 'acknowledged', level: 0, escalations: [] });
    expect((await incidentRow(orm, tenantId, incident.id)).escalationLevel).toBe(0);
    expect(notified.some((n) => n.key.startsWith(`incident/${incident.id}/`))).toBe(false);
  });

  it('a resolution after one escalation stops it', async () => {
    const { incident, input } = await reported(orm, tenantId, { slaMinutes: 10, priority: 'urgent' });
    const handle = await start(input);
    await env.sleep('11 minutes');
    await staffResolves(orm, tenantId, incident.id, STAFF);
    await handle.signal(incidentChanged, { status: 'resolved', actorId: STAFF });
    const done = await handle.result();
    expect(done).toMatchObject({ state: 'resolved', level: 1 });
    expect(done.summary).toContain('resolved after 1 escalation');
  });

  it('an incident already taken when its window ends is not escalated, even if the signal never came', async () => {
    const { incident, input } = await reported(orm, tenantId, { slaMinutes: 5 });
    await staffAcknowledges(orm, tenantId, incident.id, STAFF);
    const done = await (await start(input)).result();
    expect(done).toMatchObject({ state: 'acknowledged', level: 0, escalations: [] });
    expect((await incidentRow(orm, tenantId, incident.id)).escalationLevel).toBe(0);
  });

  it('a missing incident ends as a state, not a failed workflow', async () => {
    const { input } = await reported(orm, tenantId, { slaMinutes: 5 });
    const done = await (await start({ ...input, incidentId: uuidv7() })).result();
    expect(done.state).toBe('incident_missing');
  });
});
