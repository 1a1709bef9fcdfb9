import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setCurrentDetails,
  sleep,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { formatMinor } from '@faena/platform/money';
import { processMetrics } from '../metrics.ts';
import type { ProcessEvent, ProcessEventVariables } from '../notifications/contract.ts';
import { notifications } from '../escrow/activities.ts';
import { paymentsMoney } from '../payments/activities.ts';
import { gym } from './activities.ts';
import {
  WAITLIST_CONTINUE_AFTER,
  acceptOffer,
  declineOffer,
  occurrenceCancelled,
  penaltyChargeKey,
  waitlistChanged,
  waitlistStatusQuery,
  type FeeToCharge,
  type MemberRecipient,
  type SeatOffer,
  type WaitlistWorkflow,
  type WaitlistInput,
  type WaitlistSnapshot,
  type WaitlistState,
  type WaitlistStatus,
} from './contract.ts';

/** An Update's refusal, typed by one of our error codes (the API maps it to its envelope). */
const refuse = (message: string, code = 'INVALID_STATE_TRANSITION') =>
  ApplicationFailure.create({ message, type: code, nonRetryable: true });

/** An activity's typed refusal passed on as the Update's own (anything else: the Update fails as CONFLICT). */
const asRefusal = (err: unknown) => {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return refuse(cause.message, cause.type ?? 'CONFLICT');
  return refuse(err instanceof Error ? err.message : String(err), 'CONFLICT');
};

/** A patch for everything v2 added: confirmations, unattended fees, continue-as-new. */
const V2 = 'waitlist-v2';
/** A patch: continue-as-new waits for the Updates and messages that came in while it drained. */
const DRAIN = 'waitlist-drain-before-continue';
/** Hours a fee waits for payments to answer again when it was unreachable, at the end. */
const FEE_RETRY_HOURS = 24;

/**
 * One class's waitlist and attendance: every seat that frees (a cancel, more capacity) is held and
 * offered to the first in line for the business's hold minutes; accepting books it (Update), an
 * offer declined or not answered in time passes to the next; the booking window's end closes the
 * line; the start plus the no-show grace settles attendance (no-shows marked and penalised). The
 * database decides every seat (row lock, `booked + held <= capacity`): the process only says when.
 * Nothing ends Failed: a cancelled class ends `cancelled`, everything else `finished`.
 */
