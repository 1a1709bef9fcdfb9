/**
 * Class waitlists on the real Temporal dev server, run by workers configured exactly as production
 * (`createWorker`), with the gym's real waitlist activities on its schema and the API's own calls
 * (`services/gym/src/waitlist-process.ts`: signal-with-start, Updates); notifications are a
 * recording stand-in. The dev server's timers are real time, so the business's settings are the
 * shortest there are (booking open until the start, no grace) and classes start seconds from now.
 * Only the fast paths run live (offers declined and accepted, attendance, the outbox and its
 * dispatcher, confirmations, continue-as-new, a cancelled class: about 40 s); an expiring offer
 * needs a real minute of hold, so its history stays the one recorded once
 * (`src/waitlist/histories/offer-expires.json`, `WAITLIST_V1_HISTORIES`), replayed by replay.test.ts.
 * `waitlist-live.test.ts` drives them and replays what the server wrote;
 * `scripts/record-waitlist-histories.ts` saves them under src/waitlist/histories/v2/.
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from 'uuidv7';
import { createLogger, createWorker, runWithContext, withEm, type Orm } from '@faena/platform';
import { eventually, registerTestNamespace, testDatabaseUrl, testStack } from '@faena/platform/testing';
import { book, cancelBooking } from '../../../services/gym/src/domain/bookings.ts';
import {
  ClassOccurrence,
  ClassSchedule,
  ClassType,
  GymSettings,
  Member,
  Membership,
  Plan,
} from '../../../services/gym/src/domain/entities.ts';
import { settingsOf } from '../../../services/gym/src/domain/settings.ts';
import { cancelOccurrence } from '../../../services/gym/src/domain/waitlist.ts';
import { WaitlistEntry } from '../../../services/gym/src/domain/waitlist-entities.ts';
import { waitlistActivities } from '../../../services/gym/src/waitlist-activities.ts';
import { createWaitlistDispatcher } from '../../../services/gym/src/waitlist-dispatcher.ts';
import {
  acceptSeat,
  classCancelled,
  classChanged,
  declineSeat,
  type WaitlistProcessDeps,
} from '../../../services/gym/src/waitlist-process.ts';
import {
  GYM_TASK_QUEUE,
  WAITLIST_TASK_QUEUE,
  WAITLIST_WORKFLOW_TYPE,
  waitlistStatusQuery,
  waitlistWorkflowId,
  type WaitlistStatus,
  type WaitlistWorkflow,
} from '../../src/waitlist/contract.ts';
import { gymTestOrm } from '../support/renewal.ts';
import { notificationsStandIn } from '../support/stand-ins.ts';

export interface WaitlistStack {
  client: Client;
  orm: Orm;
  tenantId: string;
  process: WaitlistProcessDeps;
  close(): Promise<void>;
}

export async function startWaitlistStack(opts: {
  namespace: string;
  workflowsPath: string;
}): Promise<WaitlistStack> {
  const logger = createLogger({ service: 'live-waitlists', level: 'warn' });
  const connection = await Connection.connect({ address: testStack.temporalAddress });
  await registerTestNamespace(connection, opts.namespace);
  const client = new Client({ connection, namespace: opts.namespace });
  const config = { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: opts.namespace };
  const orm = await gymTestOrm(await testDatabaseUrl());
  const created = await Promise.all([
    createWorker({ config, logger, taskQueue: WAITLIST_TASK_QUEUE, workflowsPath: opts.workflowsPath }),
    createWorker({
      config,
      logger,
      taskQueue: GYM_TASK_QUEUE,
      activities: waitlistActivities({ orm, logger }),
    }),
    createWorker({ config, logger, taskQueue: 'notifications', activities: notificationsStandIn() }),
  ]);
  const workers: Worker[] = created.map((c) => c.worker);
  const running = Promise.all(workers.map((w) => w.run()));
  const tenantId = uuidv7();
  const stack: WaitlistStack = {
    client,
    orm,
    tenantId,
    process: { temporal: client, logger, waitlistTaskQueue: WAITLIST_TASK_QUEUE },
    async close() {
      workers.forEach((w) => w.shutdown());
      await running;
      await Promise.all(created.map((c) => c.connection.close()));
      await connection.close();
      await orm.close(true);
    },
  };
  await inTenant(stack, async (em) => {
    em.create(GymSettings, {
      tenantId,
      bookingOpensDays: 7,
      bookingClosesMinutes: 0,
      cancelHours: 2,
      timeZone: 'UTC',
      offerHoldMinutes: 1,
      noShowGraceMinutes: 0,
    });
    await em.flush();
  });
  return stack;
}

const inTenant = <T>(s: WaitlistStack, fn: (em: EntityManager) => Promise<T>) =>
  runWithContext({ tenantId: s.tenantId }, () => withEm(s.orm, (em) => fn(em as unknown as EntityManager)));

const ACTOR = uuidv7();

/** A class of `capacity` starting at `startsAt` and `n` members with an unlimited membership. */
async function fixture(s: WaitlistStack, startsAt: Date, capacity: number, n: number) {
  return inTenant(s, async (em) => {
    const branchId = uuidv7();
    const type = em.create(ClassType, { name: 'Yoga' });
    const day = startsAt.toISOString().slice(0, 10);
    const schedule = em.create(ClassSchedule, {
      branchId,
      classTypeId: type.id,
      room: 'Sala 1',
      weekday: ((startsAt.getUTCDay() + 6) % 7) + 1,
      startTime: startsAt.toISOString().slice(11, 16),
      durationMinutes: 60,
      capacity,
      timeZone: 'UTC',
      startsOn: day,
    });
    const o = em.create(ClassOccurrence, {
      tenantId: s.tenantId,
      scheduleId: schedule.id,
      branchId,
      classTypeId: type.id,
      room: 'Sala 1',
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      localDate: day,
      capacity,
    });
    const plan = em.create(Plan, { name: 'Libre', kind: 'monthly' });
    const members = Array.from({ length: n }, (_, i) =>
      em.create(Member, {
        branchId,
        firstName: `Socia${i + 1}`,
        lastName: 'Live',
        email: `socia${i + 1}@example.com`,
      }),
    );
    await em.flush();
    const today = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    for (const m of members)
      em.create(Membership, {
        memberId: m.id,
        planId: plan.id,
        branchId,
        status: 'active',
        startsOn: today,
        endsOn: later,
        sessionsLeft: null,
        amount: 10000n,
        currency: 'CLP',
        paymentMethod: 'wallet',
        purchaseKey: `live:${m.id}`,
      });
    await em.flush();
    return { occurrence: o, members };
  });
}

