/**
 * Incidents: reported at a branch (by a member who logs in or by staff), with a priority, an
 * assignee and attachments; `open → in_progress → resolved` (open → resolved too). The business's
 * SLA per priority (`incident_settings`) is the time each escalation step has to acknowledge it
 * (take it in progress); the `incident` workflow hands an unacknowledged one to the next role
 * through `escalate` (idempotent by its key).
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import { isUniqueViolation } from '@faena/platform';
import type { IncidentAttachment } from './incident-entities.ts';
import {
  ESCALATION_ROLES,
  Incident,
  IncidentEvent,
  IncidentSettings,
  type IncidentEventType,
  type IncidentPriority,
} from './incident-entities.ts';

export interface SlaSettings {
  slaLowMinutes: number;
  slaMediumMinutes: number;
  slaHighMinutes: number;
  slaUrgentMinutes: number;
}
const DEFAULT_SLA: SlaSettings = {
  slaLowMinutes: 1440,
  slaMediumMinutes: 240,
  slaHighMinutes: 60,
  slaUrgentMinutes: 15,
};

export const presentSla = (s: SlaSettings) => ({
  slaMinutes: {
    low: s.slaLowMinutes,
    medium: s.slaMediumMinutes,
    high: s.slaHighMinutes,
    urgent: s.slaUrgentMinutes,
  },
  escalation: [...ESCALATION_ROLES],
});

export async function slaSettingsOf(em: EntityManager, tenantId: string): Promise<SlaSettings> {
  return (await em.findOne(IncidentSettings, { tenantId })) ?? DEFAULT_SLA;
}

export async function saveSlaSettings(
  em: EntityManager,
  tenantId: string,
  minutes: Partial<Record<IncidentPriority, number>>,
): Promise<SlaSettings> {
  const row =
    (await em.findOne(IncidentSettings, { tenantId })) ??
    em.create(IncidentSettings, { tenantId, ...DEFAULT_SLA });
  if (minutes.low !== undefined) row.slaLowMinutes = minutes.low;
  if (minutes.medium !== undefined) row.slaMediumMinutes = minutes.medium;
  if (minutes.high !== undefined) row.slaHighMinutes = minutes.high;
  if (minutes.urgent !== undefined) row.slaUrgentMinutes = minutes.urgent;
  await em.flush();
  return row;
}

export const slaMinutes = (s: SlaSettings, p: IncidentPriority): number =>
  ({ low: s.slaLowMinutes, medium: s.slaMediumMinutes, high: s.slaHighMinutes, urgent: s.slaUrgentMinutes })[
    p
  ];

export const presentIncident = (
  i: Incident,
  attachments: IncidentAttachment[] = [],
  events: IncidentEvent[] = [],
) => ({
  id: i.id,
  branchId: i.branchId,
  title: i.title,
  description: i.description,
  priority: i.priority,
  status: i.status,
  reportedBy: i.reportedBy,
  reporterMemberId: i.reporterMemberId ?? null,
  assigneeId: i.assigneeId ?? null,
  escalation: { level: i.escalationLevel, role: ESCALATION_ROLES[i.escalationLevel]! },
  slaDueAt: i.slaDueAt.toISOString(),
  acknowledgedAt: i.acknowledgedAt?.toISOString() ?? null,
  resolvedAt: i.resolvedAt?.toISOString() ?? null,
  resolution: i.resolution ?? null,
  attachments: attachments
    .filter((a) => a.incidentId === i.id)
    .map((a) => ({ id: a.id, contentType: a.contentType, size: a.size })),
  timeline: events
    .filter((e) => e.incidentId === i.id)
    .map((e) => ({ type: e.type, data: e.data, by: e.createdBy ?? null, at: e.createdAt.toISOString() })),
  createdAt: i.createdAt.toISOString(),
});

function record(
  em: EntityManager,
  i: Incident,
  type: IncidentEventType,
  actor: string | null,
  data: Record<string, unknown> = {},
  key: string | null = null,
) {
  return em.create(IncidentEvent, {
    tenantId: i.tenantId,
    incidentId: i.id,
    type,
    data,
    createdBy: actor,
    key,
  });
}

export interface Report {
  branchId: string;
  title: string;
  description?: string;
  priority: IncidentPriority;
  assigneeId?: string | null;
  reportedBy: string;
  reporterMemberId: string | null;
  slaMinutes: number;
  now: Date;
}

export async function reportIncident(em: EntityManager, r: Report): Promise<Incident> {
  const i = em.create(Incident, {
    branchId: r.branchId,
    title: r.title,
    description: r.description ?? '',
    priority: r.priority,
    reportedBy: r.reportedBy,
    reporterMemberId: r.reporterMemberId,
    assigneeId: r.assigneeId ?? null,
    slaDueAt: new Date(r.now.getTime() + r.slaMinutes * 60_000),
  });
  record(em, i, 'reported', r.reportedBy, { priority: r.priority, slaMinutes: r.slaMinutes });
  await em.flush();
  return i;
}

/** The incident's workflow was started (or found started): reads of it stop trying. */
export async function markIncidentStarted(em: EntityManager, i: Incident): Promise<void> {
  const now = new Date();
  await em.nativeUpdate(Incident, { id: i.id, workflowStartedAt: null }, { workflowStartedAt: now });
  i.workflowStartedAt ??= now;
}

