import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { payments } from '../payments/activities.ts';
import { paymentStatusChanged } from '../payments/contract.ts';
import { marketplace, notifications } from './activities.ts';
// v1 used these retry policies; its replay does not depend on them, but keep its calls as they were.
import {
  approve,
  cancel,
  dispute,
  markCompleted,
  resolveDispute,
  statusQuery,
  type EscrowInput,
  type EscrowState,
  type EscrowStatus,
} from './contract.ts';

const THIRTY_MINUTES = 30 * 60 * 1000;
const SEVENTY_TWO_HOURS = 72 * 3600 * 1000;

const refuse = (
  message: string,
  code: 'INVALID_STATE_TRANSITION' | 'FORBIDDEN' | 'VALIDATION_FAILED' = 'INVALID_STATE_TRANSITION',
) => ApplicationFailure.create({ message, type: code, nonRetryable: true });

/**
 * FROZEN — the first version of the escrow deal, kept only so deals started before `escrow-v2`
 * replay and finish as they began (see workflow.ts). Never change it; delete it once no run
 * without the `escrow-v2` marker is open (`temporal workflow count --query "WorkflowType='escrow'
 * AND ExecutionStatus='Running' AND StartTime < '<v2 release>'"` answers 0).
 *
 * One marketplace deal, from the accepted offer to the money's final place:
 * payment (window) → escrow → completion (Update) → approval, dispute or automatic approval
 * (window) → operator resolution → payout minus the snapshotted commission and/or refund.
 * Cancellation before completion refunds in full. Every step's side effect carries a key derived
 * from this workflow's id, so retries never move money twice.
 */