/**
 * What the API does for a booking: the database first, then the process is told — unless
 * `signal: false`, an API that died after its commit (the outbox's dispatcher tells it then).
 */
async function bookOrWait(s: WaitlistStack, o: ClassOccurrence, member: Member, signal = true) {
  return inTenant(s, async (em) => {
    const settings = await settingsOf(em, s.tenantId);
    const r = await book(
      em,
      { occurrenceId: o.id, member, settings, now: new Date(), actor: ACTOR, waitlist: true },
      async (tx, id) => tx.findOneOrFail(ClassOccurrence, { id }),
    );
    if (signal)
      await classChanged(
        s.process,
        em,
        s.tenantId,
        await em.findOneOrFail(ClassOccurrence, { id: o.id }, { refresh: true }),
      );
    return r;
  });
}
async function cancel(s: WaitlistStack, o: ClassOccurrence, bookingId: string, signal = true) {
  await inTenant(s, async (em) => {
    const settings = await settingsOf(em, s.tenantId);
    await cancelBooking(em, bookingId, { settings, now: new Date(), actor: ACTOR }, () => true);
    if (signal)
      await classChanged(
        s.process,
        em,
        s.tenantId,
        await em.findOneOrFail(ClassOccurrence, { id: o.id }, { refresh: true }),
      );
  });
}
const entryOf = (s: WaitlistStack, id: string) =>
  inTenant(s, (em) => em.findOneOrFail(WaitlistEntry, { id }, { refresh: true }));
/** Waits until the entry is in `status` (no jest here: the recording script runs these too). */
const entryIs = (s: WaitlistStack, id: string, status: string, withinMs = 20_000) =>
  eventually(
    async () => {
      const e = await entryOf(s, id);
      if (e.status !== status) throw new Error(`entry ${id} is ${e.status}, not ${status}`);
    },
    withinMs,
    250,
  );

