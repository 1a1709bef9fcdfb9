import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { formatMinor } from '@faena/platform/money';
import { identity } from '../identity/activities.ts';
import { processMetrics } from '../metrics.ts';
import type { TenantProfile } from '../identity/contract.ts';
import { payments, paymentsMoney } from '../payments/activities.ts';
import { paymentStatusChanged } from '../payments/contract.ts';
import { marketplace, notifications } from './activities.ts';
import {
  approve,
  cancel,
  dispute,
  markCompleted,
  resolveDispute,
  retry,
  statusQuery,
  type EscrowInput,
  type EscrowState,
  type EscrowStatus,
  type OperatorAction,
} from './contract.ts';
import { escrowV1 } from './v1.ts';

const THIRTY_MINUTES = 30 * 60 * 1000;
const SEVENTY_TWO_HOURS = 72 * 3600 * 1000;
const SEVEN_DAYS = 7 * 24 * 3600 * 1000;
/** A blocked money step is tried again by itself this often, besides an operator's `retry`. */
const BLOCKED_AUTO_RETRY = '1 hour';
/** How long an action's Update waits for the money it set in motion before answering the state it reached. */
const ANSWER_WITHIN = '20 seconds';
/**
 * The payout window of the escrow SLO: a payout that reaches the professional within this long of
 * the approval (or of an operator's resolution) is on time; a blocked payout is usually late.
 */
const PAYOUT_WINDOW_MS = 60 * 60 * 1000;
/** The permission an operator needs to act on a deal (resolve a dispute, retry a blocked step). */
const OPERATOR_PERMISSION = 'disputes.resolve';

/** Codes of payment refusals that are the client's or the provider's business answer, not an outage. */
const BUSINESS_REFUSALS = new Set([
  'INSUFFICIENT_BALANCE',
  'PAYMENT_REJECTED',
  'PROVIDER_REJECTED',
  'VALIDATION_FAILED',
  'NOT_FOUND',
]);

type RefusalCode = 'INVALID_STATE_TRANSITION' | 'FORBIDDEN' | 'VALIDATION_FAILED' | 'SERVICE_UNAVAILABLE';
const refuse = (message: string, code: RefusalCode = 'INVALID_STATE_TRANSITION') =>
  ApplicationFailure.create({ message, type: code, nonRetryable: true });

/** The typed code and message of an activity's failure (its ApplicationFailure's type, if any). */
function failureOf(err: unknown): { code: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure)
    return { code: cause.type ?? 'ACTIVITY_FAILED', message: cause.message };
  if (cause instanceof Error) return { code: cause.name, message: cause.message };
  return { code: 'ACTIVITY_FAILED', message: String(cause) };
}

/**
 * One marketplace deal, from the accepted offer to the money's final place. Deals started before
 * `escrow-v2` run the frozen first version (v1.ts) so their histories keep replaying.
 */
export async function escrow(input: EscrowInput): Promise<EscrowStatus> {
  if (!patched('escrow-v2')) return escrowV1(input);
  return escrowDeal(input);
}

/**
 * payment (window) → escrow → completion (Update) → approval, dispute or automatic approval
 * (window) → operator resolution → payout minus the snapshotted commission and/or refund.
 * Cancellation before completion refunds in full. Every money step carries a key derived from the
 * workflow id, so retries never move money twice. Nothing ends Failed: a payment that cannot be
 * taken ends `payment_failed`; a refund or payout that keeps failing waits in `refund_blocked` /
 * `payout_blocked` for an operator's `retry` (and tries again by itself every hour); a provider
 * payment that arrives after the deal ended is refunded.
 */
