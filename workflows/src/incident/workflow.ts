/**
 * One incident's escalation (see contract.ts). The first window starts when the incident is
 * reported; each window that passes without an acknowledgement hands the incident to the next role
 * of `ESCALATION_ROLES` (recorded, published and notified by the gym's `escalateIncident`), with a
 * new window of the same SLA. An acknowledgement or a resolution (signal `incidentChanged`, sent by
 * the API after its write) ends it; so does the gym answering that the incident was already taken
 * or is gone. Past the owner's window it stays the owner's, flagged late, until someone acts.
 *
 * Outcomes: `on_time` (acknowledged or resolved within the first window), `late` (after at least
 * one escalation), `failed` (the incident is missing).
 */
import {
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setHandler,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { processMetrics } from '../metrics.ts';
import { notifications } from '../escrow/activities.ts';
import { identity } from '../identity/activities.ts';
import {
  ESCALATION_ROLES,
  INCIDENT_ACTIVITIES_TASK_QUEUE,
  incidentChanged,
  incidentStatusQuery,
  type IncidentActivities,
  type IncidentInput,
  type IncidentState,
  type IncidentStatus,
  type IncidentWorkflow,
} from './contract.ts';

const gym = proxyActivities<IncidentActivities>({
  taskQueue: INCIDENT_ACTIVITIES_TASK_QUEUE,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * Patch: an escalation notifies every holder of the role it escalates to in the incident's branch
 * (identity's `roleHolders`), each once per step (`…/escalated/<level>/<userId>`), and the assignee
 * if they are not one of them. Histories from before it notified the assignee only.
 */
export const NOTIFY_ROLE_HOLDERS = 'incident-notify-role-holders';

const MINUTE = 60_000;
const LAST = ESCALATION_ROLES.length - 1;

export const incident: IncidentWorkflow = async function incident(input: IncidentInput) {
  const metrics = processMetrics();
  metrics.started();
  const windowMs = input.slaMinutes * MINUTE;

  let state = 'waiting_acknowledgement' as IncidentState;
  let level = 0;
  let dueAt = new Date(new Date(input.reportedAt).getTime() + windowMs);
  let late = false;
  const escalations: IncidentStatus['escalations'] = [];
  let change = null as { status: 'in_progress' | 'resolved'; actorId: string } | null;

  const when = (d: Date) => {
    try {
      return `${new Intl.DateTimeFormat(input.locale ?? 'es-AR', { dateStyle: 'medium', timeStyle: 'short', timeZone: input.timeZone }).format(d)} (${input.timeZone})`;
    } catch {
      return `${d.toISOString()} (UTC)`;
    }
  };
  const summary = (): string => {
    const head = `«${input.title}» (${input.priority})`;
    switch (state) {
      case 'waiting_acknowledgement':
        return late
          ? `${head}: with the ${ESCALATION_ROLES[level]}, acknowledgement overdue since ${when(dueAt)}`
          : `${head}: waiting for the ${ESCALATION_ROLES[level]} to acknowledge it by ${when(dueAt)}`;
      case 'acknowledged':
        return `${head}: acknowledged by the ${ESCALATION_ROLES[level]}'s step${escalations.length ? ` after ${escalations.length} escalation(s)` : ''}`;
      case 'resolved':
        return `${head}: resolved${escalations.length ? ` after ${escalations.length} escalation(s)` : ''}`;
      case 'incident_missing':
        return `${head}: the incident no longer exists; nothing to escalate`;
    }
  };
  const status = (): IncidentStatus => ({
    state,
    incidentId: input.incidentId,
    priority: input.priority,
    role: ESCALATION_ROLES[level]!,
    level,
    dueAt: state === 'waiting_acknowledgement' ? dueAt.toISOString() : null,
    escalations: [...escalations],
    late,
    summary: summary(),
  });
  const show = () => {
    upsertSearchAttributes({ ProcessStatus: [state === 'waiting_acknowledgement' && late ? 'late' : state] });
    setCurrentDetails(`**${state}**\n\n${summary()}.`);
  };

  setHandler(incidentStatusQuery, status);
  setHandler(incidentChanged, (c) => {
    change ??= c;
  });
  upsertSearchAttributes({
    TenantId: [input.tenantId],
    BusinessKey: [`incident:${input.incidentId}`],
  });
  show();

  const finish = (final: IncidentState) => {
    state = final;
    metrics.outcome(final === 'incident_missing' ? 'failed' : escalations.length ? 'late' : 'on_time');
    show();
    return status();
  };
  const settled = (s: 'open' | 'in_progress' | 'resolved') =>
    s === 'resolved' ? 'resolved' : s === 'in_progress' ? 'acknowledged' : null;

  for (;;) {
    const left = dueAt.getTime() - Date.now();
    const acted = late
      ? (await condition(() => change !== null), true)
      : await condition(() => change !== null, Math.max(left, 0));
    if (acted && change) return finish(change.status === 'resolved' ? 'resolved' : 'acknowledged');
    if (level === LAST) {
      late = true;
      show();
      continue;
    }
    const next = level + 1;
    const nextDue = new Date(dueAt.getTime() + windowMs);
    let answer: Awaited<ReturnType<IncidentActivities['escalateIncident']>>;
    try {
      answer = await gym.escalateIncident({
        tenantId: input.tenantId,
        incidentId: input.incidentId,
        level: next,
        dueAt: nextDue.toISOString(),
        key: `incident/${input.incidentId}/escalated/${next}`,
      });
    } catch (err) {
      if (err instanceof Error && err.cause instanceof ApplicationFailure && err.cause.type === 'NOT_FOUND')
        return finish('incident_missing');
      throw err;
    }
    const done = settled(answer.status);
    if (done) return finish(done);
    if (answer.escalated) {
      level = next;
      escalations.push({ role: ESCALATION_ROLES[next]!, at: new Date().toISOString() });
      // Best effort: the escalation is recorded and published whatever the notifications do.
      if (patched(NOTIFY_ROLE_HOLDERS)) await notifyRoleHolders(input, next, nextDue, answer.assigneeId);
      else
        try {
          await notifications.notify({
            key: `incident/${input.incidentId}/escalated/${next}`,
            tenantId: input.tenantId,
            event: 'incident.escalated',
            ...(answer.assigneeId && { recipient: { userId: answer.assigneeId } }),
            variables: {
              title: input.title,
              priority: input.priority,
              role: ESCALATION_ROLES[next]!,
              dueAt: nextDue.toISOString(),
            },
            data: { incidentId: input.incidentId, branchId: input.branchId, role: ESCALATION_ROLES[next] },
          });
        } catch {
          // notifications unreachable after its retries: the timeline and the real-time event stand.
        }
    }
    dueAt = nextDue;
    show();
  }
};

/**
 * Tells everyone who now answers for the incident: the holders of the step's role in its branch
 * (in-app and email, as their role's preferences say) and its assignee, each once per step (the
 * key names the step and the user). Best effort throughout: identity unreachable leaves only the
 * assignee; a notification that fails after its retries is given up — the escalation stands.
 */
async function notifyRoleHolders(
  input: IncidentInput,
  level: number,
  dueAt: Date,
  assigneeId: string | null,
): Promise<void> {
  const role = ESCALATION_ROLES[level]!;
  let holders: Array<{ id: string; email: string; locale: string | null }> = [];
  try {
    ({ holders } = await identity.roleHolders({ tenantId: input.tenantId, branchId: input.branchId, role }));
  } catch {
    // identity unreachable after its retries: the assignee (if any) is still told.
  }
  const recipients: Array<{ userId: string; email?: string; locale?: string; roles?: string[] }> =
    holders.map((u) => ({
      userId: u.id,
      email: u.email,
      ...(u.locale && { locale: u.locale }),
      roles: [role],
    }));
  if (assigneeId && !holders.some((u) => u.id === assigneeId)) recipients.push({ userId: assigneeId });
  await Promise.allSettled(
    recipients.map((recipient) =>
      notifications.notify({
        key: `incident/${input.incidentId}/escalated/${level}/${recipient.userId}`,
        tenantId: input.tenantId,
        event: 'incident.escalated',
        recipient,
        variables: { title: input.title, priority: input.priority, role, dueAt: dueAt.toISOString() },
        data: { incidentId: input.incidentId, branchId: input.branchId, role },
      }),
    ),
  );
}
