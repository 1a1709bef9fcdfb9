import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { formatMinor } from '@faena/platform/money';
import { processMetrics } from '../metrics.ts';
import { notifications } from '../escrow/activities.ts';
import { identity } from '../identity/activities.ts';
import { paymentsMoney } from '../payments/activities.ts';
import { paymentStatusChanged } from '../payments/contract.ts';
import type { ProcessEvent, ProcessEventVariables } from '../notifications/contract.ts';
import { addDays, dayIn, prorate, zonedInstant } from './calendar.ts';
import {
  RENEWAL_OPERATOR_PERMISSION,
  cancelAtPeriodEnd,
  changePlan,
  pauseRenewal,
  renewalChargeKey,
  renewalStatusQuery,
  resumeRenewal,
  retryRefund,
  type RenewalInput,
  type RenewalItem,
  type RenewalSellerActivities,
  type RenewalState,
  type RenewalStatus,
} from './contract.ts';

/** The reminder goes out at this hour of its day, the charge at the start of the renewal date (seller's zone). */
const REMINDER_HOUR = 9;
const CHARGE_HOUR = 0;
const DEFAULT_REMINDER_DAYS = 3;
/** Dunning: the declined charge is tried again this many days after the renewal date (3 tries in all). */
const DEFAULT_RETRY_DAYS = [1, 3];
/** A charge that could not even be asked (payments down past the activity's retries) is asked again this often; it is no dunning try. */
const OUTAGE_RETRY = '1 hour';
/** A pending refund is tried again by itself this often, besides an operator's `retryRefund`. */
const REFUND_AUTO_RETRY = '1 hour';
/** An operator's `retryRefund` answers once the refund went through or failed again, within this. */
const ANSWER_WITHIN = '20 seconds';
/** Runs that reached a failed refund before this ended `cancelled` at once (metric `waiting_operator`). */
const REFUND_PENDING_PATCH = 'renewal-refund-pending';
/** Provider charges (SaaS plans: checkouts, suspension, reactivation); no earlier run had `input.charge`. */
const PROVIDER_CHARGES_PATCH = 'renewal-provider-charges';
/** A waiting provider payment is read again this often (a lost `paymentStatusChanged` signal); suspended: daily. */
const PAYMENT_POLL_MS = 3_600_000;
const SUSPENDED_POLL_MS = 86_400_000;
/** The last try's checkout stays open this long before the subscription is suspended. */
const LAST_TRY_WINDOW_MS = 86_400_000;
/** A suspended subscription nobody pays ends (`expired`) after this. */
const SUSPENDED_FOR_MS = 180 * 86_400_000;

/** Refusals that are the payer's answer (dunning retries them), not an outage. */
const DECLINES = new Set([
  'INSUFFICIENT_BALANCE',
  'PAYMENT_REJECTED',
  'PROVIDER_REJECTED',
  'PAYER_AUTHORIZATION_REQUIRED',
  'CURRENCY_MISMATCH',
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'FORBIDDEN',
]);

type RefusalCode =
  | 'INVALID_STATE_TRANSITION'
  | 'PRICE_CHANGED'
  | 'VALIDATION_FAILED'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'SERVICE_UNAVAILABLE';
const refuse = (message: string, code: RefusalCode = 'INVALID_STATE_TRANSITION') =>
  ApplicationFailure.create({ message, type: code, nonRetryable: true });

function failureOf(err: unknown): { code: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure)
    return { code: cause.type ?? 'ACTIVITY_FAILED', message: cause.message };
  if (cause instanceof Error) return { code: cause.name, message: cause.message };
  return { code: 'ACTIVITY_FAILED', message: String(cause) };
}

/**
 * One renewable subscription's cycle: remind `reminderDays` before the renewal date, charge the
 * payer's wallet on it (key `renewal:<id>:<cycle>`: a retry or a duplicate never charges twice),
 * retry a declined charge on the dunning days (each decline notified), then either extend the
 * subscription for the next period and continue as new, or expire it. Updates pause / resume
 * (through the seller's own rules), cancel at period end and change the plan (pro-rated). A business
 * failure is a state (`past_due`, `expired`), never a failed workflow.
 */
