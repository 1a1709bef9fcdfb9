/**
 * The class waitlist made complete (issue 16): nothing lost between a commit and its signal (the
 * waitlist outbox and its dispatcher), one confirmation per booking, unattended late-cancel and
 * no-show fees with the member's consent, and continue-as-new — the gym API (real PostgreSQL,
 * identity and payments), the real `classWaitlist` workflow on the time-skipping server with the
 * gym's and payments' real activities, and a witness for notifications' `notify`.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { runWithContext, withEm } from '@faena/platform';
import { eventually } from '@faena/platform/testing';
import {
  WAITLIST_TASK_QUEUE,
  WAITLIST_WORKFLOW_TYPE,
  waitlistChanged,
  waitlistWorkflowId,
  type WaitlistWorkflow,
} from '@faena/workflows/waitlist/contract';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PaymentsHarness } from '../../payments/test/harness.ts';
import { book, cancelBooking } from '../src/domain/bookings.ts';
import { ClassOccurrence, Member } from '../src/domain/entities.ts';
import { settingsOf } from '../src/domain/settings.ts';
import { markChanged, markSignalled, outboxState } from '../src/domain/waitlist-outbox.ts';
import { createWaitlistDispatcher } from '../src/waitlist-dispatcher.ts';
import {
  API,
  bearer,
  clientUser,
  fundWallet,
  ok,
  payerCode,
  plan,
  sql,
  walletBalance,
  type Gym,
  type GymApi,
  type GymHarness,
  type User,
} from './harness.ts';
import { inMinutes, tomorrow, waitlistSuite } from './waitlist-support.ts';

const w = waitlistSuite({ holdMinutes: 10, paymentsWorker: true });
const { classAt, members, bookAtDesk, processOf, processStatus, emailOf, skipTo } = w;
/** Every notify call (a duplicate would show as two with one key). */
const { calls: sent } = w.suite;
let env: TestWorkflowEnvironment;
let p: PaymentsHarness;
let api: GymApi;
let h: GymHarness;
let g: Gym;
let dispatcher: ReturnType<typeof createWaitlistDispatcher>;
beforeAll(() => {
  ({ env, p, api, h, g } = w.suite);
  dispatcher = createWaitlistDispatcher({
    orm: api.orm,
    logger: p.logs.logger,
    temporal: env.client,
    waitlistTaskQueue: WAITLIST_TASK_QUEUE,
  });
});

const entriesOf = (occurrenceId: string) =>
  sql<{ id: string; member_id: string; status: string }>(
    h,
    `select id, member_id, status from gym.waitlist_entries where occurrence_id = ? order by seq`,
    [occurrenceId],
  );
const outboxOf = async (occurrenceId: string) =>
  (
    await sql<{ version: number; signalled: number }>(
      h,
      `select version, signalled from gym.waitlist_outbox where occurrence_id = ?`,
      [occurrenceId],
    )
  )[0];
/** The gym's domain, as an API process runs it, in the tenant's context: no signal is sent. */
const inTenant = <T>(fn: (em: EntityManager) => Promise<T>) =>
  runWithContext({ tenantId: g.biz.tenantId }, () => withEm(api.orm, fn));
