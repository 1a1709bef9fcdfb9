/**
 * The nightly cash closure of one branch and business date (see contract.ts), and the trigger its
 * schedule starts.
 *
 * `cashClosure`: POS creates the closure row and answers the date's window (`beginClosure`);
 * payments answers the branch's sessions of that window and the cash threshold; POS computes and
 * stores the report (`storeClosureReport`) and renders it as PDF + CSV; every holder of
 * `closures.read` in the branch gets it by mail (`cash.daily_report`, one key per person: a retry or
 * a replay mails nobody twice). Differences beyond the threshold wait for `approveClosure`: after
 * `remindAfterMinutes` the approvers are reminded, after `escalateAfterMinutes` the owners are told;
 * it waits for as long as it takes. A branch that lost its settings ends `not_configured` (a state,
 * never a failed workflow).
 *
 * Outcomes: `on_time` (reported, and approved when it had to be, by the SLO's deadline: 06:00 local
 * after the window), `late` (after it), `failed` (`not_configured`).
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { notifications } from '../escrow/activities.ts';
import { identity } from '../identity/activities.ts';
import { IDENTITY_TASK_QUEUE, type IdentityActivities } from '../identity/contract.ts';
import { processMetrics } from '../metrics.ts';
import type { MoneyVariable, ProcessEvent } from '../notifications/contract.ts';
import {
  CASH_CLOSURE_PAYMENTS_TASK_QUEUE,
  CASH_CLOSURE_POS_TASK_QUEUE,
  CLOSURE_APPROVE_PERMISSION,
  CLOSURE_ESCALATION_ROLE,
  CLOSURE_READ_PERMISSION,
  approveClosure,
  cashClosureStatusQuery,
  cashClosureWorkflowId,
  type CashClosureInput,
  type CashClosurePaymentsActivities,
  type CashClosurePosActivities,
  type CashClosureState,
  type CashClosureStatus,
  type CashClosureTriggerInput,
  type CashClosureTriggerWorkflow,
  type CashClosureWorkflow,
  type ClosurePlan,
} from './contract.ts';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };
const pos = proxyActivities<CashClosurePosActivities>({
  taskQueue: CASH_CLOSURE_POS_TASK_QUEUE,
  startToCloseTimeout: '1m',
  retry,
});
const payments = proxyActivities<CashClosurePaymentsActivities>({
  taskQueue: CASH_CLOSURE_PAYMENTS_TASK_QUEUE,
  startToCloseTimeout: '30s',
  retry,
});

/** The business's currency and locale: needed for the report, so retried for as long as identity is away. */
const tenantProfile = proxyActivities<Pick<IdentityActivities, 'describeTenant'>>({
  taskQueue: IDENTITY_TASK_QUEUE,
  startToCloseTimeout: '10s',
  retry,
});

const MINUTE = 60_000;

