/**
 * The class waitlist's test stack, shared by waitlist.test.ts and waitlist-outbox.test.ts: the gym
 * API (real PostgreSQL, identity and payments over HTTP), the real `classWaitlist` workflow on the
 * time-skipping server with the gym's real waitlist activities (and payments' real ones when asked),
 * and a witness for notifications' `notify` (the notifications suite renders the templates).
 * `waitlistSuite()` registers its own beforeAll/afterAll; the file's hooks run after them.
 */
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { workflowWorkerOptions } from '@faena/platform';
import { createTimeSkippingEnv } from '@faena/platform/testing';
import {
  GYM_TASK_QUEUE,
  WAITLIST_TASK_QUEUE,
  waitlistStatusQuery,
  waitlistWorkflowId,
  type WaitlistStatus,
} from '@faena/workflows/waitlist/contract';
import { SECRET_KEY, startPayments, type PaymentsHarness } from '../../payments/test/harness.ts';
import { createActivities as paymentsActivities } from '../../payments/src/activities.ts';
import { createPaymentsActivityDeps } from '../../payments/src/wiring.ts';
import { addDays, todayIn, weekdayOf } from '../src/domain/dates.ts';
import { waitlistActivities } from '../src/waitlist-activities.ts';
import {
  API,
  bearer,
  gym,
  member,
  ok,
  sql,
  startGymApi,
  type Gym,
  type GymApi,
  type GymHarness,
} from './harness.ts';

/** One `notify` call as the witness saw it. */
export interface Sent {
  key: string;
  event: string;
  email?: string;
  userId?: string;
  variables: Record<string, unknown>;
}

export interface WaitlistSuite {
  env: TestWorkflowEnvironment;
  p: PaymentsHarness;
  api: GymApi;
  h: GymHarness;
  g: Gym;
  /** The class type every class of the suite has. */
  yoga: string;
  /** Every `notify` call, in order: a message sent twice shows as two calls with one key. */
  calls: Sent[];
  /** One per key (what a member receives: notifications deduplicates by key). */
  sent: Sent[];
  /**
   * Awaited before the real `bookOffer` activity and before each `notify` runs: a test holds one
   * there to pin an interleaving (the activity itself is the real one).
   */
  before?: (activity: 'bookOffer' | 'notify', event?: string) => Promise<void>;
}