export interface WaitlistRun {
  name: string;
  handle: WorkflowHandle<WaitlistWorkflow>;
  final: Partial<WaitlistStatus>;
  expect: Partial<WaitlistStatus>;
}

const soon = (seconds: number) => new Date(Math.ceil((Date.now() + seconds * 1000) / 60_000) * 60_000);
/** A start `seconds` from now (live runs stay short: no whole minute needed). */
const inSeconds = (seconds: number) => new Date(Math.ceil(Date.now() / 1000 + seconds) * 1000);
/** The outbox's dispatcher, as the gym worker runs it (no grace: the API is known dead here). */
const dispatch = (s: WaitlistStack) =>
  createWaitlistDispatcher({ ...s.process, orm: s.orm }).runDue(new Date(), 0);
const handleOf = (s: WaitlistStack, occurrenceId: string) =>
  s.client.workflow.getHandle<WaitlistWorkflow>(waitlistWorkflowId(s.tenantId, occurrenceId));

/** Offer, decline, next offer, accept; then the start settles attendance (the seated one never checked in). */
async function offersAndAttendance(s: WaitlistStack): Promise<WaitlistRun> {
  const { occurrence: o, members } = await fixture(s, inSeconds(30), 1, 3);
  const [a, b, c] = members;
  const first = await bookOrWait(s, o, a!);
  const eb = (await bookOrWait(s, o, b!)).entry!;
  const ec = (await bookOrWait(s, o, c!)).entry!;
  await cancel(s, o, first.booking!.id);
  await entryIs(s, eb.id, 'offered');
  await declineSeat(s.process, s.tenantId, o.id, { entryId: eb.id, memberId: b!.id });
  await entryIs(s, ec.id, 'offered');
  await acceptSeat(s.process, s.tenantId, o.id, { entryId: ec.id, memberId: c!.id, actorId: ACTOR });
  const handle = handleOf(s, o.id);
  const final = await handle.result();
  return {
    name: 'offers-and-attendance',
    handle,
    final,
    expect: {
      state: 'finished',
      counts: { offered: 2, accepted: 1, expired: 0, declined: 1, noShows: 1 },
    },
  };
}

/**
 * The API dies after each commit: a first booking never signalled and a cancel never signalled are
 * delivered by the outbox's dispatcher — the process starts, confirms the booking once, and offers
 * the freed seat, which is accepted.
 */
async function outboxDelivers(s: WaitlistStack): Promise<WaitlistRun> {
  const { occurrence: o, members } = await fixture(s, inSeconds(30), 1, 2);
  const [a, b] = members;
  const first = await bookOrWait(s, o, a!, false);
  const eb = (await bookOrWait(s, o, b!, false)).entry!;
  await dispatch(s);
  const handle = handleOf(s, o.id);
  await eventually(
    async () => {
      const st = await handle.query(waitlistStatusQuery);
      if (st.waiting !== 1 || st.counts.confirmed !== 1) throw new Error('not seen yet');
    },
    20_000,
    250,
  );
  await cancel(s, o, first.booking!.id, false);
  await dispatch(s);
  await entryIs(s, eb.id, 'offered');
  await acceptSeat(s.process, s.tenantId, o.id, { entryId: eb.id, memberId: b!.id, actorId: ACTOR });
  const final = await handle.result();
  return {
    name: 'outbox-delivers',
    handle,
    final,
    expect: {
      state: 'finished',
      counts: { offered: 1, accepted: 1, expired: 0, declined: 0, noShows: 1, confirmed: 1 },
    },
  };
}

/**
 * A class whose run handled its threshold of signals (2 here) continues as new under the same id;
 * the next run offers the freed seat and settles attendance with the counts carried over. The
 * history kept is the first run's (it ends ContinuedAsNew).
 */