/** Whether the incident still needs its workflow started: open, and no start succeeded yet. */
export const needsProcess = (i: Incident): boolean => i.status === 'open' && !i.workflowStartedAt;

async function locked(tx: EntityManager, id: string): Promise<Incident> {
  const i = await tx.findOne(Incident, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  if (!i) throw notFound('Incident');
  return i;
}

export function assign(em: EntityManager, id: string, assigneeId: string, actor: string): Promise<Incident> {
  return em.transactional(async (tx) => {
    const i = await locked(tx, id);
    if (i.status === 'resolved')
      throw new DomainError('INVALID_STATE_TRANSITION', 'The incident is resolved');
    i.assigneeId = assigneeId;
    record(tx, i, 'assigned', actor, { assigneeId });
    await tx.flush();
    return i;
  });
}

/** Someone takes it: open → in_progress (what stops the escalation). */
export function acknowledge(em: EntityManager, id: string, actor: string, now: Date): Promise<Incident> {
  return em.transactional(async (tx) => {
    const i = await locked(tx, id);
    if (i.status !== 'open')
      throw new DomainError('INVALID_STATE_TRANSITION', `The incident is ${i.status.replace('_', ' ')}`);
    i.status = 'in_progress';
    i.acknowledgedAt = now;
    i.acknowledgedBy = actor;
    i.assigneeId ??= actor;
    record(tx, i, 'acknowledged', actor, { level: i.escalationLevel });
    await tx.flush();
    return i;
  });
}

export function resolve(
  em: EntityManager,
  id: string,
  input: { resolution: string; actor: string; now: Date },
): Promise<Incident> {
  return em.transactional(async (tx) => {
    const i = await locked(tx, id);
    if (i.status === 'resolved')
      throw new DomainError('INVALID_STATE_TRANSITION', 'The incident is resolved');
    i.status = 'resolved';
    i.resolvedAt = input.now;
    i.resolvedBy = input.actor;
    i.resolution = input.resolution;
    record(tx, i, 'resolved', input.actor, {});
    await tx.flush();
    return i;
  });
}

/**
 * The workflow's step: hands an incident still open to escalation `level` with its next due time
 * and a timeline entry keyed `key`, once (a retried activity finds its entry). A taken or resolved
 * incident is left as it is.
 */
export async function escalate(
  em: EntityManager,
  input: { incidentId: string; level: number; dueAt: string; key: string },
): Promise<{ escalated: boolean; status: Incident['status']; assigneeId: string | null }> {
  try {
    return await em.transactional(async (tx) => {
      const i = await locked(tx, input.incidentId);
      const answer = { status: i.status, assigneeId: i.assigneeId ?? null };
      if (i.status !== 'open') return { ...answer, escalated: false };
      if (await tx.count(IncidentEvent, { key: input.key })) return { ...answer, escalated: true };
      i.escalationLevel = Math.max(i.escalationLevel, Math.min(input.level, ESCALATION_ROLES.length - 1));
      i.slaDueAt = new Date(input.dueAt);
      record(
        tx,
        i,
        'escalated',
        null,
        { level: i.escalationLevel, role: ESCALATION_ROLES[i.escalationLevel], dueAt: input.dueAt },
        input.key,
      );
      await tx.flush();
      return { ...answer, escalated: true };
    });
  } catch (err) {
    if (!isUniqueViolation(err, 'incident_events_key_unique')) throw err;
    const i = await em.findOneOrFail(Incident, { id: input.incidentId }, { refresh: true });
    return { escalated: true, status: i.status, assigneeId: i.assigneeId ?? null };
  }
}
