import Joi from 'joi';
import type { Context } from 'koa';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  assertMembers,
  coversBranch,
  defineRoute,
  findPage,
  notFound,
  paginationQuery,
  reply,
  timeZone,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { book, cancelBooking, presentBooking } from '../domain/bookings.ts';
import { positionOf, presentEntry } from '../domain/waitlist.ts';
import { classChanged } from '../waitlist-process.ts';
import {
  createSchedule,
  generateOccurrences,
  loadSchedule,
  presentClassType,
  presentOccurrence,
  presentSchedule,
  type ScheduleInput,
} from '../domain/classes.ts';
import { Booking, ClassOccurrence, ClassSchedule, ClassType, type Member } from '../domain/entities.ts';
import { memberOfUser } from '../domain/members.ts';
import { presentSettings, saveSettings, settingsOf, type Settings } from '../domain/settings.ts';
import { day, em, id, me, params, period, tenant, text } from './common.ts';
import { loadMember } from './members.ts';
import {
  bookingOrEntryOut,
  bookingOut,
  classTypeOut,
  occurrenceOut,
  scheduleOut,
  settingsOut,
} from './responses.ts';

const DAY_MS = 86_400_000;

export function classRoutes(deps: GymDeps): Route[] {
  const { guard } = deps;
  /** An occurrence of a branch `permission` covers (undefined: any the caller may see); else not found. */
  const occurrenceFor =
    (ctx: Context, permission?: string) =>
    async (tx: EntityManager, occurrenceId: string): Promise<ClassOccurrence> => {
      const o = await tx.findOne(ClassOccurrence, { id: occurrenceId });
      if (!o || (permission && !coversBranch(ctx, permission, o.branchId))) throw notFound('Class');
      return o;
    };
  const bookFor = async (
    ctx: Context,
    member: Member,
    body: { occurrenceId: string; waitlist?: boolean },
    permission?: string,
  ) => {
    // The member's own booking (no staff permission) consents to the plan's fees, charged unattended.
    const result = await book(
      em(),
      {
        occurrenceId: body.occurrenceId,
        member,
        settings: await settingsOf(em(), tenant(ctx)),
        now: new Date(),
        actor: me(ctx),
        waitlist: body.waitlist ?? false,
        feeConsent: permission === undefined,
      },
      occurrenceFor(ctx, permission),
    );
    // The class's seats or line changed: its waitlist process looks again (started by the first booking).
    await classChanged(deps, em(), tenant(ctx), result.occurrence, result.outbox);
    if (result.entry)
      return reply(presentEntry(result.entry, await positionOf(em(), result.entry)), {
        status: 201,
        headers: { Location: `${BASE_PATH}/waitlist/${result.entry.id}` },
      });
    return reply(presentBooking(result.booking), {
      status: 201,
      headers: { Location: `${BASE_PATH}/bookings/${result.booking.id}` },
    });
  };
  const cancelFor = async (ctx: Context, bookingId: string, visible: (b: Booking) => boolean) => {
    const { booking, occurrence, outbox } = await cancelBooking(
      em(),
      bookingId,
      { settings: await settingsOf(em(), tenant(ctx)), now: new Date(), actor: me(ctx) },
      visible,
    );
    await classChanged(deps, em(), tenant(ctx), occurrence, outbox);
    return presentBooking(booking);
  };
  const bookingBody = {
    occurrenceId: id.required(),
    waitlist: Joi.boolean()
      .default(false)
      .description(
        'when the class is full, join its waitlist (answers the entry and its position) instead of 409 CLASS_FULL',
      ),
  };
  const occurrencesQuery = Joi.object<{ from: Date; to: Date; branchId?: string; classTypeId?: string }>({
    from: Joi.date().iso().required(),
    to: Joi.date().iso().required().description('not before from (422 INVALID_RANGE)'),
    branchId: id,
    classTypeId: id,
  });
  return [
    defineRoute({
      method: 'get',
      path: '/settings',
      summary: "The business's booking rules and calendar zone",
      tags: ['settings'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { response: settingsOut },
      handler: async (ctx) => presentSettings(await settingsOf(em(), tenant(ctx))),
    }),
    defineRoute({
      method: 'put',
      path: '/settings',
      summary:
        'Set the booking rules: bookings open N days and close M minutes before a class; a cancel H hours before gives a pack session back',
      tags: ['settings'],
      auth: true,
      middleware: [guard.requirePermission('classes.manage', 'tenant')],
      schemas: {
        body: Joi.object<Partial<Settings>>({
          bookingOpensDays: Joi.number().integer().min(0).max(90),
          bookingClosesMinutes: Joi.number().integer().min(0).max(1440),
          cancelHours: Joi.number().integer().min(0).max(168),
          offerHoldMinutes: Joi.number().integer().min(1).max(1440),
          noShowGraceMinutes: Joi.number().integer().min(0).max(240),
          timeZone,
        })
          .min(1)
          .required(),
        response: settingsOut,
      },
      handler: async (ctx, input) => presentSettings(await saveSettings(em(), tenant(ctx), input.body)),
    }),
    defineRoute({
      method: 'post',
      path: '/class-types',
      summary: 'Add a class type (yoga, spinning…), what plans allow',
      tags: ['classes'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('classes.manage', 'tenant')],
      schemas: {
        body: Joi.object<{ name: string; description?: string }>({
          name: text(120).required(),
          description: Joi.string().max(2000).allow(''),
        }).required(),
        response: classTypeOut,
      },
      handler: async (_ctx, input) => {
        const c = em().create(ClassType, {
          name: input.body.name,
          description: input.body.description ?? '',
        });
        await em().flush();
        return reply(presentClassType(c), {
          status: 201,
          headers: { Location: `${BASE_PATH}/class-types/${c.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/class-types',
      summary: 'The class types of the business',
      tags: ['classes'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string }>(paginationQuery),
        response: Joi.array().items(classTypeOut),
      },
      handler: async (_ctx, input) => {
        const { items, meta } = await findPage(em(), ClassType, {}, input.query);
        return reply(items.map(presentClassType), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/classes',
      summary:
        "Schedule a recurring class (weekday + local time in the branch's zone) and put the coming weeks on the calendar",
      tags: ['classes'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('classes.manage', { body: 'branchId' })],
      schemas: {
        body: Joi.object<ScheduleInput>({
          branchId: id.required(),
          classTypeId: id.required(),
          trainerId: id.allow(null),
          room: Joi.string().trim().max(80).allow(''),
          weekday: Joi.number().integer().min(1).max(7).required().description('1 = Monday … 7 = Sunday'),
          startTime: Joi.string()
            .pattern(/^([01]\d|2[0-3]):[0-5]\d$/)
            .required()
            .description('local HH:mm'),
          durationMinutes: Joi.number().integer().min(5).max(600).required(),
          capacity: Joi.number().integer().min(1).max(1000).required(),
          timeZone: timeZone.required(),
          startsOn: day.required(),
          endsOn: day.allow(null),
        }).required(),
        response: scheduleOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        await assertMembers(guard, ctx, {
          users: { 'body.trainerId': b.trainerId },
          branches: { 'body.branchId': b.branchId },
        });
        const { schedule } = await createSchedule(em(), b, deps.occurrenceWeeksAhead);
        return reply(presentSchedule(schedule), {
          status: 201,
          headers: { Location: `${BASE_PATH}/classes/${schedule.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/classes',
      summary: 'Recurring classes of the business (of a branch with branchId)',
      tags: ['classes'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; branchId?: string }>({
          ...paginationQuery,
          branchId: id,
        }),
        response: Joi.array().items(scheduleOut),
      },
      handler: async (_ctx, input) => {
        const where = input.query.branchId ? { branchId: input.query.branchId } : {};
        const { items, meta } = await findPage(em(), ClassSchedule, where, input.query);
        return reply(items.map(presentSchedule), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/classes/:id/occurrences',
      summary: "Put the class's next weeks on the calendar (days already there stay as they are)",
      tags: ['classes'],
      auth: true,
      middleware: [guard.requirePermission('classes.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<{ weeks: number }>({
          weeks: Joi.number().integer().min(1).max(26).required(),
        }).required(),
        response: Joi.array().items(occurrenceOut),
      },
      handler: async (ctx, input) => {
        const s = await loadSchedule(em(), input.params.id);
        if (!coversBranch(ctx, 'classes.manage', s.branchId)) throw notFound('Class');
        return (await generateOccurrences(em(), s, input.body.weeks)).map(presentOccurrence);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/occurrences',
      summary:
        'The calendar: classes starting between from and to (at most 31 days), soonest first, with seats left',
      tags: ['classes'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { query: occurrencesQuery, response: Joi.array().items(occurrenceOut) },
      handler: async (_ctx, input) => {
        const q = period(input.query);
        const to = new Date(Math.min(q.to.getTime(), q.from.getTime() + 31 * DAY_MS));
        const rows = await em().find(
          ClassOccurrence,
          {
            startsAt: { $gte: q.from, $lt: to },
            ...(q.branchId && { branchId: q.branchId }),
            ...(q.classTypeId && { classTypeId: q.classTypeId }),
          },
          { orderBy: { startsAt: 'asc', id: 'asc' }, limit: 1000 },
        );
        return rows.map(presentOccurrence);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/occurrences/:id',
      summary: 'One class on the calendar, with seats left',
      tags: ['classes'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { params, response: occurrenceOut },
      handler: async (ctx, input) => presentOccurrence(await occurrenceFor(ctx)(em(), input.params.id)),
    }),
    defineRoute({
      method: 'get',
      path: '/occurrences/:id/bookings',
      summary: 'Who is booked in a class (staff of its branch)',
      tags: ['bookings'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: {
        params,
        query: Joi.object<{ limit: number; cursor?: string }>(paginationQuery),
        response: Joi.array().items(bookingOut),
      },
      handler: async (ctx, input) => {
        const o = await occurrenceFor(ctx, 'members.read')(em(), input.params.id);
        const { items, meta } = await findPage(em(), Booking, { occurrenceId: o.id }, input.query);
        return reply(items.map(presentBooking), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/bookings',
      summary:
        'Book a member into a class (front desk): a membership must cover its day and type; a pack session is used; 409 CLASS_FULL when no seat is left, or with waitlist: true the waitlist entry (its position)',
      tags: ['bookings'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('members.manage', 'records')],
      schemas: {
        body: Joi.object<{ occurrenceId: string; memberId: string; waitlist: boolean }>({
          ...bookingBody,
          memberId: id.required(),
        }).required(),
        response: bookingOrEntryOut,
      },
      handler: async (ctx, input) => {
        const member = await loadMember(ctx, input.body.memberId, 'members.manage');
        return bookFor(ctx, member, input.body, 'members.manage');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/bookings/:id/cancel',
      summary:
        'Cancel a booking before the class: the seat frees; a pack session comes back when cancelled in time',
      tags: ['bookings'],
      auth: true,
      middleware: [guard.requirePermission('members.manage', 'records')],
      schemas: { params, response: bookingOut },
      handler: async (ctx, input) =>
        cancelFor(ctx, input.params.id, (b) => coversBranch(ctx, 'members.manage', b.branchId)),
    }),
    defineRoute({
      method: 'get',
      path: '/members/me/bookings',
      summary: 'My bookings (a member who logs in), newest first',
      tags: ['bookings'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string }>(paginationQuery),
        response: Joi.array().items(bookingOut),
      },
      handler: async (ctx, input) => {
        const member = await memberOfUser(em(), me(ctx));
        const { items, meta } = await findPage(em(), Booking, { memberId: member.id }, input.query);
        return reply(items.map(presentBooking), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/members/me/bookings',
      summary:
        'Book myself into a class (a member who logs in); with waitlist: true a full class puts me in its waitlist',
      tags: ['bookings'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: {
        body: Joi.object<{ occurrenceId: string; waitlist: boolean }>(bookingBody).required(),
        response: bookingOrEntryOut,
      },
      handler: async (ctx, input) => bookFor(ctx, await memberOfUser(em(), me(ctx)), input.body),
    }),
    defineRoute({
      method: 'post',
      path: '/members/me/bookings/:id/cancel',
      summary: 'Cancel one of my bookings before the class',
      tags: ['bookings'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: { params, response: bookingOut },
      handler: async (ctx, input) => {
        const member = await memberOfUser(em(), me(ctx));
        return cancelFor(ctx, input.params.id, (b) => b.memberId === member.id);
      },
    }),
  ];
}