export async function classWaitlist(input: WaitlistInput): Promise<WaitlistStatus> {
  const { workflowId } = workflowInfo();
  const key = (step: string) => `${workflowId}/${step}`;
  const ids = { tenantId: input.tenantId, occurrenceId: input.occurrenceId };
  const metrics = processMetrics();
  // A continued run is the same process: started once, by the first run.
  if (!input.carried) metrics.started();
  const runs = (input.carried?.runs ?? 0) + 1;
  const continueAfter = input.continueAfter ?? WAITLIST_CONTINUE_AFTER;
  /** Signals and Updates this run handled: past `continueAfter` the run continues as new. */
  let handled = 0;

  let state: WaitlistState = input.carried?.state ?? 'open';
  let dirty = true;
  /** A sync is running: the database may already hold an offer this process has not seen yet. */
  let syncing = false;
  let cancellation = null as { reason: string; actorId: string } | null;
  let snap = null as WaitlistSnapshot | null;
  const offers = new Map<string, SeatOffer>();
  const counts = {
    offered: 0,
    accepted: 0,
    expired: 0,
    declined: 0,
    noShows: 0,
    confirmed: 0,
    feesCharged: 0,
    feesDeclined: 0,
    ...input.carried?.counts,
  };

  /** The class's local start, `2026-12-03 19:00 (America/Santiago)`: the same in every language. */
  const when = () => {
    if (!snap) return '';
    const parts = new Intl.DateTimeFormat('en-US', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: snap.timeZone,
    }).formatToParts(new Date(snap.startsAt));
    const part = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
    return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} (${snap.timeZone})`;
  };
  const waitingFor = () => {
    if (state === 'cancelled' || state === 'finished') return '';
    const parts: string[] = [];
    if (offers.size)
      parts.push(
        [...offers.values()].map((o) => `${o.name} to accept a seat until ${o.expiresAt}`).join('; '),
      );
    if (state === 'open')
      parts.push(`a seat to free (${snap?.waiting ?? 0} in line) until ${snap?.closesAt ?? '…'}`);
    parts.push(`the start plus the no-show grace (${snap?.noShowAt ?? '…'}) to settle attendance`);
    return parts.join('; ');
  };
  const status = (): WaitlistStatus => ({
    state,
    occurrenceId: input.occurrenceId,
    offers: [...offers.values()].map((o) => ({
      entryId: o.entryId,
      memberId: o.memberId,
      expiresAt: o.expiresAt,
    })),
    waiting: snap?.waiting ?? 0,
    counts: { ...counts },
    runs,
    waitingFor: waitingFor(),
  });
  function show(reason?: string) {
    const lines = [
      `**${state}**${reason ? ` — ${reason}` : ''}`,
      `${input.title}${snap ? `, ${when()}` : ''}.`,
      ...(snap
        ? [
            `Seats: ${snap.booked} booked, ${snap.held} held for the line, of ${snap.capacity}; ${snap.waiting} waiting. Offers are held ${snap.holdMinutes} minutes.`,
          ]
        : []),
      `Offers: ${counts.offered} made, ${counts.accepted} accepted, ${counts.expired} expired, ${counts.declined} declined.${
        state === 'finished' ? ` No-shows: ${counts.noShows}.` : ''
      }`,
      `Waiting for: ${waitingFor() || 'nothing — the process is over'}.`,
    ];
    setCurrentDetails(lines.join('\n\n'));
  }
  function moveTo(next: WaitlistState, reason: string) {
    state = next;
    upsertSearchAttributes({ ProcessStatus: [next] });
    show(reason);
  }

  /** Messages on their way (a run continues as new only once they are sent). */
  const inflight = new Set<Promise<void>>();
  /** Best effort: a message that cannot be sent never holds up the seats. */
  function tell<E extends ProcessEvent>(
    step: string,
    event: E,
    to: MemberRecipient,
    variables: ProcessEventVariables[E],
  ): Promise<void> {
    const sending = send(step, event, to, variables);
    inflight.add(sending);
    void sending.finally(() => inflight.delete(sending));
    return sending;
  }
  async function send<E extends ProcessEvent>(
    step: string,
    event: E,
    to: MemberRecipient,
    variables: ProcessEventVariables[E],
  ) {
    if (!to.userId && !to.email) return;
    try {
      await notifications.notify({
        key: key(step),
        tenantId: input.tenantId,
        event,
        recipient: { ...(to.userId && { userId: to.userId }), ...(to.email && { email: to.email }) },
        variables,
        data: { occurrenceId: input.occurrenceId, memberId: to.memberId },
      });
    } catch (err) {
      log.warn('waitlist notification not sent', { event, step, error: String(err) });
    }
  }
  const classVars = () => ({ className: snap?.className ?? input.title, when: when() });

  setHandler(waitlistStatusQuery, status);
  setHandler(waitlistChanged, () => {
    handled++;
    dirty = true;
  });
  setHandler(occurrenceCancelled, (c) => {
    handled++;
    cancellation ??= c;
  });
  const offerOf = (entryId: string, memberId: string) => {
    const o = offers.get(entryId);
    if (state !== 'open' || cancellation) throw refuse('The waitlist of this class is closed');
    if (!o || o.memberId !== memberId) throw refuse('No open seat offer for this member', 'NOT_FOUND');
    return o;
  };
  /** Validators answer at once; while a sync runs, the handler waits for it to know the offer. */
  const validate = (input: { entryId: string; memberId: string }) => {
    if (state !== 'open' || cancellation) throw refuse('The waitlist of this class is closed');
    if (!syncing) offerOf(input.entryId, input.memberId);
  };
  const known = async (entryId: string, memberId: string) => {
    await condition(() => !syncing);
    return offerOf(entryId, memberId);
  };
  setHandler(
    acceptOffer,
    async ({ entryId, memberId, actorId, feeConsent }) => {
      handled++;
      const o = await known(entryId, memberId);
      let booking: { bookingId: string };
      try {
        booking = await gym.bookOffer({ ...ids, entryId, actorId, ...(feeConsent && { feeConsent }) });
      } catch (err) {
        dirty = true;
        throw asRefusal(err);
      }
      offers.delete(entryId);
      counts.accepted++;
      dirty = true;
      show(`${o.name} accepted a seat`);
      void tell(`booked/${entryId}`, 'gym.booking_confirmed', o, classVars());
      return booking;
    },
    {
      validator: validate,
    },
  );
  setHandler(
    declineOffer,
    async ({ entryId, memberId }) => {
      handled++;
      const o = await known(entryId, memberId);
      const ended = await gym.endOffer({ ...ids, entryId, outcome: 'declined' }).catch((err: unknown) => {
        throw asRefusal(err);
      });
      offers.delete(entryId);
      if (ended) counts.declined++;
      dirty = true;
      show(`${o.name} declined the seat`);
      return status();
    },
    {
      validator: validate,
    },
  );

  /**
   * Charges a consented fee to the member's wallet with the booking's one key (a retry, a replay or
   * a later run never charges twice), then records it paid; a refusal leaves it owed for the desk
   * (recorded: never tried again) and tells the member. Payments unreachable: tried again later.
   */
  const settling = new Set<string>();
  const fmtMoney = (f: FeeToCharge) => ({ amount: f.amount, currency: f.currency });
  /** `$ 4.000` in the business's money format (the details are read by its staff). */
  const fee = (f: FeeToCharge) => formatMinor(f.amount, f.currency, 'es-AR');
  async function chargeFee(f: FeeToCharge): Promise<'settled' | 'unavailable'> {
    let outcome: { paymentId: string } | { declined: string };
    try {
      const p = await paymentsMoney.createPaymentRequest({
        key: penaltyChargeKey(f.bookingId),
        tenantId: input.tenantId,
        amount: f.amount,
        currency: f.currency,
        method: 'wallet',
        payerId: f.payerId,
        purpose: 'gym_penalty',
        reference: `booking:${f.bookingId}`,
        branchId: f.branchId,
      });
      outcome = ['captured', 'held'].includes(p.status)
        ? { paymentId: p.id }
        : { declined: `payment ${p.status}` };
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      if (!(cause instanceof ApplicationFailure && cause.nonRetryable)) return 'unavailable';
      outcome = { declined: cause.type ?? cause.message };
    }
    const changed = await gym.settleFee({ ...ids, bookingId: f.bookingId, ...outcome });
    if (!changed) return 'settled';
    if ('paymentId' in outcome) {
      counts.feesCharged++;
      show(`${f.name}'s fee of ${fee(f)} charged to their wallet`);
    } else {
      counts.feesDeclined++;
      show(`${f.name}'s fee of ${fee(f)} was declined (${outcome.declined}): owed at the desk`);
      void tell(`fee-declined/${f.bookingId}`, 'gym.penalty_declined', f, {
        ...classVars(),
        amount: fmtMoney(f),
        reason: outcome.declined,
      });
    }
    return 'settled';
  }
  /** The fees not being charged yet; answers those payments could not take now. */
  async function chargeFees(fees: FeeToCharge[] | undefined): Promise<FeeToCharge[]> {
    const later: FeeToCharge[] = [];
    for (const f of fees ?? []) {
      if (settling.has(f.bookingId) || !patched(V2)) continue;
      settling.add(f.bookingId);
      if ((await chargeFee(f)) === 'unavailable') later.push(f);
      settling.delete(f.bookingId);
    }
    return later;
  }

  upsertSearchAttributes({
    TenantId: [input.tenantId],
    BusinessKey: [input.occurrenceId],
    ProcessStatus: [state],
  });
  show(input.carried ? `continued as new (run ${runs})` : 'first booking or waitlist entry');

  // Offers, expiries and the window's end, until the class is cancelled or its no-show time comes.
  for (;;) {
    if (cancellation) break;
    // A long history continues as new: the same id, its state and counts carried; the next run
    // starts with a sync, so what the database says (offers, line) is read again, nothing lost.
    if (handled >= continueAfter || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await Promise.all([...inflight]);
      // An Update accepted while the last messages were sent runs to its end (and its message is
      // sent) before the run hands over: the member who accepted gets the booking, not an error.
      if (patched(DRAIN)) await condition(() => allHandlersFinished() && inflight.size === 0);
      if (!cancellation && patched(V2))
        return await continueAsNew<WaitlistWorkflow>({
          ...input,
          carried: { state, counts: { ...counts }, runs },
        });
    }
    if (dirty) {
      dirty = false;
      syncing = true;
      const s = await gym.syncWaitlist({ ...ids, now: new Date(Date.now()).toISOString() }).finally(() => {
        syncing = false;
      });
      snap = s;
      if (s.status === 'cancelled') {
        // The database can say so before the route's signal arrives: its reason is the one staff gave.
        cancellation ??= { reason: s.cancelledReason ?? '', actorId: '' };
        break;
      }
      for (const c of s.confirmations ?? []) {
        if (!patched(V2)) break;
        counts.confirmed++;
        void tell(`confirmed/${c.bookingId}`, 'gym.booking_confirmed', c, classVars());
      }
      // Fees payments could not take now are asked again by the next sync (or at the end).
      await chargeFees(s.fees);
      offers.clear();
      for (const o of s.offers) {
        offers.set(o.entryId, o);
        if (!o.fresh) continue;
        counts.offered++;
        void tell(`offer/${o.entryId}`, 'gym.seat_offered', o, {
          ...classVars(),
          holdMinutes: s.holdMinutes,
          expiresAt: o.expiresAt,
        });
      }
      if (state === 'open' && Date.now() >= Date.parse(s.closesAt))
        moveTo('closed', 'the booking window closed');
      else show();
    }
    const now = Date.now();
    const noShowAt = Date.parse(snap!.noShowAt);
    if (now >= noShowAt) break;
    const deadlines = [
      noShowAt,
      ...(state === 'open' ? [Date.parse(snap!.closesAt)] : []),
      ...[...offers.values()].map((o) => Date.parse(o.expiresAt)),
    ];
    const next = Math.min(...deadlines);
    const woken = await condition(() => dirty || cancellation !== null, Math.max(next - now, 1));
    if (woken) continue;
    for (const o of [...offers.values()]) {
      if (Date.parse(o.expiresAt) > Date.now()) continue;
      const ended = await gym.endOffer({ ...ids, entryId: o.entryId, outcome: 'expired' });
      offers.delete(o.entryId);
      dirty = true;
      if (!ended) continue;
      counts.expired++;
      show(`${o.name}'s offer expired`);
      void tell(`expired/${o.entryId}`, 'gym.seat_offer_expired', o, classVars());
    }
    if (state === 'open' && Date.now() >= Date.parse(snap!.closesAt)) dirty = true;
  }

  if (cancellation) {
    offers.clear();
    // Cancelled before its first look (started by the cancellation): the class's name and start.
    snap ??= await gym.syncWaitlist({ ...ids, now: new Date(Date.now()).toISOString() });
    const audience = await gym.cancelledAudience(ids);
    const reason = cancellation.reason;
    await Promise.all(
      audience.map((m) =>
        tell(`cancelled/${m.memberId}`, 'gym.class_cancelled', m, { ...classVars(), reason }),
      ),
    );
    moveTo('cancelled', `the class was cancelled${reason ? `: ${reason}` : ''}`);
    metrics.outcome('compensated');
  } else {
    const settled = await gym.markNoShows(ids);
    counts.noShows = settled.noShows;
    // No-show (and late-cancel) fees the members consented to, charged before the process ends.
    let later = await chargeFees(settled.fees);
    for (let hour = 0; later.length && hour < FEE_RETRY_HOURS; hour++) {
      show(`payments unreachable: ${later.length} fee(s) tried again in an hour`);
      await sleep('1 hour');
      later = await chargeFees(later);
    }
    moveTo('finished', 'attendance settled');
    metrics.outcome('on_time');
  }
  await condition(allHandlersFinished);
  // The last messages (a declined fee, the cancellation) are sent before the process ends.
  if (inflight.size && patched(V2)) await Promise.all([...inflight]);
  return status();
}