export async function renewal(input: RenewalInput): Promise<RenewalStatus> {
  const { workflowId } = workflowInfo();
  const metrics = processMetrics();
  metrics.started();
  const sellerOptions = {
    taskQueue: input.seller.taskQueue,
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
  } as const;
  const seller = proxyActivities<RenewalSellerActivities>(sellerOptions);
  /** Sellers of provider charges only (SaaS plans). */
  const suspender =
    proxyActivities<Required<Pick<RenewalSellerActivities, 'renewalSuspended' | 'renewalPastDue'>>>(
      sellerOptions,
    );
  const retryDays = input.retryDays ?? DEFAULT_RETRY_DAYS;
  const reminderDays = input.reminderDays ?? DEFAULT_REMINDER_DAYS;
  const zone = input.timeZone;
  const locale = input.locale ?? 'es-AR';
  const today = () => dayIn(Date.now(), zone);

  let state = 'active' as RenewalState;
  let item: RenewalItem = input.item;
  let periodStart = input.periodStart;
  let periodEnd = input.periodEnd;
  let credit = BigInt(input.credit ?? '0');
  let cancelling = input.cancelAtPeriodEnd ?? false;
  let attempts = 0;
  let lastFailure = null as RenewalStatus['lastFailure'];
  let lastPlanChange = null as RenewalStatus['lastPlanChange'];
  let paymentId = null as string | null;
  let planChanges = 0;
  let charged = false;
  /** A refund that failed and waits for an operator (or the hourly retry). */
  let refund = null as RenewalStatus['refund'];
  let retryRequest = null as { operatorId: string; operatorName: string; note: string } | null;
  let retrying = false; // an operator's retry is being verified or run
  /** Provider charges: the payment waiting for the payer (its checkout link), and whether the chain was suspended. */
  const open = { id: null as string | null, status: 'none', checkoutUrl: null as string | null };
  let suspended = false;
  const subscriptionEvents = input.events === 'subscription';
  /** The day the next charge is tried: the renewal date, then the dunning days after it. */
  const dayOfTry = () =>
    attempts === 0 ? periodEnd : addDays(periodEnd, retryDays[Math.min(attempts, retryDays.length) - 1]!);
  const final = () => state === 'cancelled' || state === 'expired' || state === 'ended';
  const nextChargeAt = () => (final() || charged ? null : zonedInstant(dayOfTry(), CHARGE_HOUR, zone));
  /** Bumped by every Update that moves a date or the decision: the waits below recompute their deadline. */
  let version = 0;
  let busy = false; // an Update is talking to the seller or payments: one at a time

  const nextCharge = () => {
    const due = BigInt(item.amount) - credit;
    return due > 0n ? due : 0n;
  };
  const fmt = (minor: bigint | string) => formatMinor(minor, item.currency, locale);
  const date = (day: string) => {
    try {
      return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(
        new Date(`${day}T00:00:00Z`),
      );
    } catch {
      return day;
    }
  };
  const who = input.subscriberName ?? input.payer.name;
  const summary = (): string => {
    const head = `${input.seller.name} · ${who} · ${item.planName} · ${fmt(nextCharge())}`;
    switch (state) {
      case 'active':
        return cancelling
          ? `${head} · ends ${date(periodEnd)} (${zone}), cancelled at period end`
          : `${head} · renews ${date(periodEnd)} (${zone})`;
      case 'past_due':
        return `${head} · past due since ${date(periodEnd)}, try ${attempts + 1} of ${retryDays.length + 1} on ${date(dayOfTry())} (${zone})`;
      case 'cancelled':
        return `${head} · cancelled, ended ${date(periodEnd)} (${zone})`;
      case 'expired':
        return `${head} · expired unpaid on ${date(periodEnd)} (${zone})`;
      case 'ended':
        return `${head} · no longer renews`;
      case 'suspended':
        return `${head} · suspended since ${date(dayOfTry())} (${zone}): every try went unpaid; paying the open checkout reactivates it`;
      case 'refund_pending':
        return `${head} · charged ${fmt(refund?.amount ?? '0')} for ${date(periodEnd)} but the next period could not be given: refund pending since ${refund?.since.slice(0, 10) ?? '?'} (${zone}), ${refund?.attempts ?? 0} tries; an operator: retryRefund`;
    }
  };
  const status = (): RenewalStatus => ({
    state,
    subscriptionId: input.subscriptionId,
    cycle: input.cycle,
    plan: { id: item.planId, name: item.planName },
    amount: item.amount,
    currency: item.currency,
    nextCharge: nextCharge().toString(),
    credit: credit.toString(),
    periodStart,
    periodEnd,
    nextChargeAt: ((at) => (at === null ? null : new Date(at).toISOString()))(nextChargeAt()),
    cancelAtPeriodEnd: cancelling,
    lastPlanChange,
    attempts,
    lastFailure,
    paymentId,
    refund,
    ...(input.charge && { checkoutUrl: open.status === 'pending' ? open.checkoutUrl : null }),
    operatorAction: state === 'refund_pending' ? 'retryRefund' : null,
    summary: summary(),
  });
  const show = (reason?: string) => {
    upsertSearchAttributes({ ProcessStatus: [state] });
    setCurrentDetails(
      [
        `**${state}**${reason ? ` — ${reason}` : ''}`,
        summary(),
        `Cycle ${input.cycle}: period ${periodStart} → ${periodEnd}; payer ${input.payer.name} (${input.payer.userId}).`,
        ...(lastFailure ? [`Last charge refused: ${lastFailure.code} — ${lastFailure.reason}.`] : []),
        ...(state === 'refund_pending' && refund
          ? [
              `Refund owed: ${fmt(refund.amount)} of payment ${refund.paymentId} to ${input.payer.name}; last error: ${refund.reason}.`,
              `Operator action: retryRefund (a user holding ${RENEWAL_OPERATOR_PERMISSION}; same idempotency key, never refunds twice), or wait: it retries every hour.`,
            ]
          : []),
      ].join('\n\n'),
    );
  };

  async function notify<E extends ProcessEvent>(
    event: E,
    step: string,
    variables: Omit<ProcessEventVariables[E], 'name' | 'planName'>,
  ) {
    try {
      await notifications.notify({
        key: `${workflowId}/${input.cycle}/notify/${step}`,
        tenantId: input.tenantId,
        event,
        recipient: { userId: input.payer.userId, ...(input.locale && { locale: input.locale }) },
        variables: { name: who, planName: item.planName, ...variables } as ProcessEventVariables[E],
        data: { subscriptionId: input.subscriptionId, cycle: input.cycle, paymentId },
      });
    } catch (err) {
      log.warn('notification failed; the renewal goes on', { event, error: String(err) });
    }
  }
  const money = (amount: bigint | string) => ({ amount: amount.toString(), currency: item.currency });

  const mayChange = () => {
    if (state !== 'active') throw refuse(`The renewal is ${state}`);
    if (busy) throw refuse('Another change of this subscription is being applied; try again', 'CONFLICT');
  };
  /** Runs one Update's work alone; refusals of the seller come back as the Update's failure. */
  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    busy = true;
    try {
      return await fn();
    } catch (err) {
      const f = failureOf(err);
      throw ApplicationFailure.create({ message: f.message, type: f.code, nonRetryable: true });
    } finally {
      busy = false;
      version++;
    }
  }

  setHandler(renewalStatusQuery, status);

  setHandler(paymentStatusChanged, ({ paymentId: id, status: s }) => {
    if (id === open.id) open.status = s;
  });
  setHandler(
    pauseRenewal,
    async ({ startsOn, days, actorId }) =>
      exclusive(async () => {
        const r = await seller.renewalPause({
          tenantId: input.tenantId,
          subscriptionId: input.subscriptionId,
          startsOn,
          days,
          today: today(),
          actorId,
        });
        periodEnd = r.periodEnd;
        show(`paused ${days} days from ${startsOn}`);
        return status();
      }),
    {
      validator: ({ days }) => {
        mayChange();
        if (!Number.isInteger(days) || days < 1)
          throw refuse('days must be a positive integer', 'VALIDATION_FAILED');
      },
    },
  );
  setHandler(
    resumeRenewal,
    async ({ actorId }) =>
      exclusive(async () => {
        const r = await seller.renewalResume({
          tenantId: input.tenantId,
          subscriptionId: input.subscriptionId,
          today: today(),
          actorId,
        });
        periodEnd = r.periodEnd;
        show('resumed');
        return status();
      }),
    { validator: (_request) => mayChange() },
  );
  setHandler(
    cancelAtPeriodEnd,
    ({ cancel }) => {
      cancelling = cancel;
      version++;
      show(cancel ? 'cancelled at period end' : 'renews again');
      return status();
    },
    {
      validator: (_request) => {
        if (state !== 'active' && state !== 'past_due') throw refuse(`The renewal is ${state}`);
      },
    },
  );
  setHandler(
    changePlan,
    async ({ actorId, plan, expectedCharge, expectedCredit }) =>
      exclusive(async () => {
        const quote = prorate(item, plan, { periodStart, periodEnd }, today());
        if (
          expectedCharge !== undefined &&
          (quote.charge !== expectedCharge || quote.credit !== expectedCredit)
        )
          throw refuse(
            `The change now costs ${fmt(quote.charge)} (credit ${fmt(quote.credit)}); preview it again`,
            'PRICE_CHANGED',
          );
        const n = ++planChanges;
        let changePayment: string | null = null;
        // Provider charges (SaaS plans): nothing is asked now; the difference for the days left is
        // owed and comes with the next renewal's checkout (a negative credit), as invoices do.
        if (input.charge) credit -= BigInt(quote.charge);
        else if (BigInt(quote.charge) > 0n) {
          const p = await paymentsMoney.createPaymentRequest({
            key: renewalChargeKey(input.subscriptionId, input.cycle, `change-${n}`),
            tenantId: input.tenantId,
            amount: quote.charge,
            currency: item.currency,
            method: 'wallet',
            payerId: input.payer.userId,
            purpose: input.seller.purpose,
            reference: `${input.subscriptionId}:${input.cycle}:change-${n}`,
            branchId: input.branchId ?? null,
          });
          changePayment = p.id;
        }
        await seller.renewalChangePlan({
          key: `${workflowId}/${input.cycle}/change-${n}`,
          tenantId: input.tenantId,
          subscriptionId: input.subscriptionId,
          item: plan,
          paymentId: changePayment,
          actorId,
        });
        lastPlanChange = {
          from: item.planId,
          to: plan.planId,
          charged: quote.charge,
          credited: quote.credit,
        };
        credit += BigInt(quote.credit);
        item = plan;
        show(`plan changed to ${plan.planName}`);
        return status();
      }),
    {
      validator: ({ plan }: { plan: RenewalItem }) => {
        mayChange();
        if (plan.currency !== item.currency)
          throw refuse('The new plan is priced in another currency', 'VALIDATION_FAILED');
        if (plan.planId === item.planId) throw refuse('That is the current plan', 'VALIDATION_FAILED');
      },
    },
  );

  /** An operator acting on the renewal must be a user of the tenant holding the operator permission. */
  async function verifyOperator(operatorId: string): Promise<{ id: string; name: string }> {
    try {
      return await identity.verifyOperator({
        tenantId: input.tenantId,
        userId: operatorId,
        permission: RENEWAL_OPERATOR_PERMISSION,
      });
    } catch (err) {
      const f = failureOf(err);
      if (f.code === 'NOT_FOUND' || f.code === 'FORBIDDEN')
        throw refuse(
          `operatorId ${operatorId} is not a user of this business holding ${RENEWAL_OPERATOR_PERMISSION}`,
          'FORBIDDEN',
        );
      throw refuse('identity could not confirm the operator right now; try again', 'SERVICE_UNAVAILABLE');
    }
  }
  setHandler(
    retryRefund,
    async ({ operatorId, note }) => {
      retrying = true;
      let operator: { id: string; name: string };
      try {
        operator = await verifyOperator(operatorId);
      } catch (err) {
        retrying = false;
        throw err;
      }
      const before = refund?.attempts ?? 0;
      retryRequest = { operatorId, operatorName: operator.name, note: note ?? '' };
      await condition(() => state !== 'refund_pending' || (refund?.attempts ?? 0) > before, ANSWER_WITHIN);
      return status();
    },
    {
      validator: ({ operatorId }) => {
        if (state !== 'refund_pending')
          throw refuse(`Only a pending refund can be retried; the renewal is ${state}`);
        if (retrying || retryRequest) throw refuse('A retry is already under way', 'CONFLICT');
        if (typeof operatorId !== 'string' || !/^[0-9a-f-]{36}$/i.test(operatorId))
          throw refuse('operatorId is the operator’s user id (a UUID)', 'VALIDATION_FAILED');
      },
    },
  );

  /** Waits until `at()` (recomputed whenever an Update bumps `version`) or `stop()`; true when the time came. */
  async function waitUntil(at: () => number, stop: () => boolean): Promise<boolean> {
    for (;;) {
      if (stop()) return false;
      const ms = at() - Date.now();
      if (ms <= 0) return true;
      const seen = version;
      await condition(() => version !== seen || stop(), ms);
    }
  }
  async function finish(end: RenewalState, reason: string): Promise<RenewalStatus> {
    state = end;
    if (end === 'expired' || end === 'cancelled')
      try {
        await seller.renewalEnded({
          tenantId: input.tenantId,
          subscriptionId: input.subscriptionId,
          cycle: input.cycle,
          state: end,
          reason,
        });
      } catch (err) {
        // The seller refused to record it (the subscription is gone): the chain is over all the same.
        log.error('the seller could not record the end of the renewal', { error: String(err) });
      }
    show(reason);
    await condition(allHandlersFinished);
    return status();
  }

  /**
   * Provider charges (SaaS plans): each try is a checkout (key `renewal:<id>:<cycle>[:try-<n>]`,
   * `workflowId` set, so payments signals `paymentStatusChanged`) the payer is told about; one
   * payment is open at a time (a new one only after a rejection). A try unpaid by the next try day
   * is a dunning try (`subscription.payment_failed`, with the link); the last one unpaid suspends the
   * subscription at the seller and the chain waits `suspended` for the payment, which reactivates
   * it (step 3). Answers the final status when the chain ends here, null once paid.
   */
  async function providerCharges(pay: NonNullable<RenewalInput['charge']>): Promise<RenewalStatus | null> {
    const settled = () => open.id !== null && open.status !== 'pending';
    /** Creates the try's payment; a refusal counts as a rejected one, an outage is asked again later. */
    const ask = async (step: string | undefined): Promise<void> => {
      for (;;)
        try {
          const p = await paymentsMoney.createPaymentRequest({
            key: renewalChargeKey(input.subscriptionId, input.cycle, step),
            tenantId: pay.tenantId,
            amount: nextCharge().toString(),
            currency: item.currency,
            method: pay.method,
            payerId: input.payer.userId,
            purpose: input.seller.purpose,
            reference: `${input.subscriptionId}:${input.cycle}${step ? `:${step}` : ''}`,
            branchId: null,
            workflowId,
          });
          Object.assign(open, { id: p.id, status: p.status, checkoutUrl: p.checkoutUrl });
          paymentId = p.id;
          return;
        } catch (err) {
          const f = failureOf(err);
          lastFailure = { code: f.code, reason: f.message };
          if (DECLINES.has(f.code)) return void Object.assign(open, { id: null, status: 'failed' });
          show(`payments unavailable: ${f.message}`);
          await condition(() => false, OUTAGE_RETRY);
        }
    };
    /** Waits for the open payment until `until` (ms since epoch), reading it now and then in case a signal was lost. */
    const waitPaid = async (until: number, every: number): Promise<void> => {
      for (;;) {
        if (settled() || open.id === null) return;
        const left = Math.min(every, until - Date.now());
        if (left <= 0) return;
        await condition(settled, left);
        if (!settled())
          try {
            open.status = (
              await paymentsMoney.getPaymentStatus({ tenantId: pay.tenantId, paymentId: open.id })
            ).status;
          } catch (err) {
            log.warn('the renewal payment could not be read; waiting on', { error: String(err) });
          }
      }
    };
    const unpaid = () =>
      open.status === 'failed'
        ? (lastFailure ?? { code: 'PAYMENT_REJECTED', reason: 'the payment was declined' })
        : { code: 'NOT_PAID', reason: 'the checkout was not paid in time' };

    for (;;) {
      show(state === 'active' ? 'waiting for the renewal date' : 'waiting for the next try');
      // A replaced checkout may be paid before the next try day.
      await waitUntil(
        () => zonedInstant(dayOfTry(), CHARGE_HOUR, zone),
        () => open.status === 'captured',
      );
      await condition(() => !busy);
      if (open.status === 'captured') {
        charged = true;
        return null;
      }
      if (cancelling) return finish('cancelled', 'cancelled at period end: nothing charged');
      if (attempts === 0) {
        // What the next period is, as the seller says on the renewal date: a plan changed during
        // the trial or a downgrade decided for the period's end is charged as it now stands.
        const next = await seller.renewalDescribe({
          tenantId: input.tenantId,
          subscriptionId: input.subscriptionId,
        });
        // Not renewed any more (a move to the free plan): the seller records the end.
        if (!next.renewable) return finish('cancelled', next.reason ?? 'the subscription no longer renews');
        item = next.item;
      }
      if (nextCharge() === 0n) {
        attempts++;
        charged = true;
        return null;
      }
      // One open payment at a time: a new checkout only when there is none or it was rejected.
      if (open.status !== 'pending') await ask(attempts === 0 ? undefined : `try-${attempts + 1}`);
      attempts++;
      const last = attempts > retryDays.length;
      // The renewal date's checkout: the payer gets its link (later tries' come with their refusal).
      if (attempts === 1 && open.status === 'pending' && open.checkoutUrl)
        await notify('subscription.payment_due', 'due', {
          amount: money(nextCharge()),
          payBy: dayOfTry(),
          checkoutUrl: open.checkoutUrl,
        });
      await waitPaid(
        last ? Date.now() + LAST_TRY_WINDOW_MS : zonedInstant(dayOfTry(), CHARGE_HOUR, zone),
        PAYMENT_POLL_MS,
      );
      if (open.status === 'captured') {
        charged = true;
        return null;
      }
      lastFailure = unpaid();
      if (state !== 'past_due')
        try {
          await suspender.renewalPastDue({
            tenantId: input.tenantId,
            subscriptionId: input.subscriptionId,
            cycle: input.cycle,
            reason: `${lastFailure.code}: ${lastFailure.reason}`,
          });
        } catch (err) {
          log.error('the seller could not mark the subscription past due', { error: String(err) });
        }
      state = 'past_due';
      if (last) break;
      // A rejected checkout is replaced at once, so the payer always has a link to pay with.
      if (open.status !== 'pending') await ask(`try-${attempts + 1}`);
      if (open.status === 'pending' && open.checkoutUrl)
        await notify('subscription.payment_failed', `charge-failed/${attempts}`, {
          amount: money(nextCharge()),
          attempt: attempts,
          attempts: retryDays.length + 1,
          retryOn: dayOfTry(),
          checkoutUrl: open.checkoutUrl,
        });
      show(`not paid: ${lastFailure.code}`);
    }

    // Every try unpaid: the seller suspends; the open checkout (or a new one) reactivates.
    metrics.outcome('failed');
    try {
      await suspender.renewalSuspended({
        tenantId: input.tenantId,
        subscriptionId: input.subscriptionId,
        cycle: input.cycle,
        reason: `every try of the renewal went unpaid (${lastFailure.code})`,
      });
    } catch (err) {
      log.error('the seller could not suspend the subscription', { error: String(err) });
    }
    state = 'suspended';
    suspended = true;
    const since = Date.now();
    for (let n = 1; ; n++) {
      if (open.status !== 'pending') await ask(`reactivate-${n}`);
      if (open.status === 'pending' && open.checkoutUrl)
        await notify('subscription.suspended', `suspended/${n}`, {
          amount: money(nextCharge()),
          checkoutUrl: open.checkoutUrl,
        });
      show(`suspended: ${lastFailure.code}`);
      await waitPaid(since + SUSPENDED_FOR_MS, SUSPENDED_POLL_MS);
      if (open.status === 'captured') {
        charged = true;
        return null;
      }
      if (Date.now() - since >= SUSPENDED_FOR_MS) {
        await notify('subscription.expired', 'expired', { amount: money(nextCharge()) });
        return finish('expired', 'suspended and never paid');
      }
      lastFailure = unpaid();
    }
  }

  // The seller's word first: the subscription may have been cancelled or changed at the desk.
  let now: Awaited<ReturnType<RenewalSellerActivities['renewalDescribe']>>;
  try {
    now = await seller.renewalDescribe({ tenantId: input.tenantId, subscriptionId: input.subscriptionId });
  } catch (err) {
    return finish('ended', `the seller does not know the subscription: ${failureOf(err).message}`);
  }
  // Provider charges (SaaS plans) end through the seller, which records it (back to its free plan).
  if (!now.renewable)
    return finish(input.charge ? 'cancelled' : 'ended', now.reason ?? 'the subscription no longer renews');
  periodStart = now.periodStart;
  periodEnd = now.periodEnd;
  item = now.item;
  show('waiting for the renewal date');

  // 1. The reminder, `reminderDays` before the renewal date (skipped when it already passed).
  if (reminderDays > 0 && !cancelling) {
    const reminderAt = () => zonedInstant(addDays(periodEnd, -reminderDays), REMINDER_HOUR, zone);
    if (reminderAt() > Date.now()) {
      const due = await waitUntil(reminderAt, () => cancelling);
      if (due)
        await notify(
          !subscriptionEvents
            ? 'membership.renewal_reminder'
            : input.trial
              ? 'subscription.trial_ending'
              : 'subscription.renewal_reminder',
          'reminder',
          { renewsOn: periodEnd, amount: money(nextCharge()) },
        );
    }
  }

  // 2. The renewal date: the charge, then dunning.
  if (input.charge && patched(PROVIDER_CHARGES_PATCH)) {
    const ended = await providerCharges(input.charge);
    if (ended) return ended;
  } else
    for (;;) {
      show(state === 'active' ? 'waiting for the renewal date' : 'waiting for the next try');
      await waitUntil(
        () => zonedInstant(dayOfTry(), CHARGE_HOUR, zone),
        () => false,
      );
      // No change may be half-applied while the period rolls over.
      await condition(() => !busy);
      if (cancelling) return finish('cancelled', 'cancelled at period end: nothing charged');
      const due = nextCharge();
      try {
        if (due > 0n) {
          const p = await paymentsMoney.createPaymentRequest({
            key: renewalChargeKey(input.subscriptionId, input.cycle),
            tenantId: input.tenantId,
            amount: due.toString(),
            currency: item.currency,
            method: 'wallet',
            payerId: input.payer.userId,
            purpose: input.seller.purpose,
            reference: `${input.subscriptionId}:${input.cycle}`,
            branchId: input.branchId ?? null,
          });
          paymentId = p.id;
        }
        attempts++;
        charged = true;
        break;
      } catch (err) {
        const f = failureOf(err);
        if (!DECLINES.has(f.code)) {
          // payments could not answer through its retries: ask again later, it is no dunning try.
          log.warn('the renewal charge could not be asked; trying again', { error: f.message });
          lastFailure = { code: f.code, reason: f.message };
          show(`payments unavailable: ${f.message}`);
          await condition(() => false, OUTAGE_RETRY);
          continue;
        }
        attempts++;
        lastFailure = { code: f.code, reason: f.message };
        state = 'past_due';
        if (attempts > retryDays.length) {
          await notify('membership.expired', 'expired', { amount: money(due) });
          metrics.outcome('failed');
          return finish('expired', `every charge try was declined (${f.code})`);
        }
        const retryOn = dayOfTry();
        await notify('membership.charge_failed', `charge-failed/${attempts}`, {
          amount: money(due),
          attempt: attempts,
          attempts: retryDays.length + 1,
          retryOn,
        });
        show(`charge declined: ${f.code}`);
      }
    }

  // 3. Paid: the next period, then a new run for it.
  const paid = nextCharge();
  let next: { periodStart: string; periodEnd: string };
  try {
    next = await seller.renewalExtend({
      tenantId: input.tenantId,
      subscriptionId: input.subscriptionId,
      cycle: input.cycle,
      paymentId: paymentId ?? '',
      amount: paid.toString(),
      item,
    });
  } catch (err) {
    // The seller refuses the next period (e.g. another membership already covers it): the money
    // goes back and the chain ends; the member is told nothing was kept.
    const f = failureOf(err);
    const refundOnce = (id: string) =>
      paymentsMoney.refund({
        key: renewalChargeKey(input.subscriptionId, input.cycle, 'refund'),
        tenantId: input.tenantId,
        paymentId: id,
        amount: paid.toString(),
      });
    let refunded = true;
    let refundFailure = null as { code: string; message: string } | null;
    if (paymentId)
      try {
        await refundOnce(paymentId);
      } catch (refundErr) {
        refunded = false;
        refundFailure = failureOf(refundErr);
        log.error('the renewal charge could not be refunded: it waits for an operator', {
          paymentId,
          error: String(refundErr),
        });
      }
    let how = 'the charge was refunded';
    if (!refunded) {
      if (!patched(REFUND_PENDING_PATCH)) {
        metrics.outcome('waiting_operator');
        return finish(
          'cancelled',
          `the next period could not be given (${f.code}); refund the charge ${paymentId}`,
        );
      }
      // The money is the payer's: wait in a named state until the refund goes through (an
      // operator's retryRefund, or every hour by itself), always with the same key.
      refund = {
        paymentId: paymentId!,
        amount: paid.toString(),
        since: new Date().toISOString(),
        attempts: 1,
        reason: `${refundFailure!.code}: ${refundFailure!.message}`,
      };
      state = 'refund_pending';
      metrics.outcome('waiting_operator');
      show(`the next period could not be given (${f.code}) and the refund failed: ${refund.reason}`);
      await notify('membership.refund_delayed', 'refund-delayed', { amount: money(paid) });
      for (;;) {
        await condition(() => retryRequest !== null, REFUND_AUTO_RETRY);
        const r = retryRequest;
        retryRequest = null;
        try {
          await refundOnce(paymentId!);
          how = r
            ? `the charge was refunded after ${refund.attempts + 1} tries, retried by ${r.operatorName}${r.note ? ` (${r.note})` : ''}`
            : `the charge was refunded after ${refund.attempts + 1} tries`;
          refund = { ...refund, attempts: refund.attempts + 1 };
          break;
        } catch (again) {
          const g = failureOf(again);
          refund = { ...refund, attempts: refund.attempts + 1, reason: `${g.code}: ${g.message}` };
          show(`the refund failed again${r ? ` (retried by ${r.operatorName})` : ''}: ${refund.reason}`);
        } finally {
          retrying = false;
        }
      }
    }
    metrics.outcome('compensated');
    return finish('cancelled', `the next period could not be given (${f.code}): ${how}`);
  }
  metrics.outcome(attempts === 1 ? 'on_time' : 'late');
  const carried = credit > BigInt(item.amount) ? credit - BigInt(item.amount) : 0n;
  state = 'active';
  periodStart = next.periodStart;
  periodEnd = next.periodEnd;
  lastFailure = null;
  if (!subscriptionEvents)
    await notify('membership.renewed', 'renewed', { amount: money(paid), endsOn: next.periodEnd });
  else
    await notify(suspended ? 'subscription.reactivated' : 'subscription.renewed', 'renewed', {
      amount: money(paid),
      endsOn: next.periodEnd,
    });
  show(`renewed for cycle ${input.cycle}`);
  await condition(allHandlersFinished);
  return continueAsNew<typeof renewal>({
    ...input,
    item,
    periodStart: next.periodStart,
    periodEnd: next.periodEnd,
    cycle: input.cycle + 1,
    cancelAtPeriodEnd: cancelling,
    trial: false,
    credit: carried.toString(),
    chainStartedAt: input.chainStartedAt ?? workflowInfo().startTime.toISOString(),
  });
}