async function escrowDeal(input: EscrowInput): Promise<EscrowStatus> {
  const { workflowId } = workflowInfo();
  const key = (step: string) => `${workflowId}/${step}`;
  const paymentWindowMs = input.paymentWindowMs ?? THIRTY_MINUTES;
  const approvalWindowMs = input.approvalWindowMs ?? SEVENTY_TWO_HOURS;
  const lateMoneyWindowMs = input.lateMoneyWindowMs ?? SEVEN_DAYS;
  const held = BigInt(input.amount);
  const metrics = processMetrics();
  metrics.started();
  let payoutDueAt: number | null = null;
  let payoutLate = false;
  let concluded = false;
  /**
   * The deal's outcome for the process metrics, once: paid out (on time or late against the payout
   * window), compensated (cancelled or resolved with everything refunded: the money went back),
   * failed (the payment never happened).
   */
  const conclude = () => {
    if (concluded) return;
    concluded = true;
    if (state === 'payment_failed') metrics.outcome('failed');
    else if (paidOut > 0n) metrics.outcome(payoutLate ? 'late' : 'on_time');
    else metrics.outcome('compensated');
  };

  // Declared through `as` so the compiler does not narrow them to their first value: handlers change them.
  let state = 'awaiting_payment' as EscrowState;
  let paymentId: string | null = null;
  let checkoutUrl: string | null = null;
  let paymentStatus = null as string | null;
  let paymentDeadline: Date | null = null;
  let approvalDeadline: Date | null = null;
  let disputeInfo = null as EscrowStatus['dispute'];
  let resolution = null as {
    refund: bigint;
    payout: bigint;
    operatorId: string;
    operatorName: string;
    note: string;
  } | null;
  let resolving = false; // an operator's resolution is being verified
  let cancellation = null as { by: 'client' | 'professional'; actorId: string; reason: string } | null;
  const cancellationNow = () => cancellation; // read through a function: Updates set it while we wait
  let paymentFailure = null as EscrowStatus['paymentFailure'];
  let blocked = null as EscrowStatus['blocked'];
  let retryRequest = null as { operatorId: string; operatorName: string; note: string } | null;
  let retrying = false;
  let refunded = 0n;
  let paidOut = 0n;
  let commission = 0n;
  let completionNote: string | undefined;
  let approvedBy = null as { actor: 'client' | 'system'; actorId: string | null } | null;
  let lateRefunded = false;

  // How the deal reads to people: names and the tenant's money and time formats, once identity answers.
  let tenant: TenantProfile | null = null;
  const names: { client: string | null; professional: string | null } = {
    client: null,
    professional: input.professionalName ?? null,
  };
  const locale = () => input.locale ?? tenant?.locale ?? 'es-AR';
  const fmt = (minor: bigint | string) => formatMinor(minor, input.currency, locale());
  const when = (d: Date) => {
    const zone = tenant?.timeZone ?? 'UTC';
    try {
      return `${new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(d)} (${zone})`;
    } catch {
      return `${d.toISOString()} (UTC)`;
    }
  };
  const client = () => names.client ?? `client ${input.clientId}`;
  const professional = () => names.professional ?? `professional ${input.professionalId}`;

  const operatorAction = (): OperatorAction | null =>
    state === 'disputed' && !resolution
      ? 'resolveDispute'
      : state === 'refund_blocked' || state === 'payout_blocked'
        ? 'retry'
        : null;
  const waitingFor = (): string => {
    switch (state) {
      case 'awaiting_payment':
        return paymentDeadline
          ? `${client()} to pay ${fmt(held)} by ${when(paymentDeadline)}`
          : `the payment request for ${fmt(held)}`;
      case 'in_progress':
        return `${professional()} to mark the job completed (or a party to cancel it)`;
      case 'completed_by_professional':
        return approvalDeadline
          ? `${client()} to approve or dispute by ${when(approvalDeadline)}; silence approves`
          : `${client()} to approve or dispute`;
      case 'disputed':
        return resolution
          ? 'the resolution’s refund and payout'
          : `an operator: resolveDispute (refund + payout = ${fmt(held)})`;
      case 'approved':
      case 'resolved':
        return state === 'approved' && paidOut === 0n ? `the payout to ${professional()}` : '';
      case 'refund_blocked':
      case 'payout_blocked':
        return `an operator: retry (the ${blocked?.step ?? 'money'} step failed: ${blocked?.reason ?? 'unknown'})`;
      default:
        return paymentId && !lateRefunded && input.method !== 'wallet'
          ? 'nothing (a payment that still arrives is refunded)'
          : '';
    }
  };
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
    commission: commission.toString(),
    paymentDeadline: paymentDeadline?.toISOString() ?? null,
    approvalDeadline: approvalDeadline?.toISOString() ?? null,
    dispute: disputeInfo,
    resolution: resolution && {
      refund: resolution.refund.toString(),
      payout: resolution.payout.toString(),
      note: resolution.note,
      operatorId: resolution.operatorId,
      operatorName: resolution.operatorName,
    },
    paymentFailure,
    blocked,
    waitingFor: waitingFor(),
    operatorAction: operatorAction(),
  });

  /** The run's "Current details" in the Temporal UI: what a support person needs, in words. */
  function showDetails(reason?: string) {
    const action = operatorAction();
    const lines = [
      `**${state}**${reason ? ` — ${reason}` : ''}`,
      `${input.title}: ${client()} pays ${professional()} ${fmt(held)} (commission ${input.commissionBps / 100}%).`,
      ...(paidOut || commission
        ? [`Paid out ${fmt(paidOut)} to ${professional()}, commission ${fmt(commission)}.`]
        : []),
      ...(refunded ? [`Refunded ${fmt(refunded)} to ${client()}.`] : []),
      ...(paymentFailure ? [`Payment failed: ${paymentFailure.reason}.`] : []),
      `Waiting for: ${waitingFor() || 'nothing — the deal is over'}.`,
      action ? `Operator action: ${action}.` : 'Operator action: none.',
    ];
    setCurrentDetails(lines.join('\n\n'));
  }

  type Actor = 'system' | 'client' | 'professional' | 'operator';
  /**
   * Records a step the deal has taken: search attribute and UI details follow, the job's timeline
   * says who and why. Never moves `state` itself, so an Update that arrived meanwhile is kept.
   * `jobStatus` is what the job shows (a blocked step leaves the job where it was).
   */
  async function record(
    next: EscrowState,
    actor: Actor,
    actorId: string | null,
    reason: string,
    data: Record<string, unknown> = {},
    opts: { jobStatus?: Parameters<typeof marketplace.recordJobEvent>[0]['status']; step?: string } = {},
  ) {
    upsertSearchAttributes({ ProcessStatus: [next] });
    showDetails(reason);
    try {
      await marketplace.recordJobEvent({
        key: key(`job/${opts.step ?? next}`),
        tenantId: input.tenantId,
        jobId: input.jobId,
        status: opts.jobStatus ?? (next as Exclude<EscrowState, 'refund_blocked' | 'payout_blocked'>),
        actor,
        actorId,
        reason,
        data,
        workflowId,
      });
    } catch (err) {
      // The job row is the marketplace's projection of the deal (retried without limit through
      // outages); a refusal (no such job) must not stop the money, which the deal itself tracks.
      log.error('the job could not record a step; the deal goes on', { step: next, error: String(err) });
    }
  }
  /** A step the workflow itself takes: move, then record. */
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
  async function notifyBoth(
    event: string,
    variables: Record<string, unknown>,
    who: ReadonlyArray<'client' | 'professional'> = ['client', 'professional'],
  ) {
    for (const role of who) {
      const userId = role === 'client' ? input.clientId : input.professionalId;
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

  /** An operator acting on the deal must be a user of the tenant holding the operator permission. */
  async function verifyOperator(operatorId: string): Promise<{ id: string; name: string }> {
    try {
      return await identity.verifyOperator({
        tenantId: input.tenantId,
        userId: operatorId,
        permission: OPERATOR_PERMISSION,
      });
    } catch (err) {
      const f = failureOf(err);
      if (f.code === 'NOT_FOUND' || f.code === 'FORBIDDEN')
        throw refuse(
          `operatorId ${operatorId} is not a user of this business holding ${OPERATOR_PERMISSION}`,
          'FORBIDDEN',
        );
      throw refuse('identity could not confirm the operator right now; try again', 'SERVICE_UNAVAILABLE');
    }
  }

  /**
   * Runs a money step (refund or payout) until it succeeds. Activity retries cover outages; what
   * they do not clear — a provider refusing our credentials, retries exhausted — parks the deal in
   * `<step>_blocked` with the reason, notifies both parties that it is delayed, and waits for an
   * operator's `retry` (or an hour), then runs the same step with the same key again.
   */
  async function moneyStep<T>(step: 'refund' | 'payout', run: () => Promise<T>): Promise<T> {
    const resumeState = state;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await run();
        if (blocked) {
          blocked = null;
          state = resumeState;
          await record(
            resumeState,
            'system',
            null,
            `the ${step} went through after ${attempt} tries`,
            {},
            {
              jobStatus: jobStatusOf(resumeState),
              step: `${step}-unblocked`,
            },
          );
        }
        return result;
      } catch (err) {
        const f = failureOf(err);
        const first = !blocked;
        blocked = {
          step,
          reason: `${f.code}: ${f.message}`,
          since: blocked?.since ?? new Date().toISOString(),
          attempts: attempt,
        };
        state = step === 'refund' ? 'refund_blocked' : 'payout_blocked';
        if (first) {
          metrics.outcome('waiting_operator');
          await record(
            state,
            'system',
            null,
            `the ${step} is blocked: ${f.message}`,
            { code: f.code },
            {
              jobStatus: jobStatusOf(resumeState),
              step: `${step}-blocked`,
            },
          );
          await notifyBoth('escrow.delayed', {});
        } else showDetails(`the ${step} is still blocked: ${f.message}`);
        await condition(() => retryRequest !== null, BLOCKED_AUTO_RETRY);
        const r = retryRequest;
        retryRequest = null;
        retrying = false;
        if (r)
          await marketplace.recordJobEvent({
            key: key(`job/${step}-retry/${attempt}`),
            tenantId: input.tenantId,
            jobId: input.jobId,
            status: jobStatusOf(resumeState),
            actor: 'operator',
            actorId: r.operatorId,
            reason: `${r.operatorName} retried the ${step}${r.note ? `: ${r.note}` : ''}`,
            data: { operatorName: r.operatorName },
            workflowId,
          });
      }
    }
  }
  const jobStatusOf = (s: EscrowState) => (s === 'refund_blocked' || s === 'payout_blocked' ? 'approved' : s);

  async function doRefund(amount: bigint, step = 'refund'): Promise<void> {
    const result = await moneyStep('refund', () =>
      paymentsMoney.refund({
        key: key(step),
        tenantId: input.tenantId,
        paymentId: paymentId!,
        amount: amount.toString(),
      }),
    );
    refunded = BigInt(result.refundedAmount); // what the payment has given back in all
  }
  async function doPayout(amount: bigint): Promise<void> {
    const result = await moneyStep('payout', () =>
      paymentsMoney.releasePayout({
        key: key('payout'),
        tenantId: input.tenantId,
        paymentId: paymentId!,
        commissionBps: input.commissionBps,
        amount: amount.toString(),
      }),
    );
    paidOut = BigInt(result.payout.net);
    commission = BigInt(result.payout.commission);
    payoutLate = payoutDueAt !== null && Date.now() - payoutDueAt > PAYOUT_WINDOW_MS;
  }

  // ---- messages -------------------------------------------------------------------------------
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
      showDetails('marked completed by the professional');
      return status();
    },
    {
      validator: ({ professionalId }) => {
        if (professionalId !== input.professionalId)
          throw refuse('Only the professional of this job can mark it completed', 'FORBIDDEN');
        if (state !== 'in_progress' || cancellation)
          throw refuse(`The job cannot be marked completed while it is ${state}`);
      },
    },
  );
  setHandler(
    approve,
    async ({ clientId }) => {
      approvedBy = { actor: 'client', actorId: clientId };
      state = 'approved';
      showDetails('approved by the client');
      // Answer with the payout done (or blocked), not with a promise of it.
      await condition(() => state !== 'approved' || paidOut > 0n, ANSWER_WITHIN);
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
      showDetails(`disputed by the client: ${reason}`);
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
    async ({ operatorId, refund, payout, note }) => {
      resolving = true;
      try {
        const operator = await verifyOperator(operatorId);
        resolution = {
          refund: BigInt(refund),
          payout: BigInt(payout),
          operatorId,
          operatorName: operator.name,
          note,
        };
        showDetails(
          `resolved by ${operator.name}: refund ${fmt(resolution.refund)}, payout ${fmt(resolution.payout)}`,
        );
      } finally {
        resolving = false;
      }
      await condition(() => state !== 'disputed', ANSWER_WITHIN);
      return status();
    },
    {
      validator: ({ operatorId, refund, payout, note }) => {
        if (state !== 'disputed' || resolution || resolving)
          throw refuse(`Only an open dispute can be resolved; the job is ${state}`);
        // Operators may type anything in the UI: check the shape before trusting it.
        if (typeof operatorId !== 'string' || !/^[0-9a-f-]{36}$/i.test(operatorId))
          throw refuse('operatorId is the operator’s user id (a UUID)', 'VALIDATION_FAILED');
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
    retry,
    async ({ operatorId, note }) => {
      retrying = true;
      let operator: { id: string; name: string };
      try {
        operator = await verifyOperator(operatorId);
      } catch (err) {
        retrying = false;
        throw err;
      }
      const before = blocked?.attempts ?? 0;
      retryRequest = { operatorId, operatorName: operator.name, note: note ?? '' };
      await condition(() => !blocked || blocked.attempts > before, ANSWER_WITHIN);
      return status();
    },
    {
      validator: ({ operatorId }) => {
        if (state !== 'refund_blocked' && state !== 'payout_blocked')
          throw refuse(`Only a blocked refund or payout can be retried; the deal is ${state}`);
        if (retrying || retryRequest) throw refuse('A retry is already under way');
        if (typeof operatorId !== 'string' || !/^[0-9a-f-]{36}$/i.test(operatorId))
          throw refuse('operatorId is the operator’s user id (a UUID)', 'VALIDATION_FAILED');
      },
    },
  );
  setHandler(
    cancel,
    (c) => {
      cancellation = c;
      showDetails(`cancellation asked by the ${c.by}: ${c.reason}`);
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
  showDetails('offer accepted');
  // Names and formats for people, in the background: the money never waits for them.
  void Promise.all([
    identity.describeTenant({ tenantId: input.tenantId }).then((t) => (tenant = t)),
    identity
      .describeUser({ tenantId: input.tenantId, userId: input.clientId })
      .then((u) => (names.client = u.name)),
    ...(names.professional
      ? []
      : [
          identity
            .describeUser({ tenantId: input.tenantId, userId: input.professionalId })
            .then((u) => (names.professional = u.name)),
        ]),
  ])
    .catch((err: unknown) => log.warn('identity lookups failed; the view shows ids', { error: String(err) }))
    .finally(() => showDetails());

  /** The deal ends without money held: say why, tell both sides, let the client pay again another way. */
  async function failPayment(code: string, reason: string) {
    paymentFailure = { code, reason };
    paymentDeadline = null;
    await enter('payment_failed', 'system', null, `the payment failed: ${reason}`, { code, paymentId });
    await notifyBoth('escrow.payment_failed', { amount: money(held), reason });
  }

  /**
   * After a deal ended without the payment: a provider payment may still be approved (a late
   * approval, a payment made after the window). Watch it for `lateMoneyWindowMs` and refund what
   * arrives, on the deal's timeline.
   */
  async function returnLateMoney() {
    conclude(); // the deal is over; the watch for late money that may follow is not its duration
    if (!paymentId || input.method === 'wallet' || paymentStatus === 'failed') return;
    const arrived = await condition(() => paymentStatus === 'held', lateMoneyWindowMs);
    if (!arrived) {
      paymentStatus = (await payments.getPaymentStatus({ tenantId: input.tenantId, paymentId })).status;
      if (paymentStatus !== 'held') return;
    }
    const finalState = state;
    await doRefund(held, 'late-refund');
    state = finalState;
    lateRefunded = true;
    await record(
      finalState,
      'system',
      null,
      'a payment arrived after the deal ended and was refunded in full',
      {
        refunded: refunded.toString(),
      },
      { step: 'late-refund' },
    );
    await notifyBoth('escrow.late_refund', { amount: money(held) }, ['client']);
  }

  async function finish(): Promise<EscrowStatus> {
    conclude();
    showDetails();
    await condition(allHandlersFinished);
    return status();
  }

  // ---- 1. Payment, within the payment window ----------------------------------------------------
  let requested;
  try {
    requested = await paymentsMoney.createPaymentRequest({
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
  } catch (err) {
    const f = failureOf(err);
    await failPayment(
      f.code,
      f.code === 'INSUFFICIENT_BALANCE'
        ? 'the wallet does not hold enough'
        : BUSINESS_REFUSALS.has(f.code)
          ? f.message
          : `the payment provider could not be reached (${f.message})`,
    );
    return finish();
  }
  paymentId = requested.id;
  checkoutUrl = requested.checkoutUrl;
  // A signal may have arrived while the request ran: keep the furthest news.
  if (paymentStatus !== 'held' && paymentStatus !== 'failed') paymentStatus = requested.status;
  paymentDeadline = new Date(Date.now() + paymentWindowMs);
  showDetails('payment requested');
  const settled = () => paymentStatus === 'held' || paymentStatus === 'failed' || cancellation !== null;
  if (!settled()) await condition(settled, paymentWindowMs);
  if (paymentStatus !== 'held' && !cancellation) {
    // The window closed (or the payment failed): one last look, in case the signal was missed.
    paymentStatus = (await payments.getPaymentStatus({ tenantId: input.tenantId, paymentId })).status;
  }
  paymentDeadline = null;
  if (paymentStatus !== 'held' || cancellation) {
    const c = cancellationNow();
    if (paymentStatus === 'held') {
      await doRefund(held); // paid, then cancelled before work began: all of it back
      await enter('cancelled', c!.by, c!.actorId, `cancelled by the ${c!.by}: ${c!.reason}`, {
        refunded: refunded.toString(),
      });
      await notifyBoth('escrow.cancelled', { amount: money(refunded), reason: c!.reason });
    } else if (c) {
      await enter('cancelled', c.by, c.actorId, `cancelled by the ${c.by}: ${c.reason}`, { paymentStatus });
      await notifyBoth('escrow.cancelled', { amount: money(0n), reason: c.reason });
      await returnLateMoney();
    } else {
      await failPayment(
        paymentStatus === 'failed' ? 'PAYMENT_REJECTED' : 'PAYMENT_WINDOW_ENDED',
        paymentStatus === 'failed' ? 'the payment was declined' : 'the payment window ended without payment',
      );
      await returnLateMoney();
    }
    return finish();
  }

  // ---- 2. Funds held: the job is in progress ----------------------------------------------------
  await payments.holdInEscrow({ tenantId: input.tenantId, paymentId });
  await enter('in_progress', 'system', null, 'payment held in escrow', { paymentId });
  await notifyBoth('escrow.funded', { amount: money(held) });

  // ---- 3. The professional completes, or a party cancels (full refund) ---------------------------
  await condition(() => state !== 'in_progress' || cancellation !== null);
  const c = cancellationNow();
  if (c) {
    await doRefund(held);
    await enter('cancelled', c.by, c.actorId, `cancelled by the ${c.by}: ${c.reason}`, {
      refunded: refunded.toString(),
    });
    await notifyBoth('escrow.cancelled', { amount: money(refunded), reason: c.reason });
    return finish();
  }
  await record(
    'completed_by_professional',
    'professional',
    input.professionalId,
    completionNote ?? 'marked completed',
  );
  await notifyBoth('escrow.completed', { amount: money(held) });

  // ---- 4. The client approves or disputes within the window; silence approves --------------------
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
    // ---- 5. An operator decides (Temporal UI or the admin endpoint) ------------------------------
    await condition(() => resolution !== null);
    refund = resolution!.refund;
    payout = resolution!.payout;
    showDetails(`resolved by ${resolution!.operatorName}: refund ${fmt(refund)}, payout ${fmt(payout)}`);
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

  // ---- 6. Money to its final place: refund where due, payout minus the snapshotted commission -----
  payoutDueAt = Date.now();
  if (refund > 0n) await doRefund(refund);
  if (payout > 0n) await doPayout(payout);
  if (resolution) {
    await enter('resolved', 'operator', resolution.operatorId, resolution.note, {
      refund: refunded.toString(),
      payout: paidOut.toString(),
      gross: payout.toString(),
      commission: commission.toString(),
      operatorName: resolution.operatorName,
    });
    await notifyBoth('escrow.resolved', { refund: money(refunded), payout: money(paidOut) });
  } else {
    await enter(
      'paid_out',
      'system',
      null,
      `paid out ${fmt(paidOut)} to ${professional()} (commission ${fmt(commission)})`,
      {
        payout: paidOut.toString(),
        gross: payout.toString(),
        commission: commission.toString(),
        commissionBps: input.commissionBps,
      },
    );
    await notifyBoth('escrow.released', { amount: money(paidOut) });
  }
  return finish();
}
