/**
 * The incident process's contract: one workflow per incident reported at a gym branch
 * (`incident/<tenant>/<incidentId>`), started by the gym API when the incident is reported. It
 * escalates an incident nobody acknowledged within its SLA to the next role of
 * `ESCALATION_ROLES` (the branch's desk → its manager → the business's owner), one SLA window per
 * step, and ends when the incident is acknowledged (taken in progress) or resolved — the API
 * signals `incidentChanged` after it wrote the change. Constants, types and message definitions
 * only: safe anywhere.
 *
 *   client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, { taskQueue: INCIDENT_TASK_QUEUE, … })
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { TASK_QUEUES } from '../queues.ts';

export const INCIDENT_WORKFLOW_TYPE = 'incident';
export const INCIDENT_TASK_QUEUE = TASK_QUEUES.workflows;
/** Where the gym's incident activities run (the gym worker). */
export const INCIDENT_ACTIVITIES_TASK_QUEUE = TASK_QUEUES.gym;
export const incidentWorkflowId = (tenantId: string, incidentId: string): string =>
  `incident/${tenantId}/${incidentId}`;

export const INCIDENT_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type IncidentPriority = (typeof INCIDENT_PRIORITIES)[number];

/**
 * Who answers for an incident, step by step: the branch's reception first (it is reported there),
 * its manager when reception let the SLA pass, the business's owner when the manager did too. The
 * owner is the last step: past their window the incident stays theirs, flagged late.
 */
export const ESCALATION_ROLES = ['receptionist', 'manager', 'owner'] as const;
export type EscalationRole = (typeof ESCALATION_ROLES)[number];

export interface IncidentInput {
  tenantId: string;
  incidentId: string;
  branchId: string;
  title: string;
  priority: IncidentPriority;
  /** Minutes each escalation step has to acknowledge (the business's SLA for the priority). */
  slaMinutes: number;
  /** When it was reported (ISO): the first window starts there. */
  reportedAt: string;
  /** The business's zone and locale, for the summary's dates. */
  timeZone: string;
  locale?: string;
}

export type IncidentState =
  /** Waiting for someone of `role` to acknowledge it before `dueAt`. */
  | 'waiting_acknowledgement'
  /** Taken in progress by staff: the process is done (resolution is the staff's). */
  | 'acknowledged'
  /** Resolved (possibly without being acknowledged first). */
  | 'resolved'
  /** The incident is gone (removed, or not found by the gym): nothing to escalate. */
  | 'incident_missing';

export const FINAL_INCIDENT_STATES: readonly IncidentState[] = [
  'acknowledged',
  'resolved',
  'incident_missing',
];

export interface IncidentStatus {
  state: IncidentState;
  incidentId: string;
  priority: IncidentPriority;
  /** The step now in charge and its index in `ESCALATION_ROLES`. */
  role: EscalationRole;
  level: number;
  /** When the current window ends (ISO), while waiting. */
  dueAt: string | null;
  /** Each escalation: to which role, when (ISO). */
  escalations: Array<{ role: EscalationRole; at: string }>;
  /** Past the last step's window without acknowledgement. */
  late: boolean;
  /** One line a support person reads (title, priority, who has it, due time in the business's zone). */
  summary: string;
}

export type IncidentWorkflow = (input: IncidentInput) => Promise<IncidentStatus>;

/** The API wrote a change of the incident: acknowledged (`in_progress`) or resolved. */
export const incidentChanged =
  defineSignal<[{ status: 'in_progress' | 'resolved'; actorId: string }]>('incidentChanged');
export const incidentStatusQuery = defineQuery<IncidentStatus>('incidentStatus');

/** What the process needs of the gym (its worker, on `INCIDENT_ACTIVITIES_TASK_QUEUE`). */
export interface IncidentActivities {
  /**
   * Records the escalation to `level` on the incident (its role, its new due time, a timeline entry
   * keyed `key`: idempotent). Answers the incident's status and who to notify (its assignee): a
   * resolved or acknowledged one is not escalated (`escalated: false`). A missing incident is a
   * non-retryable `NOT_FOUND`.
   */
  escalateIncident(input: {
    tenantId: string;
    incidentId: string;
    level: number;
    dueAt: string;
    key: string;
  }): Promise<{
    escalated: boolean;
    status: 'open' | 'in_progress' | 'resolved';
    assigneeId: string | null;
  }>;
}