async function continuesAsNew(s: WaitlistStack): Promise<WaitlistRun> {
  const { occurrence: o, members } = await fixture(s, inSeconds(30), 1, 2);
  const [a, b] = members;
  const started = await s.client.workflow.start<WaitlistWorkflow>(WAITLIST_WORKFLOW_TYPE, {
    taskQueue: WAITLIST_TASK_QUEUE,
    workflowId: waitlistWorkflowId(s.tenantId, o.id),
    args: [{ tenantId: s.tenantId, occurrenceId: o.id, title: 'Yoga · Sala 1', continueAfter: 2 }],
  });
  const first = await bookOrWait(s, o, a!);
  const eb = (await bookOrWait(s, o, b!)).entry!;
  await cancel(s, o, first.booking!.id);
  await entryIs(s, eb.id, 'offered');
  await acceptSeat(s.process, s.tenantId, o.id, { entryId: eb.id, memberId: b!.id, actorId: ACTOR });
  const final = await handleOf(s, o.id).result();
  return {
    name: 'continues-as-new',
    handle: s.client.workflow.getHandle<WaitlistWorkflow>(started.workflowId, started.firstExecutionRunId),
    final,
    // How many runs it took depends on how the server batched the messages into tasks (2 or more):
    // the test asserts at least one continue-as-new (`final.runs >= 2`).
    expect: {
      state: 'finished',
      counts: { offered: 1, accepted: 1, expired: 0, declined: 0, noShows: 1 },
    },
  };
}

/** An offer nobody answers expires after the hold; no one else waits: the seat is given back. */
async function offerExpires(s: WaitlistStack): Promise<WaitlistRun> {
  const { occurrence: o, members } = await fixture(s, soon(130), 1, 2);
  const [a, b] = members;
  const first = await bookOrWait(s, o, a!);
  const eb = (await bookOrWait(s, o, b!)).entry!;
  await cancel(s, o, first.booking!.id);
  await entryIs(s, eb.id, 'offered');
  await entryIs(s, eb.id, 'expired', 90_000);
  const handle = handleOf(s, o.id);
  const final = await handle.result();
  return {
    name: 'offer-expires',
    handle,
    final,
    expect: { state: 'finished', counts: { offered: 1, accepted: 0, expired: 1, declined: 0, noShows: 0 } },
  };
}

/** Staff cancel the class while one is booked and one waits: both are told, the process ends. */
async function classCancelledRun(s: WaitlistStack): Promise<WaitlistRun> {
  const { occurrence: o, members } = await fixture(s, new Date(Date.now() + 86_400_000), 1, 2);
  const [a, b] = members;
  await bookOrWait(s, o, a!);
  await bookOrWait(s, o, b!);
  const handle = handleOf(s, o.id);
  await eventually(
    async () => {
      if ((await handle.query(waitlistStatusQuery)).waiting !== 1) throw new Error('not in line yet');
    },
    20_000,
    250,
  );
  await inTenant(s, async (em) => {
    const { occurrence } = await cancelOccurrence(
      em,
      o.id,
      { reason: 'Profesora enferma', actor: ACTOR, now: new Date() },
      () => true,
    );
    await classCancelled(s.process, em, s.tenantId, occurrence, {
      reason: 'Profesora enferma',
      actorId: ACTOR,
    });
  });
  const final = await handle.result();
  return { name: 'class-cancelled', handle, final, expect: { state: 'cancelled' } };
}

/** The live scenarios (v2: confirmations, the outbox, continue-as-new), recorded under histories/v2/. */
export const WAITLIST_SCENARIOS = [
  { name: 'offers-and-attendance', run: offersAndAttendance },
  { name: 'outbox-delivers', run: outboxDelivers },
  { name: 'continues-as-new', run: continuesAsNew },
  { name: 'class-cancelled', run: classCancelledRun },
];
/**
 * Histories recorded before v2 (src/waitlist/histories/*.json), kept replaying. `offer-expires` is
 * the expiry's only history: it takes a real minute of hold, so it is not driven live any more
 * (`runOfferExpiry` records it again by hand).
 */
export const WAITLIST_V1_HISTORIES = ['offers-and-attendance', 'offer-expires', 'class-cancelled'];
/** The slow expiry scenario (a real minute of hold), for a recording by hand only. */
export const runOfferExpiry = (s: WaitlistStack): Promise<WaitlistRun> => offerExpires(s);

/** Every live scenario, concurrently (their timers overlap: about 40 seconds in all). */
export const runWaitlistScenarios = (s: WaitlistStack): Promise<WaitlistRun[]> =>
  Promise.all(WAITLIST_SCENARIOS.map((sc) => sc.run(s)));
