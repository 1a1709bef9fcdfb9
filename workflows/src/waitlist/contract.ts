/**
 * The class waitlist's contract: one process per class occurrence, `waitlist/<tenant>/<occurrenceId>`,
 * started (signal-with-start) by the gym API on the first booking or waitlist entry of the class.
 * It offers each seat that frees to the first in line, holds it `holdMinutes` (the business's
 * setting) while the member decides, passes it to the next when the offer expires or is declined,
 * stops offering when the booking window closes, and after the start plus the no-show grace marks
 * who did not come. A cancelled class ends it (everyone told, sessions given back by the API).
 *
 *   client.workflow.signalWithStart<WaitlistWorkflow>(WAITLIST_WORKFLOW_TYPE, {
 *     taskQueue: WAITLIST_TASK_QUEUE, workflowId: waitlistWorkflowId(t, o), signal: waitlistChanged, … })
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { TASK_QUEUES } from '../queues.ts';

export const WAITLIST_WORKFLOW_TYPE = 'classWaitlist';
export const WAITLIST_TASK_QUEUE = TASK_QUEUES.workflows;
/** Task queue of the gym worker, which implements `GymWaitlistActivities`. */
export const GYM_TASK_QUEUE = TASK_QUEUES.gym;
export const waitlistWorkflowId = (tenantId: string, occurrenceId: string): string =>
  `waitlist/${tenantId}/${occurrenceId}`;

export interface WaitlistInput {
  tenantId: string;
  occurrenceId: string;
  /** Names the class in the run's details: class type, room and local start. */
  title: string;
  /**
   * Continue as new after this many handled signals and Updates (default
   * `WAITLIST_CONTINUE_AFTER`), or sooner when the server suggests it; tests pass a low one.
   */
  continueAfter?: number;
  /** What a continued run carries over from the one before (same workflow id). */
  carried?: { state: WaitlistState; counts: WaitlistStatus['counts']; runs: number };
}

/** The payments key of a booking's fee: the same for every try of the process, so charged once. */
export const penaltyChargeKey = (bookingId: string): string => `gym-penalty:${bookingId}`;

/** Handled signals and Updates after which a class's run continues as new. */
export const WAITLIST_CONTINUE_AFTER = 500;

/** A booking not confirmed yet: the process tells the member once (`gym.booking_confirmed`). */
export interface BookingConfirmation extends MemberRecipient {
  bookingId: string;
}

/**
 * A late cancel's or a no-show's fee the process may charge unattended: the member booked with
 * their own token (`fee_consent`), has a wallet, and no charge of it was declined yet.
 */
export interface FeeToCharge extends MemberRecipient {
  bookingId: string;
  /** The member's identity user: the wallet charged. */
  payerId: string;
  branchId: string;
  /** Minor units as a decimal string, and its ISO 4217 currency. */
  amount: string;
  currency: string;
}

export type WaitlistState =
  /** Seats that free are offered to the line. */
  | 'open'
  /** The booking window closed: no more offers; waits for the start plus the no-show grace. */
  | 'closed'
  /** Attendance is settled (no-shows marked): the process is over. */
  | 'finished'
  /** The class was cancelled: everyone was told. */
  | 'cancelled';

/** Who a message goes to (a member may have no login: then only their email). */
export interface MemberRecipient {
  memberId: string;
  name: string;
  userId: string | null;
  email: string | null;
}

export interface SeatOffer extends MemberRecipient {
  entryId: string;
  /** ISO instant the hold ends. */
  expiresAt: string;
  /** Made by this sync (to be announced). */
  fresh: boolean;
}