describe('the waitlist outbox: nothing lost between the commit and the signal', () => {
  it('the API records each change with the class and marks it delivered once it signalled', async () => {
    const libre = await plan(h, g, { name: 'Libre O' }, 10_000, [g.branchA]);
    const o = await classAt(tomorrow(), 1);
    const [a] = await members(1, libre.id);
    expect((await bookAtDesk(o, a!)).status).toBe(201);
    // One change, delivered by the fast path: nothing pending for the dispatcher.
    expect(await outboxOf(o)).toEqual({ version: 1, signalled: 1 });
    await eventually(async () => expect((await processStatus(o)).state).toBe('open'), 20_000);
  });

  it('a cancel committed by an API that died before signalling is delivered by the dispatcher: the seat is offered', async () => {
    const libre = await plan(h, g, { name: 'Libre O2' }, 10_000, [g.branchA]);
    const o = await classAt(tomorrow(), 1);
    const [a, b] = await members(2, libre.id);
    const booked = ok<{ id: string }>(await bookAtDesk(o, a!), 'booking');
    expect((await bookAtDesk(o, b!, true)).body.data.status).toBe('waiting');
    await eventually(async () => expect((await processStatus(o)).waiting).toBe(1), 20_000);
    // The cancel commits (its seat held for the line) and the API dies before classChanged.
    await inTenant(async (em) =>
      cancelBooking(
        em,
        booked.id,
        { settings: await settingsOf(em, g.biz.tenantId), now: new Date(), actor: g.receptionist.id },
        () => true,
      ),
    );
    expect(await outboxOf(o)).toEqual({ version: 3, signalled: 2 });
    expect((await entriesOf(o))[0]).toMatchObject({ member_id: b, status: 'waiting' });
    // The fast path's grace has not passed: the dispatcher leaves it to the API. (Other test files
    // share this database: a pass may deliver their rows too, so this one's row is what is asserted.)
    await dispatcher.runDue(new Date());
    expect(await outboxOf(o)).toEqual({ version: 3, signalled: 2 });
    await dispatcher.runDue(new Date(Date.now() + 10_000));
    expect(await outboxOf(o)).toEqual({ version: 3, signalled: 3 });
    await eventually(
      async () => expect((await entriesOf(o))[0]).toMatchObject({ member_id: b, status: 'offered' }),
      20_000,
    );
    const email = await emailOf(b!);
    await eventually(async () =>
      expect(sent.filter((n) => n.event === 'gym.seat_offered' && n.email === email)).toHaveLength(1),
    );
    // Nothing pending any more: another pass sends nothing again.
    await dispatcher.runDue(new Date(Date.now() + 10_000));
    expect(await outboxOf(o)).toEqual({ version: 3, signalled: 3 });
    expect(sent.filter((n) => n.event === 'gym.seat_offered' && n.email === email)).toHaveLength(1);
  });

  it('a first booking whose signal was lost starts the process (which confirms it once)', async () => {
    const libre = await plan(h, g, { name: 'Libre O3' }, 10_000, [g.branchA]);
    const o = await classAt(tomorrow(), 5);
    const [a] = await members(1, libre.id);
    const { booking } = await inTenant(async (em) =>
      book(
        em,
        {
          occurrenceId: o,
          member: await em.findOneOrFail(Member, { id: a! }),
          settings: await settingsOf(em, g.biz.tenantId),
          now: new Date(),
          actor: g.receptionist.id,
        },
        (tx, id) => tx.findOneOrFail(ClassOccurrence, { id }),
      ),
    );
    await expect(processOf(o).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const pending = await outboxOf(o);
    expect(pending!.signalled).toBeLessThan(pending!.version);
    await dispatcher.runDue(new Date(Date.now() + 10_000));
    expect((await outboxOf(o))!.signalled).toBe(pending!.version);
    await eventually(async () => expect((await processStatus(o)).state).toBe('open'), 20_000);
    const email = await emailOf(a!);
    await eventually(async () =>
      expect(
        sent.filter((n) => n.event === 'gym.booking_confirmed' && n.email === email).map((n) => n.key),
      ).toEqual([`${waitlistWorkflowId(g.biz.tenantId, o)}/confirmed/${booking!.id}`]),
    );
    const [row] = await sql<{ confirmed_at: string | null }>(
      h,
      `select confirmed_at from gym.bookings where id = ?`,
      [booking!.id],
    );
    expect(row!.confirmed_at).not.toBeNull();
    // Told again (another change), the booking is not confirmed twice.
    await processOf(o).signal(waitlistChanged);
    await eventually(async () => expect((await processStatus(o)).counts.confirmed).toBe(1));
    expect(sent.filter((n) => n.event === 'gym.booking_confirmed' && n.email === email)).toHaveLength(1);
  });

  it('a class whose process was reached before is signalled plainly; one whose run is gone (signalled, no run) is started again, with its title', async () => {
    const libre = await plan(h, g, { name: 'Libre O5' }, 10_000, [g.branchA]);
    const o = await classAt(tomorrow(), 5);
    const [a, b, c] = await members(3, libre.id);
    expect((await bookAtDesk(o, a!)).status).toBe(201);
    await eventually(async () => expect((await processStatus(o)).state).toBe('open'), 20_000);
    const { runId } = await processOf(o).describe();
    // The second booking: the same run is told (a plain signal), its change delivered.
    expect((await bookAtDesk(o, b!)).status).toBe(201);
    expect(await outboxOf(o)).toEqual({ version: 2, signalled: 2 });
    expect((await processOf(o).describe()).runId).toBe(runId);
    // The outbox says a signal reached a process, but none exists (a namespace that lost it): the
    // next change starts it, named as any start names it.
    const lost = await classAt(new Date(tomorrow().getTime() + 3600_000), 5);
    await sql(
      h,
      `insert into gym.waitlist_outbox (occurrence_id, tenant_id, version, signalled, changed_at)
         values (?, ?, 1, 1, now())`,
      [lost, g.biz.tenantId],
    );
    await expect(processOf(lost).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect((await bookAtDesk(lost, c!)).status).toBe(201);
    expect(await outboxOf(lost)).toEqual({ version: 2, signalled: 2 });
    expect((await processOf(lost).describe()).status.name).toBe('RUNNING');
    const [first] = (await processOf(lost).fetchHistory()).events!;
    const [input] = first!.workflowExecutionStartedEventAttributes!.input!.payloads!.map((x) =>
      defaultPayloadConverter.fromPayload<{ title: string }>(x),
    );
    expect(input!.title).toMatch(/ · \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(/);
  });

  it('a row changed after the dispatcher read it stays pending', async () => {
    const o = await classAt(new Date(tomorrow().getTime() + 3 * 3600_000), 1);
    await inTenant(async (em) => {
      await em.transactional((tx) => markChanged(tx, g.biz.tenantId, o));
      const seen = (await outboxState(em, o)).version;
      await em.transactional((tx) => markChanged(tx, g.biz.tenantId, o));
      await markSignalled(em, o, seen);
    });
    expect(await outboxOf(o)).toEqual({ version: 2, signalled: 1 });
  });
});

describe('booking confirmations', () => {
  it('a direct booking and an accepted offer are each confirmed exactly once', async () => {
    const libre = await plan(h, g, { name: 'Libre C' }, 10_000, [g.branchA]);
    const o = await classAt(tomorrow(), 1);
    const [a, b] = await members(2, libre.id);
    const first = ok<{ id: string }>(await bookAtDesk(o, a!), 'booking');
    const entry = ok<{ id: string }>(await bookAtDesk(o, b!, true), 'entry');
    const [ea, eb] = await Promise.all([emailOf(a!), emailOf(b!)]);
    await eventually(async () =>
      expect(sent.filter((n) => n.event === 'gym.booking_confirmed' && n.email === ea)).toHaveLength(1),
    );
    ok(
      await h.agent.post(`${API}/bookings/${first.id}/cancel`).set(bearer(g.receptionist.token)).send(),
      'cancel',
    );
    await eventually(async () => expect((await entriesOf(o))[0]?.status).toBe('offered'), 20_000);
    const accepted = await h.agent
      .post(`${API}/waitlist/${entry.id}/accept`)
      .set(bearer(g.receptionist.token))
      .send();
    expect(accepted.status).toBe(200);
    expect(accepted.body.data).toMatchObject({ feeConsent: false, confirmedAt: expect.any(String) });
    await eventually(async () =>
      expect(
        sent.filter((n) => n.event === 'gym.booking_confirmed' && n.email === eb).map((n) => n.key),
      ).toEqual([`${waitlistWorkflowId(g.biz.tenantId, o)}/booked/${entry.id}`]),
    );
    await processOf(o).signal(waitlistChanged);
    await eventually(async () =>
      expect((await processStatus(o)).counts).toMatchObject({ confirmed: 1, accepted: 1 }),
    );
    expect(
      sent.filter((n) => n.event === 'gym.booking_confirmed' && [ea, eb].includes(n.email!)),
    ).toHaveLength(2);
  });
});

describe('unattended late-cancel and no-show fees (the member consented by booking themselves)', () => {
  let start: Date;
  let lateClass: string;
  let absentClass: string;
  let payer: User;
  let broke: User;
  let payerMember: string;
  let brokeMember: string;
  const selfBook = (who: User, occurrenceId: string) =>
    h.agent.post(`${API}/members/me/bookings`).set(bearer(who.token)).send({ occurrenceId });
  const bookingRow = async (memberId: string, occurrenceId: string) =>
    (
      await sql<{
        id: string;
        penalty: string | null;
        penalty_payment_id: string | null;
        penalty_declined_at: string | null;
        fee_consent: boolean;
      }>(
        h,
        `select id, penalty, penalty_payment_id, penalty_declined_at, fee_consent from gym.bookings where member_id = ? and occurrence_id = ?`,
        [memberId, occurrenceId],
      )
    )[0]!;

  it('a late cancel by the member is charged to their wallet by the process, once', async () => {
    start = inMinutes(100);
    lateClass = await classAt(start, 5);
    absentClass = await classAt(new Date(start.getTime() + 60_000), 5);
    const fees = await plan(h, g, { name: 'Con multas O', lateCancelFee: 2500, noShowFee: 4000 }, 10_000, [
      g.branchA,
    ]);
    const two = await members(2, fees.id);
    payerMember = two[0]!;
    brokeMember = two[1]!;
    payer = await clientUser(h, g);
    broke = await clientUser(h, g);
    await sql(h, `update gym.members set user_id = ? where id = ?`, [payer.id, payerMember]);
    await sql(h, `update gym.members set user_id = ? where id = ?`, [broke.id, brokeMember]);
    await fundWallet(h, g, payer.id, 10_000);
    const mine = await selfBook(payer, lateClass);
    expect(mine.status).toBe(201);
    expect(mine.body.data).toMatchObject({ feeConsent: true });
    expect((await selfBook(payer, absentClass)).status).toBe(201);
    expect((await selfBook(broke, absentClass)).status).toBe(201);
    // The desk's booking does not consent (the desk flow stays).
    const cancelled = await h.agent
      .post(`${API}/members/me/bookings/${mine.body.data.id}/cancel`)
      .set(bearer(payer.token))
      .send();
    expect(cancelled.body.data).toMatchObject({
      lateCancel: true,
      penalty: 'fee_due',
      penaltyAmount: '2500',
    });
    await eventually(
      async () => expect((await bookingRow(payerMember, lateClass)).penalty).toBe('fee_paid'),
      30_000,
    );
    expect(await walletBalance(h, payer)).toBe('7500');
    // The desk may not charge a fee the process owns (nor one already paid: no second charge).
    const desk = await h.agent
      .post(`${API}/bookings/${mine.body.data.id}/penalty/charge`)
      .set(bearer(g.receptionist.token))
      .set('Idempotency-Key', `fee-${mine.body.data.id}`)
      .send({ payerCode: '123456' });
    expect(desk.body.data).toMatchObject({ penalty: 'fee_paid' });
    expect(await walletBalance(h, payer)).toBe('7500');
    const [payments] = await sql<{ n: string }>(
      h,
      `select count(*) as n from payments.payments where idempotency_key = ?`,
      [`gym-penalty:${mine.body.data.id}`],
    );
    expect(payments!.n).toBe('1');
  });

  it('no-shows are charged at the start plus the grace; a decline stays owed at the desk and the member is told', async () => {
    await skipTo(new Date(start.getTime() + 60_000 + 15 * 60_000));
    await eventually(async () => expect((await processStatus(absentClass)).state).toBe('finished'), 30_000);
    expect((await processStatus(absentClass)).counts).toMatchObject({
      noShows: 2,
      feesCharged: 1,
      feesDeclined: 1,
    });
    const paid = await bookingRow(payerMember, absentClass);
    expect(paid).toMatchObject({
      penalty: 'fee_paid',
      fee_consent: true,
      penalty_payment_id: expect.any(String),
    });
    expect(await walletBalance(h, payer)).toBe('3500');
    const declined = await bookingRow(brokeMember, absentClass);
    expect(declined).toMatchObject({ penalty: 'fee_due', penalty_payment_id: null });
    expect(declined.penalty_declined_at).not.toBeNull();
    const email = await emailOf(brokeMember);
    await eventually(async () =>
      expect(sent.filter((n) => n.event === 'gym.penalty_declined' && n.email === email)).toHaveLength(1),
    );
    expect(sent.find((n) => n.event === 'gym.penalty_declined')!.variables).toMatchObject({
      amount: { amount: '4000', currency: 'CLP' },
    });
    // Now the desk charges it, with the payer code the member shows, once.
    await fundWallet(h, g, broke.id, 5_000);
    const desk = await h.agent
      .post(`${API}/bookings/${declined.id}/penalty/charge`)
      .set(bearer(g.receptionist.token))
      .set('Idempotency-Key', `fee-${declined.id}`)
      .send({ payerCode: await payerCode(h, broke) });
    expect(desk.body.data).toMatchObject({ penalty: 'fee_paid', penaltyPaymentId: expect.any(String) });
    expect(await walletBalance(h, broke)).toBe('1000');
  });
});

describe('continue-as-new', () => {
  it('a class past its threshold continues as new under the same id with its state and counts', async () => {
    const libre = await plan(h, g, { name: 'Libre N' }, 10_000, [g.branchA]);
    const o = await classAt(tomorrow(), 1);
    const [a, b] = await members(2, libre.id);
    const id = waitlistWorkflowId(g.biz.tenantId, o);
    const first = await env.client.workflow.start<WaitlistWorkflow>(WAITLIST_WORKFLOW_TYPE, {
      taskQueue: WAITLIST_TASK_QUEUE,
      workflowId: id,
      args: [{ tenantId: g.biz.tenantId, occurrenceId: o, title: 'Yoga · N', continueAfter: 3 }],
    });
    const booked = ok<{ id: string }>(await bookAtDesk(o, a!), 'booking');
    expect((await bookAtDesk(o, b!, true)).body.data.status).toBe('waiting');
    ok(
      await h.agent.post(`${API}/bookings/${booked.id}/cancel`).set(bearer(g.receptionist.token)).send(),
      'cancel',
    );
    await eventually(async () => expect((await entriesOf(o))[0]?.status).toBe('offered'), 20_000);
    // Three changes handled: the run continued as new; the offer and the counts are carried.
    await eventually(async () => {
      const d = await env.client.workflow.getHandle(id).describe();
      expect(d.runId).not.toBe(first.firstExecutionRunId);
      expect(d.status.name).toBe('RUNNING');
    }, 20_000);
    const firstRun = await env.client.workflow.getHandle(id, first.firstExecutionRunId).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    await eventually(async () =>
      expect(await processStatus(o)).toMatchObject({
        state: 'open',
        runs: 2,
        counts: { offered: 1 },
        offers: [expect.objectContaining({ memberId: b })],
      }),
    );
    // The continued run serves the offer as the first would have.
    const entry = (await entriesOf(o))[0]!;
    const accepted = await h.agent
      .post(`${API}/waitlist/${entry.id}/accept`)
      .set(bearer(g.receptionist.token))
      .send();
    expect(accepted.status).toBe(200);
    await eventually(async () =>
      expect((await processStatus(o)).counts).toMatchObject({ offered: 1, accepted: 1 }),
    );
    const email = await emailOf(b!);
    await eventually(async () =>
      expect(sent.filter((n) => n.event === 'gym.seat_offered' && n.email === email)).toHaveLength(1),
    );
  });
});

describe('continue-as-new while a member accepts', () => {
  afterEach(() => {
    w.suite.before = undefined;
  });

  it('an accept that arrives while the run drains its messages is booked before the run hands over', async () => {
    const libre = await plan(h, g, { name: 'Libre D' }, 10_000, [g.branchA]);
    const o = await classAt(tomorrow(), 1);
    const [a, b, c, d] = await members(4, libre.id);
    const id = waitlistWorkflowId(g.biz.tenantId, o);
    const first = await env.client.workflow.start<WaitlistWorkflow>(WAITLIST_WORKFLOW_TYPE, {
      taskQueue: WAITLIST_TASK_QUEUE,
      workflowId: id,
      args: [{ tenantId: g.biz.tenantId, occurrenceId: o, title: 'Yoga · D', continueAfter: 5 }],
    });
    // Pins: the seat offer's message stays in flight; the accept's booking waits until told.
    const gate = () => {
      let open!: () => void;
      let reached!: () => void;
      const at = new Promise<void>((r) => (reached = r));
      const passed = new Promise<void>((r) => (open = r));
      return { at, open, reached, passed };
    };
    const offerMail = gate();
    const booking = gate();
    w.suite.before = async (activity, event) => {
      if (activity === 'notify' && event === 'gym.seat_offered') {
        offerMail.reached();
        await offerMail.passed;
      }
      if (activity === 'bookOffer') {
        booking.reached();
        await booking.passed;
      }
    };
    const booked = ok<{ id: string }>(await bookAtDesk(o, a!), 'booking'); // 1
    expect((await bookAtDesk(o, b!, true)).body.data.status).toBe('waiting'); // 2
    expect((await bookAtDesk(o, c!, true)).body.data.status).toBe('waiting'); // 3
    ok(
      await h.agent.post(`${API}/bookings/${booked.id}/cancel`).set(bearer(g.receptionist.token)).send(),
      'cancel',
    ); // 4: the seat is offered to b, whose message is held
    await offerMail.at;
    const handle = env.client.workflow.getHandle(id, first.firstExecutionRunId);
    const signals = async () =>
      (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    const before = await signals();
    expect((await bookAtDesk(o, d!, true)).body.data.status).toBe('waiting'); // 5: the threshold
    // The run has seen the fifth change: it is waiting for the held message before it hands over.
    await eventually(async () => {
      const events = (await handle.fetchHistory()).events!;
      const lastSignal = events.findLastIndex((e) => e.workflowExecutionSignaledEventAttributes);
      expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes).length).toBeGreaterThan(before);
      expect(events.slice(lastSignal).some((e) => e.workflowTaskCompletedEventAttributes)).toBe(true);
    }, 20_000);
    const entry = (await entriesOf(o)).find((e) => e.member_id === b)!;
    const answered = h.agent
      .post(`${API}/waitlist/${entry.id}/accept`)
      .set(bearer(g.receptionist.token))
      .send()
      .then((r) => r);
    await booking.at; // the accept is running, its booking held
    offerMail.open(); // the drain's message is delivered: the run must not hand over yet
    booking.open();
    const accepted = await answered;
    expect({ status: accepted.status, body: accepted.body }).toMatchObject({ status: 200 });
    await eventually(async () => expect((await handle.describe()).status.name).toBe('CONTINUED_AS_NEW'));
    await eventually(async () =>
      expect(await processStatus(o)).toMatchObject({ runs: 2, counts: { offered: 1, accepted: 1 } }),
    );
    expect((await entriesOf(o)).find((e) => e.member_id === b)!.status).toBe('booked');
    const email = await emailOf(b!);
    await eventually(async () =>
      expect(sent.filter((n) => n.event === 'gym.booking_confirmed' && n.email === email)).toHaveLength(1),
    );
  });
});