export async function escrowV1(input: EscrowInput): Promise<EscrowStatus> {
  const { workflowId } = workflowInfo();
  const key = (step: string) => `${workflowId}/${step}`;
  const paymentWindowMs = input.paymentWindowMs ?? THIRTY_MINUTES;
  const approvalWindowMs = input.approvalWindowMs ?? SEVENTY_TWO_HOURS;
  const held = BigInt(input.amount);

  // Declared through `as` so the compiler does not narrow them to their first value: Update handlers change them.
  let state = 'awaiting_payment' as EscrowState;
  let paymentId: string | null = null;
  let checkoutUrl: string | null = null;
  let paymentStatus = null as string | null;
  let paymentDeadline: Date | null = null;
  let approvalDeadline: Date | null = null;
  let disputeInfo = null as EscrowStatus['dispute'];
  let resolution = null as { refund: bigint; payout: bigint; operatorId: string; note: string } | null;
  let cancellation = null as { by: 'client' | 'professional'; actorId: string; reason: string } | null;
  let refunded = 0n;
  let paidOut = 0n;
  let completionNote: string | undefined;
  let approvedBy = null as { actor: 'client' | 'system'; actorId: string | null } | null;

  const cancellationRequest = () => cancellation;
  const status = (): EscrowStatus => ({
    state,
    offerId: input.offerId,
    jobId: input.jobId,
    paymentId,
    checkoutUrl,
    amount: input.amount,
    currency: input.currency,
    commissionBps: input.commissionBps,
    refunded: refunded.toString(),
    paidOut: paidOut.toString(),
    paymentDeadline: paymentDeadline?.toISOString() ?? null,
    approvalDeadline: approvalDeadline?.toISOString() ?? null,
    dispute: disputeInfo,
    commission: '0',
    resolution: null,
    paymentFailure: null,
    blocked: null,
    waitingFor: '',
    operatorAction: state === 'disputed' ? 'resolveDispute' : null,
  });

  type Actor = 'system' | 'client' | 'professional' | 'operator';
  /**
   * Records a step the deal has taken: search attribute and UI details follow, the job's timeline
   * says who and why. Steps taken by a party were already applied by their Update handler; this
   * never moves `state` itself, so a later Update that arrived meanwhile is not overwritten.
   */
  async function record(
    next: EscrowState,
    actor: Actor,
    actorId: string | null,
    reason: string,
    data: Record<string, unknown> = {},
  ) {
    upsertSearchAttributes({ ProcessStatus: [next] });
    setCurrentDetails(`**${next}** — ${reason}`);
    await marketplace.recordJobEvent({
      key: key(`job/${next}`),
      tenantId: input.tenantId,
      jobId: input.jobId,
      status: next as Exclude<EscrowState, 'refund_blocked' | 'payout_blocked' | 'payment_failed'>,
      actor,
      actorId,
      reason,
      data,
    });
  }
  /** A step the workflow itself takes (payment held, timeouts, payout): move, then record. */
  async function enter(
    next: EscrowState,
    actor: Actor,
    actorId: string | null,
    reason: string,
    data: Record<string, unknown> = {},
  ) {
    state = next;
    await record(next, actor, actorId, reason, data);
  }

  /** Tells both sides (in-app; by email where the recipient has one); a failing notification never blocks the money. */
  async function notifyBoth(event: string, variables: Record<string, unknown>) {
    for (const [role, userId] of [
      ['client', input.clientId],
      ['professional', input.professionalId],
    ] as const) {
      try {
        await notifications.notify({
          key: key(`notify/${event}/${role}`),
          tenantId: input.tenantId,
          event: event as never,
          recipient: { userId, ...(input.locale && { locale: input.locale }) },
          variables: { title: input.title, ...variables } as never,
          data: { offerId: input.offerId, jobId: input.jobId, paymentId },
        });
      } catch (err) {
        log.warn('notification failed; the deal goes on', { event, role, error: String(err) });
      }
    }
  }
  const money = (amount: bigint) => ({ amount: amount.toString(), currency: input.currency });

  setHandler(statusQuery, status);
  setHandler(paymentStatusChanged, (update) => {
    if (update.paymentId === paymentId) paymentStatus = update.status;
  });
  setHandler(
    markCompleted,
    ({ note }) => {
      completionNote = note;
      state = 'completed_by_professional';
      approvalDeadline = new Date(Date.now() + approvalWindowMs);
      return status();
    },
    {
      validator: ({ professionalId }) => {
        if (professionalId !== input.professionalId)
          throw refuse('Only the professional of this job can mark it completed', 'FORBIDDEN');
        if (state !== 'in_progress') throw refuse(`The job cannot be marked completed while it is ${state}`);
      },
    },
  );
  setHandler(
    approve,
    ({ clientId }) => {
      approvedBy = { actor: 'client', actorId: clientId };
      state = 'approved';
      return status();
    },
    {
      validator: ({ clientId }) => {
        if (clientId !== input.clientId)
          throw refuse('Only the client of this job can approve it', 'FORBIDDEN');
        if (state !== 'completed_by_professional')
          throw refuse(`The job cannot be approved while it is ${state}`);
      },
    },
  );
  setHandler(
    dispute,
    ({ clientId, reason, evidence }) => {
      disputeInfo = { reason, openedBy: clientId, evidence: evidence ?? [] };
      state = 'disputed';
      return status();
    },
    {
      validator: ({ clientId, reason }: { clientId: string; reason: string }) => {
        if (clientId !== input.clientId)
          throw refuse('Only the client of this job can dispute it', 'FORBIDDEN');
        if (state !== 'completed_by_professional')
          throw refuse(
            `A dispute can only be opened after completion, within the approval window; the job is ${state}`,
          );
        if (typeof reason !== 'string' || !reason.trim())
          throw refuse('A dispute needs a reason', 'VALIDATION_FAILED');
      },
    },
  );
  setHandler(
    resolveDispute,
    ({ operatorId, refund, payout, note }) => {
      resolution = { refund: BigInt(refund), payout: BigInt(payout), operatorId, note };
      return status();
    },
    {
      validator: ({ refund, payout, note }: { refund: string; payout: string; note: string }) => {
        if (state !== 'disputed' || resolution)
          throw refuse(`Only an open dispute can be resolved; the job is ${state}`);
        // Operators may type anything in the UI: check the shape before trusting it.
        if (
          typeof refund !== 'string' ||
          typeof payout !== 'string' ||
          !/^\d+$/.test(refund) ||
          !/^\d+$/.test(payout)
        )
          throw refuse('refund and payout are whole amounts in minor units', 'VALIDATION_FAILED');
        if (BigInt(refund) + BigInt(payout) !== held)
          throw refuse(
            `refund + payout must equal the held amount ${held} (got ${BigInt(refund) + BigInt(payout)})`,
            'VALIDATION_FAILED',
          );
        if (typeof note !== 'string' || !note.trim())
          throw refuse('A resolution needs a note', 'VALIDATION_FAILED');
      },
    },
  );
  setHandler(
    cancel,
    (c) => {
      cancellation = c;
      return status();
    },
    {
      validator: ({ by, actorId }) => {
        if (
          (by === 'client' && actorId !== input.clientId) ||
          (by === 'professional' && actorId !== input.professionalId)
        )
          throw refuse('Only the parties of this job can cancel it', 'FORBIDDEN');
        if ((state !== 'awaiting_payment' && state !== 'in_progress') || cancellation)
          throw refuse(`The job can no longer be cancelled: it is ${state}`);
      },
    },
  );

  upsertSearchAttributes({
    TenantId: [input.tenantId],
    BusinessKey: [input.offerId],
    ProcessStatus: [state],
  });
  setCurrentDetails(`**awaiting_payment** — ${input.amount} ${input.currency} for job ${input.jobId}`);

  // 1. Payment, within the payment window.
  const payment = await payments.createPaymentRequest({
    key: key('payment'),
    tenantId: input.tenantId,
    amount: input.amount,
    currency: input.currency,
    method: input.method,
    payerId: input.clientId,
    payeeId: input.professionalId,
    purpose: 'marketplace_job',
    reference: `offer:${input.offerId}`,
    escrow: true,
    workflowId,
  });
  paymentId = payment.id;
  checkoutUrl = payment.checkoutUrl;
  paymentStatus = payment.status;
  paymentDeadline = new Date(Date.now() + paymentWindowMs);
  const settled = () => paymentStatus === 'held' || paymentStatus === 'failed' || cancellation !== null;
  if (!settled()) await condition(settled, paymentWindowMs);
  if (paymentStatus !== 'held' && !cancellation) {
    // The window closed (or the payment failed): one last look, in case the signal was missed.
    paymentStatus = (await payments.getPaymentStatus({ tenantId: input.tenantId, paymentId })).status;
  }
  if (paymentStatus !== 'held' || cancellation) {
    const c = cancellation;
    if (paymentStatus === 'held') {
      // Paid, then cancelled before work began: give it all back.
      refunded = BigInt(
        (
          await payments.refund({
            key: key('refund'),
            tenantId: input.tenantId,
            paymentId,
            amount: input.amount,
          })
        ).refundedAmount,
      );
    }
    const reason = c
      ? `cancelled by the ${c.by}: ${c.reason}`
      : paymentStatus === 'failed'
        ? 'the payment failed'
        : 'the payment window ended without payment';
    await enter('cancelled', c ? c.by : 'system', c?.actorId ?? null, reason, { paymentStatus });
    await notifyBoth(
      c ? 'escrow.cancelled' : 'escrow.payment_expired',
      c ? { amount: money(refunded), reason: c.reason } : { amount: money(held) },
    );
    await condition(allHandlersFinished);
    return status();
  }
  paymentDeadline = null;

  // 2. Funds held: the job is in progress.
  await payments.holdInEscrow({ tenantId: input.tenantId, paymentId });
  await enter('in_progress', 'system', null, 'payment held in escrow', { paymentId });
  await notifyBoth('escrow.funded', { amount: money(held) });

  // 3. The professional completes, or a party cancels (full refund).
  await condition(() => state !== 'in_progress' || cancellation !== null);
  const c = cancellationRequest(); // read through a function: an Update set it while we waited
  if (c) {
    refunded = BigInt(
      (
        await payments.refund({
          key: key('refund'),
          tenantId: input.tenantId,
          paymentId,
          amount: input.amount,
        })
      ).refundedAmount,
    );
    await enter('cancelled', c.by, c.actorId, `cancelled by the ${c.by}: ${c.reason}`, {
      refunded: refunded.toString(),
    });
    await notifyBoth('escrow.cancelled', { amount: money(refunded), reason: c.reason });
    await condition(allHandlersFinished);
    return status();
  }
  await record(
    'completed_by_professional',
    'professional',
    input.professionalId,
    completionNote ?? 'marked completed',
  );
  await notifyBoth('escrow.completed', { amount: money(held) });

  // 4. The client approves or disputes within the window; silence approves.
  const remaining = Math.max(0, (approvalDeadline ?? new Date()).getTime() - Date.now());
  const decided = await condition(() => state !== 'completed_by_professional', remaining);
  if (!decided) approvedBy = { actor: 'system', actorId: null };
  approvalDeadline = null;

  let refund = 0n;
  let payout = held;
  if (state === 'disputed') {
    const reason = disputeInfo?.reason ?? '';
    await record('disputed', 'client', input.clientId, reason, {
      reason,
      evidence: disputeInfo?.evidence ?? [],
    });
    await notifyBoth('escrow.disputed', { amount: money(held), reason });
    // 5. An operator decides (Temporal UI or the admin endpoint).
    await condition(() => resolution !== null);
    refund = resolution!.refund;
    payout = resolution!.payout;
  } else {
    const a = approvedBy ?? { actor: 'system' as const, actorId: null };
    state = 'approved';
    await record(
      'approved',
      a.actor,
      a.actorId,
      a.actor === 'system' ? 'approved automatically: the approval window ended' : 'approved by the client',
    );
  }

  // 6. Money to its final place: refund where due, payout minus the snapshotted commission.
  if (refund > 0n) {
    refunded = BigInt(
      (
        await payments.refund({
          key: key('refund'),
          tenantId: input.tenantId,
          paymentId,
          amount: refund.toString(),
        })
      ).refundedAmount,
    );
  }
  if (payout > 0n) {
    await payments.releasePayout({
      key: key('payout'),
      tenantId: input.tenantId,
      paymentId,
      commissionBps: input.commissionBps,
      amount: payout.toString(),
    });
    paidOut = payout;
  }
  if (resolution) {
    await enter('resolved', 'operator', resolution.operatorId, resolution.note, {
      refund: refund.toString(),
      payout: payout.toString(),
    });
    await notifyBoth('escrow.resolved', { refund: money(refund), payout: money(payout) });
  } else {
    await enter('paid_out', 'system', null, 'paid out to the professional', {
      payout: payout.toString(),
      commissionBps: input.commissionBps,
    });
    await notifyBoth('escrow.released', { amount: money(payout) });
  }
  await condition(allHandlersFinished);
  return status();
}