export function waitlistSuite(opts: { holdMinutes: number; paymentsWorker?: boolean }) {
  const s = { calls: [] as Sent[], sent: [] as Sent[] } as WaitlistSuite;
  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();

  beforeAll(async () => {
    s.env = await createTimeSkippingEnv();
    s.p = await startPayments();
    const p = s.p;
    s.api = await startGymApi(p, p.logs.logger, {
      temporal: s.env.client,
      waitlistTaskQueue: WAITLIST_TASK_QUEUE,
    });
    const api = s.api;
    s.h = {
      p,
      paymentsUrl: `http://127.0.0.1:${p.server.port}`,
      orm: api.orm,
      redis: api.redis,
      guard: api.guard,
      deps: api.deps,
      agent: api.agent,
      close: async () => undefined,
    };
    const connection = s.env.nativeConnection;
    workers = await Promise.all([
      Worker.create({
        connection,
        taskQueue: WAITLIST_TASK_QUEUE,
        ...workflowWorkerOptions({
          workflowsPath: fileURLToPath(new URL('../../../workflows/src/index.ts', import.meta.url)),
        }),
      }),
      Worker.create({
        connection,
        taskQueue: GYM_TASK_QUEUE,
        activities: ((real) => ({
          ...real,
          async bookOffer(...args: Parameters<typeof real.bookOffer>) {
            await s.before?.('bookOffer');
            return real.bookOffer(...args);
          },
        }))(waitlistActivities({ orm: api.orm, logger: p.logs.logger })),
      }),
      ...(opts.paymentsWorker
        ? [
            Worker.create({
              connection,
              taskQueue: 'payments',
              activities: paymentsActivities(
                createPaymentsActivityDeps(
                  {
                    MERCADOPAGO_BASE_URL: p.sandbox.url,
                    PAYMENTS_SECRET_KEY: SECRET_KEY,
                    PAYMENTS_PUBLIC_URL: p.deps.publicUrl,
                  },
                  { orm: p.orm, logger: p.logs.logger },
                ),
              ),
            }),
          ]
        : []),
      Worker.create({
        connection,
        taskQueue: 'notifications',
        activities: {
          async notify(n: {
            key: string;
            event: string;
            recipient?: { userId?: string; email?: string };
            variables: Record<string, unknown>;
          }) {
            await s.before?.('notify', n.event);
            const call: Sent = {
              key: n.key,
              event: n.event,
              ...(n.recipient?.email && { email: n.recipient.email }),
              ...(n.recipient?.userId && { userId: n.recipient.userId }),
              variables: n.variables,
            };
            if (!s.sent.some((x) => x.key === n.key)) s.sent.push(call);
            s.calls.push(call);
            return { replayed: false, notifications: [], webhookDeliveries: 0 };
          },
        },
      }),
    ]);
    running = Promise.all(workers.map((w) => w.run()));
    s.g = await gym(s.h);
    s.yoga = ok<{ id: string }>(
      await s.h.agent.post(`${API}/class-types`).set(bearer(s.g.manager.token)).send({ name: 'Yoga' }),
      'class type',
    ).id;
    ok(
      await s.h.agent
        .put(`${API}/settings`)
        .set(bearer(s.g.manager.token))
        .send({ offerHoldMinutes: opts.holdMinutes }),
      'settings',
    );
  }, 180_000);

  afterAll(async () => {
    workers.forEach((w) => w.shutdown());
    await running;
    await s.api?.close();
    await s.p?.close();
    await s.env?.teardown();
  });

  let classNo = 0;
  /** A class of branch A at `startsAt` (UTC schedule), answered as its occurrence id. */
  async function classAt(startsAt: Date, capacity: number): Promise<string> {
    const local = todayIn('UTC', startsAt);
    const schedule = ok<{ id: string }>(
      await s.h.agent
        .post(`${API}/classes`)
        .set(bearer(s.g.manager.token))
        .send({
          branchId: s.g.branchA,
          classTypeId: s.yoga,
          room: `Sala ${++classNo}`,
          weekday: weekdayOf(local),
          startTime: startsAt.toISOString().slice(11, 16),
          durationMinutes: 60,
          capacity,
          timeZone: 'UTC',
          startsOn: local,
        }),
      'schedule',
    );
    const [o] = await sql<{ id: string }>(
      s.h,
      `select id from gym.class_occurrences where schedule_id = ? and local_date = ?`,
      [schedule.id, local],
    );
    return o!.id;
  }

  /**
   * `n` members of branch A with emails and an active membership of `planId` each (written as a sale
   * leaves them: the sale itself is memberships.test's); `sessions` for a pack.
   */
  async function members(n: number, planId: string, sessions: number | null = null): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 10)
      ids.push(
        ...(await Promise.all(
          Array.from(
            { length: Math.min(10, n - i) },
            async () =>
              (
                await member(s.h, s.g.receptionist, s.g.branchA, {
                  email: `m${Math.random().toString(36).slice(2)}@example.com`,
                })
              ).id,
          ),
        )),
      );
    await sql(
      s.h,
      `insert into gym.memberships (id, tenant_id, member_id, plan_id, branch_id, status, starts_on, ends_on,
         sessions_left, amount, currency, payment_method, purchase_key, created_at, updated_at)
       select gen_random_uuid(), ?, m, ?, ?, 'active', current_date - 1, current_date + 30, ?, 10000, 'CLP', 'wallet',
         'seed:' || m, now(), now() from unnest(cast(? as uuid[])) as m`,
      [s.g.biz.tenantId, planId, s.g.branchA, sessions, `{${ids.join(',')}}`],
    );
    return ids;
  }

  const bookAtDesk = (occurrenceId: string, memberId: string, waitlist = false) =>
    s.h.agent
      .post(`${API}/bookings`)
      .set(bearer(s.g.receptionist.token))
      .send({ occurrenceId, memberId, waitlist });
  const processOf = (occurrenceId: string) =>
    s.env.client.workflow.getHandle(waitlistWorkflowId(s.g.biz.tenantId, occurrenceId));
  const processStatus = (occurrenceId: string): Promise<WaitlistStatus> =>
    processOf(occurrenceId).query(waitlistStatusQuery);
  const emailOf = async (memberId: string) =>
    (await sql<{ email: string }>(s.h, `select email from gym.members where id = ?`, [memberId]))[0]!.email;
  /** Moves the test server's clock to `at` (plus a second). */
  const skipTo = async (at: Date) => {
    const now = await s.env.currentTimeMs();
    if (at.getTime() > now) await s.env.sleep(at.getTime() - now + 1000);
  };

  return { suite: s, classAt, members, bookAtDesk, processOf, processStatus, emailOf, skipTo };
}

/** Tomorrow at 19:00 UTC: far from every window. */
export const tomorrow = () => new Date(`${addDays(todayIn('UTC'), 1)}T19:00:00.000Z`);
/** A start `minutes` from now, on a whole minute. */
export const inMinutes = (minutes: number) =>
  new Date(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000);