export const cashClosure: CashClosureWorkflow = async function cashClosure(input: CashClosureInput) {
  const metrics = processMetrics();
  metrics.started();
  const workflowId = workflowInfo().workflowId;
  let state: CashClosureState = 'reporting';
  let plan: ClosurePlan | null = null;
  let needsApproval = false;
  let sessionsNeedingCount = 0;
  let mailed = 0;
  let reminded = false;
  let escalated = false;
  let approval: { userId: string; note: string } | null = null;
  let difference: MoneyVariable = { amount: '0', currency: 'XXX' };

  const summary = (): string => {
    const head = `Cash closure of ${input.businessDate}`;
    const open = sessionsNeedingCount
      ? `, ${sessionsNeedingCount} session(s) left open flagged needs_count`
      : '';
    switch (state) {
      case 'reporting':
        return `${head}: reading the sessions and sales, storing and mailing the report`;
      case 'awaiting_approval':
        return `${head}: differences of ${difference.amount} ${difference.currency} (minor units) beyond the threshold wait for a manager's approval${reminded ? ' (reminded' : ''}${escalated ? ', escalated to the owners)' : reminded ? ')' : ''}${open}`;
      case 'closed':
        return `${head}: reported to ${mailed} reader(s), every difference within the threshold${open}`;
      case 'approved':
        return `${head}: reported to ${mailed} reader(s), differences approved by ${approval?.userId ?? 'a manager'}${open}`;
      case 'not_configured':
        return `${head}: the branch has no closure settings or zone; nothing was closed`;
    }
  };
  const status = (): CashClosureStatus => ({
    state,
    closureId: plan?.closureId ?? null,
    businessDate: input.businessDate,
    sessionsNeedingCount,
    needsApproval,
    reportMailedTo: mailed,
    reminded,
    escalated,
    approvedBy: approval?.userId ?? null,
    summary: summary(),
  });
  const show = () => {
    upsertSearchAttributes({ ProcessStatus: [state] });
    setCurrentDetails(`**${state}**\n\n${summary()}.`);
  };

  setHandler(cashClosureStatusQuery, status);
  setHandler(
    approveClosure,
    async (a) => {
      // The handler owns the change it causes: taken at once (a second approval is refused by the
      // validator), recorded on the closure, then the state moves.
      approval = a;
      await pos.finishClosure({
        tenantId: input.tenantId,
        closureId: plan!.closureId,
        state: 'approved',
        approval: a,
      });
      state = 'approved';
      show();
      return status();
    },
    {
      validator: (a: { userId: string; note: string }) => {
        if (state !== 'awaiting_approval' || approval)
          throw new Error(`This closure is ${state}: there is nothing to approve`);
        if (!a.note.trim()) throw new Error('A note is required');
      },
    },
  );
  upsertSearchAttributes({
    TenantId: [input.tenantId],
    BusinessKey: [`cash-closure:${input.branchId}:${input.businessDate}`],
  });
  show();

  const finish = (final: CashClosureState) => {
    state = final;
    const due = plan ? new Date(plan.dueBy).getTime() : Infinity;
    metrics.outcome(final === 'not_configured' ? 'failed' : Date.now() <= due ? 'on_time' : 'late');
    show();
    return status();
  };

  const tenant = await tenantProfile.describeTenant({ tenantId: input.tenantId });
  try {
    plan = await pos.beginClosure({ ...input, workflowId, currency: tenant.currency, locale: tenant.locale });
  } catch (err) {
    if (
      err instanceof Error &&
      err.cause instanceof ApplicationFailure &&
      err.cause.type === 'BRANCH_NOT_CONFIGURED'
    )
      return finish('not_configured');
    throw err;
  }
  const { sessions, approvalThreshold } = await payments.closureSessions({
    tenantId: input.tenantId,
    branchId: input.branchId,
    from: plan.from,
    to: plan.to,
  });
  const report = await pos.storeClosureReport({
    tenantId: input.tenantId,
    closureId: plan.closureId,
    sessions,
    approvalThreshold,
  });
  ({ needsApproval, sessionsNeedingCount } = report);
  difference = report.difference;
  const variables = {
    branchName: input.branchId,
    businessDate: input.businessDate,
    cashDifference: difference,
  };

  mailed = await tell(
    input,
    'cash.daily_report',
    { permission: CLOSURE_READ_PERMISSION },
    `${workflowId}/report`,
    {
      ...variables,
      totalSales: report.sales,
    },
    () => pos.closureAttachments({ tenantId: input.tenantId, closureId: plan.closureId }),
  );

  if (!needsApproval) {
    await pos.finishClosure({ tenantId: input.tenantId, closureId: plan.closureId, state: 'closed' });
    return finish('closed');
  }

  await pos.finishClosure({
    tenantId: input.tenantId,
    closureId: plan.closureId,
    state: 'awaiting_approval',
  });
  state = 'awaiting_approval';
  show();
  const waitingSince = Date.now();
  const approvedBy = (at: number) => condition(() => state === 'approved', Math.max(at - Date.now(), 0));
  if (!(await approvedBy(waitingSince + plan.remindAfterMinutes * MINUTE))) {
    reminded = true;
    show();
    await tell(
      input,
      'cash.closure_approval_reminder',
      { permission: CLOSURE_APPROVE_PERMISSION },
      `${workflowId}/reminder`,
      variables,
    );
  }
  if (
    (state as CashClosureState) !== 'approved' &&
    !(await approvedBy(waitingSince + plan.escalateAfterMinutes * MINUTE))
  ) {
    escalated = true;
    show();
    await tell(
      input,
      'cash.closure_approval_escalated',
      { role: CLOSURE_ESCALATION_ROLE },
      `${workflowId}/escalated`,
      variables,
    );
  }
  await condition(() => state === 'approved');
  return finish('approved');
};

