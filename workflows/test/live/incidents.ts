/**
 * Incident escalations on the real Temporal dev server, run by workers configured exactly as
 * production (`createWorker`), with the gym's real incident activities on its schema and the API's
 * own writes (services/gym/src/domain/incidents.ts), identity's real activities on its schema (a
 * business with a manager in the incidents' branch: escalations tell the role's holders);
 * notifications are a recording stand-in. The
 * dev server's timers are real time, so each escalation step's SLA is a few seconds.
 * `incident-live.test.ts` drives them and replays what the server wrote;
 * `scripts/record-incident-histories.ts` saves them under src/incident/histories/.
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { uuidv7 } from 'uuidv7';
import { createLogger, createWorker, type Orm } from '@faena/platform';
import { eventually, registerTestNamespace, testDatabaseUrl, testStack } from '@faena/platform/testing';
import { incidentActivities } from '../../../services/gym/src/incident-activities.ts';
import {
  INCIDENT_ACTIVITIES_TASK_QUEUE,
  INCIDENT_TASK_QUEUE,
  INCIDENT_WORKFLOW_TYPE,
  incidentChanged,
  incidentStatusQuery,
  incidentWorkflowId,
  type IncidentInput,
  type IncidentStatus,
  type IncidentWorkflow,
} from '../../src/incident/contract.ts';
import { TASK_QUEUES } from '../../src/queues.ts';
import { identityFixture, type IdentityFixture } from '../support/identity.ts';
import { reported, staffAcknowledges, staffResolves } from '../support/incidents.ts';
import { gymTestOrm } from '../support/renewal.ts';
import { notificationsStandIn } from '../support/stand-ins.ts';

export interface IncidentStack {
  client: Client;
  orm: Orm;
  tenantId: string;
  /** The identity branch every scenario's incident is reported at, and its manager. */
  branchId: string;
  manager: { id: string; email: string };
  ownerId: string;
  /** Every `notify` the stand-in got. */
  notified: Array<{ key: string; userId: string | undefined }>;
  close(): Promise<void>;
}

/** The histories recorded before `incident-notify-role-holders` (src/incident/histories/v1/), kept to replay. */
export const INCIDENT_V1_HISTORIES = [
  'acknowledged-in-time',
  'escalated-to-owner-late-then-acknowledged',
  'incident-missing',
  'resolved-after-one-escalation',
  'taken-without-signal',
] as const;

export async function startIncidentStack(opts: {
  namespace: string;
  workflowsPath: string;
}): Promise<IncidentStack> {
  const logger = createLogger({ service: 'live-incidents', level: 'warn' });
  const connection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(connection, opts.namespace);
  const client = new Client({ connection, namespace: opts.namespace });
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: opts.namespace };
  const orm = await gymTestOrm(await testDatabaseUrl());
  const identity: IdentityFixture = await identityFixture(await testDatabaseUrl());
  const branchId = await identity.branch();
  const manager = await identity.staff('manager', branchId);
  const notified: IncidentStack['notified'] = [];
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: INCIDENT_TASK_QUEUE, workflowsPath: opts.workflowsPath }),
    createWorker({
      config,
      logger,
      taskQueue: INCIDENT_ACTIVITIES_TASK_QUEUE,
      activities: incidentActivities({ orm, logger }),
    }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.notifications,
      activities: notificationsStandIn((n) => notified.push(n)),
    }),
    createWorker({
      config,
      logger,
      taskQueue: TASK_QUEUES.identity,
      activities: identity.activities(logger),
    }),
  ]);
  const workers: Worker[] = created.map((c) => c.worker);
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    client,
    orm,
    tenantId: identity.tenantId,
    branchId,
    manager,
    ownerId: identity.ownerId,
    notified,
    async close() {
      workers.forEach((w) => w.shutdown());
      await running;
      await Promise.all(created.map((c) => c.connection.close()));
      await connection.close();
      await orm.close(true);
      await identity.close();
    },
  };
}

