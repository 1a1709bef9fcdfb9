/**
 * Incidents (`Migration20261206120000_reception_store_incidents`): what a member or the staff
 * report at a branch (a broken machine, a leak, an injury), its attachments, its timeline and each
 * business's SLA per priority. The `incident` workflow escalates an incident nobody acknowledged
 * within its SLA to the next role (`ESCALATION_ROLES`).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';
import { ESCALATION_ROLES, INCIDENT_PRIORITIES } from '@faena/workflows/incident/contract';

export { ESCALATION_ROLES, INCIDENT_PRIORITIES };
export type { IncidentPriority, EscalationRole } from '@faena/workflows/incident/contract';

export const INCIDENT_STATUSES = ['open', 'in_progress', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const Incident = defineEntity({
  name: 'Incident',
  tableName: 'incidents',
  properties: {
    ...idProperty,
    ...tenantProperty,
    branchId: p.uuid().index(),
    title: p.string().length(200),
    description: p.text().default(''),
    priority: p.enum(INCIDENT_PRIORITIES),
    status: p.enum(INCIDENT_STATUSES).default('open'),
    /** The identity user who reported it (a member who logs in, or staff). */
    reportedBy: p.uuid(),
    /** The member record of a reporting member. */
    reporterMemberId: p.uuid().nullable(),
    /** The staff user in charge. */
    assigneeId: p.uuid().nullable(),
    /** Who answers for it now: `ESCALATION_ROLES[escalationLevel]`. */
    escalationLevel: p.integer().default(0),
    /** When its current SLA window ends (acknowledgement due). */
    slaDueAt: p.datetime().columnType('timestamptz'),
    acknowledgedAt: p.datetime().columnType('timestamptz').nullable(),
    acknowledgedBy: p.uuid().nullable(),
    resolvedAt: p.datetime().columnType('timestamptz').nullable(),
    resolvedBy: p.uuid().nullable(),
    resolution: p.text().nullable(),
    /** When its `incident` workflow was started (or found started): null means start it again. */
    workflowStartedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type Incident = InferEntity<typeof Incident>;

export const IncidentAttachment = defineEntity({
  name: 'IncidentAttachment',
  tableName: 'incident_attachments',
  properties: {
    ...idProperty,
    ...tenantProperty,
    incidentId: p.uuid().index(),
    storageKey: p.string().length(300),
    contentType: p.string().length(40),
    size: p.integer(),
    ...auditProperties,
  },
});
export type IncidentAttachment = InferEntity<typeof IncidentAttachment>;

export const INCIDENT_EVENT_TYPES = [
  'reported',
  'assigned',
  'acknowledged',
  'resolved',
  'escalated',
  'priority_changed',
] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

/** The incident's timeline; `key` (unique per business) makes the workflow's entries idempotent. */
export const IncidentEvent = defineEntity({
  name: 'IncidentEvent',
  tableName: 'incident_events',
  properties: {
    ...idProperty,
    ...tenantProperty,
    incidentId: p.uuid().index(),
    type: p.enum(INCIDENT_EVENT_TYPES),
    key: p.string().length(200).nullable(),
    data: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    createdBy: p.uuid().nullable(),
  },
});
export type IncidentEvent = InferEntity<typeof IncidentEvent>;

/** Each business's SLA: minutes to acknowledge an incident of each priority, per escalation step. */
export const IncidentSettings = defineEntity({
  name: 'IncidentSettings',
  tableName: 'incident_settings',
  properties: {
    tenantId: p.uuid().primary(),
    slaLowMinutes: p.integer().default(1440),
    slaMediumMinutes: p.integer().default(240),
    slaHighMinutes: p.integer().default(60),
    slaUrgentMinutes: p.integer().default(15),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type IncidentSettings = InferEntity<typeof IncidentSettings>;

export const incidentEntities = [Incident, IncidentAttachment, IncidentEvent, IncidentSettings];