/** What the gym's database says of the class's seats and line, after making the offers it can. */
export interface WaitlistSnapshot {
  status: 'scheduled' | 'cancelled';
  /** Why staff cancelled the class (when `status` is cancelled): the sync can see it before the signal. */
  cancelledReason?: string;
  className: string;
  /** ISO instants: the start, the end of the booking window, and when no-shows are decided. */
  startsAt: string;
  closesAt: string;
  noShowAt: string;
  timeZone: string;
  holdMinutes: number;
  capacity: number;
  booked: number;
  held: number;
  waiting: number;
  offers: SeatOffer[];
  /** Bookings confirmed by this sync (marked in its transaction): each is told once. Absent before v2. */
  confirmations?: BookingConfirmation[];
  /** Fees owed with the member's consent, to charge now. Absent before v2. */
  fees?: FeeToCharge[];
}

export interface WaitlistStatus {
  state: WaitlistState;
  occurrenceId: string;
  offers: Array<{ entryId: string; memberId: string; expiresAt: string }>;
  waiting: number;
  counts: {
    offered: number;
    accepted: number;
    expired: number;
    declined: number;
    noShows: number;
    /** Added in v2 (absent in older runs' answers). */
    confirmed?: number;
    feesCharged?: number;
    feesDeclined?: number;
  };
  /** Runs of this class's chain (1 + continues-as-new). Added in v2. */
  runs?: number;
  /** What the process waits for now, in words. */
  waitingFor: string;
}

export type WaitlistWorkflow = (input: WaitlistInput) => Promise<WaitlistStatus>;

export const waitlistStatusQuery = defineQuery<WaitlistStatus>('waitlistStatus');
/** Something changed in the class's seats or line (a booking, a cancel, a new entry, a capacity change). */
export const waitlistChanged = defineSignal('waitlistChanged');
/** Staff cancelled the class (the API already cancelled bookings and entries and gave sessions back). */
export const occurrenceCancelled = defineSignal<[{ reason: string; actorId: string }]>('occurrenceCancelled');
/** The offered member (or the desk for them) takes the held seat: answers the booking. */
export const acceptOffer = defineUpdate<
  { bookingId: string },
  [{ entryId: string; memberId: string; actorId: string; feeConsent?: boolean }]
>('acceptOffer');
/** The offered member lets the seat go to the next in line. */
export const declineOffer = defineUpdate<WaitlistStatus, [{ entryId: string; memberId: string }]>(
  'declineOffer',
);

/** What the waitlist needs of the gym (`services/gym/src/waitlist-activities.ts`, gym queue). */
export interface GymWaitlistActivities {
  /** Closes the line when the window is over (`now` is the process's clock), else offers every free or held seat. */
  syncWaitlist(input: { tenantId: string; occurrenceId: string; now: string }): Promise<WaitlistSnapshot>;
  /** Ends an offer that was not accepted (its seat stays held for the next sync); false if it was no longer open. */
  endOffer(input: {
    tenantId: string;
    occurrenceId: string;
    entryId: string;
    outcome: 'expired' | 'declined';
  }): Promise<boolean>;
  /** Books the offered member into the held seat (their membership pays, as a booking). */
  bookOffer(input: {
    tenantId: string;
    occurrenceId: string;
    entryId: string;
    actorId: string;
    /** The member accepted with their own token (told the fees). */
    feeConsent?: boolean;
  }): Promise<{ bookingId: string }>;
  /**
   * Marks every booking not checked in as a no-show and applies its penalty; answers how many,
   * and the fees owed with the member's consent (v2).
   */
  markNoShows(input: {
    tenantId: string;
    occurrenceId: string;
  }): Promise<{ noShows: number; fees?: FeeToCharge[] }>;
  /**
   * Records the outcome of an unattended fee charge: `paymentId` → `fee_paid`; `declined` → the
   * fee stays `fee_due` for the desk and the process never tries it again. False if already settled.
   */
  settleFee(input: {
    tenantId: string;
    bookingId: string;
    paymentId?: string;
    declined?: string;
  }): Promise<boolean>;
  /** The members told of a cancelled class: those booked and those in line when it was cancelled. */
  cancelledAudience(input: { tenantId: string; occurrenceId: string }): Promise<MemberRecipient[]>;
}