/** Seconds each escalation step has on the live server. */
const STEP_MINUTES = 0.05;
const STAFF = '01890000-0000-7000-8000-000000000001';

interface Scenario {
  name: string;
  slaMinutes: number;
  /** What happens after the start (the incident row exists, the process runs). */
  drive(s: IncidentStack, handle: WorkflowHandle<IncidentWorkflow>, incidentId: string): Promise<void>;
  expect: Partial<IncidentStatus>;
  /** Start it for an incident id the gym does not have. */
  missing?: boolean;
}

/** Waits (real time) until the process shows `check` (outside jest too: the recording script). */
const until = (
  handle: WorkflowHandle<IncidentWorkflow>,
  what: string,
  check: (s: IncidentStatus) => boolean,
) =>
  eventually(
    async () => {
      const st = await handle.query(incidentStatusQuery);
      if (!check(st)) throw new Error(`still waiting for ${what}: ${JSON.stringify(st)}`);
    },
    30_000,
    200,
  );
const reach = (handle: WorkflowHandle<IncidentWorkflow>, level: number) =>
  until(handle, `level ${level}`, (st) => st.level === level);

export const INCIDENT_SCENARIOS: Scenario[] = [
  {
    name: 'acknowledged-in-time',
    slaMinutes: 10,
    async drive(s, handle, id) {
      await staffAcknowledges(s.orm, s.tenantId, id, STAFF);
      await handle.signal(incidentChanged, { status: 'in_progress', actorId: STAFF });
    },
    expect: { state: 'acknowledged', level: 0, late: false },
  },
  {
    name: 'escalated-to-owner-late-then-acknowledged',
    slaMinutes: STEP_MINUTES,
    async drive(s, handle, id) {
      await reach(handle, 2);
      await until(handle, 'late', (st) => st.late);
      await staffAcknowledges(s.orm, s.tenantId, id, STAFF);
      await handle.signal(incidentChanged, { status: 'in_progress', actorId: STAFF });
    },
    expect: { state: 'acknowledged', level: 2, late: true },
  },
  {
    name: 'resolved-after-one-escalation',
    slaMinutes: STEP_MINUTES * 4,
    async drive(s, handle, id) {
      await reach(handle, 1);
      await staffResolves(s.orm, s.tenantId, id, STAFF);
      await handle.signal(incidentChanged, { status: 'resolved', actorId: STAFF });
    },
    expect: { state: 'resolved', level: 1 },
  },
  {
    name: 'taken-without-signal',
    slaMinutes: STEP_MINUTES,
    async drive(s, _handle, id) {
      await staffAcknowledges(s.orm, s.tenantId, id, STAFF);
    },
    expect: { state: 'acknowledged', level: 0 },
  },
  {
    name: 'incident-missing',
    slaMinutes: STEP_MINUTES,
    missing: true,
    async drive() {},
    expect: { state: 'incident_missing' },
  },
];

export interface IncidentRun {
  name: string;
  handle: WorkflowHandle<IncidentWorkflow>;
  final: IncidentStatus;
  expect: Partial<IncidentStatus>;
}

/** Every scenario, concurrently, each to its end. */
export function runIncidentScenarios(s: IncidentStack): Promise<IncidentRun[]> {
  return Promise.all(
    INCIDENT_SCENARIOS.map(async (sc) => {
      const { incident, input } = await reported(s.orm, s.tenantId, {
        slaMinutes: sc.slaMinutes,
        branchId: s.branchId,
      });
      const args: IncidentInput = sc.missing ? { ...input, incidentId: uuidv7() } : input;
      const handle = await s.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue: INCIDENT_TASK_QUEUE,
        workflowId: incidentWorkflowId(s.tenantId, args.incidentId),
        args: [args],
        searchAttributes: { TenantId: [s.tenantId], BusinessKey: [`incident:${args.incidentId}`] },
      });
      await sc.drive(s, handle, incident.id);
      return { name: sc.name, handle, final: await handle.result(), expect: sc.expect };
    }),
  );
}
