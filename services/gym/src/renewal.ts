/**
 * The gym's side of the renewal workflow: start it when an active membership has auto-renew (after
 * the commit; idempotent), steer it with Updates, read it with the status query. The API never
 * waits for the workflow to progress.
 *
 * A crash between the commit that activates a membership (or turns auto-renew on) and the start
 * loses nothing: `renewal_started_at` stays null until the start succeeded, and every read of the
 * membership (`GET /memberships/:id`, the member's list) and every toggle starts it again —
 * `USE_EXISTING` makes a start of a running chain answer its handle, so a repeat is harmless.
 */
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type UpdateDefinition } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, queryRunning, updateProcess } from '@faena/platform';
import { formatMinor } from '@faena/platform/money';
import {
  GYM_TASK_QUEUE,
  RENEWAL_WORKFLOW_TYPE,
  renewalStatusQuery,
  renewalWorkflowId,
  type RenewalInput,
  type RenewalStatus,
  type RenewalWorkflow,
} from '@faena/workflows/renewal/contract';
import { Member, Plan, type Membership } from './domain/entities.ts';
import { itemOf, markRenewalStarted, nextCycleOf, periodOf, renewalRefusal } from './domain/renewals.ts';
import { settingsOf } from './domain/settings.ts';

/** What the renewal's charges say they are for (payments' `purpose`). */
export const RENEWAL_PURPOSE = 'gym_membership_renewal';

export const renewalIdOf = (m: Membership) => renewalWorkflowId(m.tenantId, m.id);

export async function renewalInputOf(em: EntityManager, m: Membership): Promise<RenewalInput | null> {
  const plan = await em.findOneOrFail(Plan, { id: m.planId });
  if (renewalRefusal(m, plan)) return null;
  const member = await em.findOne(Member, { id: m.memberId });
  if (!member?.userId) return null;
  const [settings, period, cycle, item] = await Promise.all([
    settingsOf(em, m.tenantId),
    periodOf(em, m),
    nextCycleOf(em, m),
    itemOf(em, m, plan),
  ]);
  const name = `${member.firstName} ${member.lastName}`;
  return {
    tenantId: m.tenantId,
    subscriptionId: m.id,
    seller: { taskQueue: GYM_TASK_QUEUE, name: 'Gym membership', purpose: RENEWAL_PURPOSE },
    payer: { userId: member.userId, name },
    item,
    branchId: m.branchId,
    timeZone: settings.timeZone,
    periodStart: period.start,
    periodEnd: period.end,
    cycle,
  };
}

/**
 * Starts the membership's renewal chain when it should run and has not been started; answers
 * whether one runs. A failed start is a 503 to retry (the membership stays as committed).
 */
export async function ensureRenewal(
  em: EntityManager,
  temporal: Client,
  taskQueue: string,
  m: Membership,
): Promise<boolean> {
  if (m.renewalStartedAt) return true;
  const input = await renewalInputOf(em, m);
  if (!input) return false;
  try {
    await temporal.workflow.start<RenewalWorkflow>(RENEWAL_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: renewalIdOf(m),
      args: [input],
      // A chain that ended (expired, cancelled) may start again once the member consents again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      searchAttributes: {
        TenantId: [m.tenantId],
        BusinessKey: [m.id],
        ProcessStatus: ['active'],
      },
      staticSummary: `Renewal · ${input.payer.name} · ${input.item.planName} · ${formatMinor(
        input.item.amount,
        input.item.currency,
        'es-AR',
      )} · renews ${input.periodEnd} (${input.timeZone})`,
      staticDetails: `Membership ${m.id} of member ${m.memberId}, branch ${m.branchId}; paid from the wallet of user ${input.payer.userId}, who consented to auto-renew. The run's current details say what it waits for.`,
    });
  } catch {
    throw new DomainError(
      'SERVICE_UNAVAILABLE',
      'The renewal process could not be started; auto-renew is saved: retry',
      { headers: { 'Retry-After': '5' } },
    );
  }
  await markRenewalStarted(em, m);
  return true;
}

const noRenewal = () => new DomainError('NOT_FOUND', 'The renewal process of this membership was not found');

/** The running chain's status, or null when none runs (never started, or over). */
export const runningRenewal = async (temporal: Client, m: Membership): Promise<RenewalStatus | null> =>
  m.renewalStartedAt
    ? queryRunning(temporal, renewalIdOf(m), renewalStatusQuery, 'renewal', noRenewal())
    : null;

/** Sends an Update to the membership's chain and answers its status. */
export const updateRenewal = <Arg>(
  temporal: Client,
  m: Membership,
  update: UpdateDefinition<RenewalStatus, [Arg]>,
  arg: Arg,
): Promise<RenewalStatus> => updateProcess(temporal, renewalIdOf(m), update, arg, 'renewal', noRenewal());