/**
 * Tells the holders of a permission (or role) in the branch, each once (`<key>/<userId>`); answers
 * how many were told. Best effort like every notification of a process: identity unreachable after
 * its retries tells nobody, a failed notification is given up — the closure stands either way.
 * Attachments are rendered once, only when someone is to be told.
 */
async function tell<E extends ProcessEvent>(
  input: CashClosureInput,
  event: E,
  who: { permission: string } | { role: string },
  key: string,
  variables: Parameters<typeof notifications.notify<E>>[0]['variables'],
  attachments?: () => Promise<Array<{ filename: string; contentType: string; contentBase64: string }>>,
): Promise<number> {
  let holders: Array<{ id: string; email: string; locale: string | null }>;
  try {
    ({ holders } = await identity.roleHolders({
      tenantId: input.tenantId,
      branchId: input.branchId,
      ...who,
    }));
  } catch {
    return 0;
  }
  if (!holders.length) return 0;
  const files = attachments ? await attachments() : undefined;
  const results = await Promise.allSettled(
    holders.map((u) =>
      notifications.notify<E>({
        key: `${key}/${u.id}`,
        tenantId: input.tenantId,
        event,
        recipient: {
          userId: u.id,
          email: u.email,
          ...(u.locale && { locale: u.locale }),
          roles: ['manager'],
        },
        variables,
        data: { branchId: input.branchId, businessDate: input.businessDate },
        ...(files && { attachments: files }),
      }),
    ),
  );
  return results.filter((r) => r.status === 'fulfilled').length;
}

/** When the schedule fired: its search attribute, else the input's `at`, else the start. */
function firedAt(input: CashClosureTriggerInput): Date {
  if (input.at) return new Date(input.at);
  const info = workflowInfo();
  // Temporal's own attribute on a run a schedule started.
  const scheduled = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  return scheduled instanceof Date ? scheduled : new Date(String(scheduled ?? info.startTime.toISOString()));
}

/**
 * What a schedule firing starts: the closure of every business date due at the fire time (POS's
 * `closureDates`: the missed ones since the last closure too, at most `CATCH_UP_DAYS`), each under
 * its own id with `REJECT_DUPLICATE` — a date that ran (or runs) is not closed again, so a firing
 * retried, caught up or doubled by a restart closes nothing twice. The closures outlive it
 * (`ABANDON`).
 */
export const cashClosureTrigger: CashClosureTriggerWorkflow = async function cashClosureTrigger(
  input: CashClosureTriggerInput,
) {
  const at = firedAt(input);
  upsertSearchAttributes({ TenantId: [input.tenantId], BusinessKey: [`cash-closure:${input.branchId}`] });
  const { dates } = await pos.closureDates({
    tenantId: input.tenantId,
    branchId: input.branchId,
    at: at.toISOString(),
  });
  const started: string[] = [];
  const alreadyClosed: string[] = [];
  for (const businessDate of dates) {
    try {
      await startChild(cashClosure, {
        workflowId: cashClosureWorkflowId(input.tenantId, input.branchId, businessDate),
        args: [{ tenantId: input.tenantId, branchId: input.branchId, businessDate }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      started.push(businessDate);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      alreadyClosed.push(businessDate);
    }
  }
  setCurrentDetails(
    `Fired at ${at.toISOString()}: closing ${started.join(', ') || 'nothing new'}${alreadyClosed.length ? `; already closed ${alreadyClosed.join(', ')}` : ''}.`,
  );
  return { started, alreadyClosed };
};
