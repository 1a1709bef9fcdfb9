/**
 * The waitlist, seat offers, class cancellation, capacity, attendance and penalties (issue 16).
 * Offers are accepted or declined through the class's waitlist process (Updates): the process is
 * the one place that decides between an accept and the offer's expiry.
 */
import Joi from 'joi';
import type { Context } from 'koa';
import {
  coversBranch,
  defineRoute,
  DomainError,
  findPage,
  idempotency,
  notFound,
  paginationQuery,
  reply,
  type Route,
} from '@faena/platform';
import type { GymDeps } from '../deps.ts';
import { presentBooking } from '../domain/bookings.ts';
import { presentOccurrence } from '../domain/classes.ts';
import { Booking, ClassOccurrence, Member } from '../domain/entities.ts';
import { memberOfUser } from '../domain/members.ts';
import {
  cancelOccurrence,
  changeCapacity,
  leaveWaitlist,
  markAttended,
  positionOf,
  presentEntry,
} from '../domain/waitlist.ts';
import { WaitlistEntry } from '../domain/waitlist-entities.ts';
import { acceptSeat, classCancelled, classChanged, declineSeat } from '../waitlist-process.ts';
import { em, me, params, tenant, text, token } from './common.ts';
import { bookingOut, occurrenceOut, waitlistEntryOut } from './responses.ts';

export function waitlistRoutes(deps: GymDeps): Route[] {
  const { guard, payments } = deps;
  const idem = idempotency({ redis: deps.redis, scope: 'gym' });
  const list = Joi.object<{ limit: number; cursor?: string }>(paginationQuery);
  const present = async (e: WaitlistEntry) => presentEntry(e, await positionOf(em(), e));
  /** A waitlist entry the caller may act on (a branch `permission` covers, or their own); else not found. */
  const entryFor = async (ctx: Context, entryId: string, permission: string) => {
    const e = await em().findOne(WaitlistEntry, { id: entryId });
    if (!e) throw notFound('Waitlist entry');
    if (permission === 'self') {
      if (e.memberId !== (await memberOfUser(em(), me(ctx))).id) throw notFound('Waitlist entry');
    } else if (!coversBranch(ctx, permission, e.branchId)) throw notFound('Waitlist entry');
    return e;
  };
  const occurrenceFor = async (ctx: Context, occurrenceId: string, permission: string) => {
    const o = await em().findOne(ClassOccurrence, { id: occurrenceId });
    if (!o || !coversBranch(ctx, permission, o.branchId)) throw notFound('Class');
    return o;
  };
  const changed = async (ctx: Context, occurrenceId: string) => {
    const o = await em().findOne(ClassOccurrence, { id: occurrenceId }, { refresh: true });
    if (o) await classChanged(deps, em(), tenant(ctx), o);
  };
  const accept = async (ctx: Context, e: WaitlistEntry, feeConsent: boolean) => {
    if (e.status !== 'offered')
      throw new DomainError('INVALID_STATE_TRANSITION', 'No open seat offer for this entry');
    const bookingId = await acceptSeat(deps, tenant(ctx), e.occurrenceId, {
      entryId: e.id,
      memberId: e.memberId,
      actorId: me(ctx),
      feeConsent,
    });
    return presentBooking(await em().findOneOrFail(Booking, { id: bookingId }, { refresh: true }));
  };
  const decline = async (ctx: Context, e: WaitlistEntry) => {
    if (e.status !== 'offered')
      throw new DomainError('INVALID_STATE_TRANSITION', 'No open seat offer for this entry');
    await declineSeat(deps, tenant(ctx), e.occurrenceId, { entryId: e.id, memberId: e.memberId });
    return present(await em().findOneOrFail(WaitlistEntry, { id: e.id }, { refresh: true }));
  };
  const leave = async (ctx: Context, e: WaitlistEntry, visible: (x: WaitlistEntry) => boolean) => {
    const left = await leaveWaitlist(em(), e.id, visible);
    await changed(ctx, left.occurrenceId);
    return present(left);
  };
  const entryRoutes = (
    prefix: string,
    permission: string,
    who: string,
    middleware: ReturnType<typeof guard.requireAuth>,
  ): Route[] => [
    defineRoute({
      method: 'post',
      path: `${prefix}/:id/accept`,
      summary: `Accept a seat offered from the waitlist (${who}), while it is held: answers the booking`,
      tags: ['waitlist'],
      auth: true,
      middleware: [middleware],
      schemas: { params, response: bookingOut },
      // The member's own accept consents to the plan's fees (as their own booking does).
      handler: async (ctx, input) =>
        accept(ctx, await entryFor(ctx, input.params.id, permission), permission === 'self'),
    }),
    defineRoute({
      method: 'post',
      path: `${prefix}/:id/decline`,
      summary: `Decline a seat offered from the waitlist (${who}): it goes to the next in line`,
      tags: ['waitlist'],
      auth: true,
      middleware: [middleware],
      schemas: { params, response: waitlistEntryOut },
      handler: async (ctx, input) => decline(ctx, await entryFor(ctx, input.params.id, permission)),
    }),
    defineRoute({
      method: 'post',
      path: `${prefix}/:id/leave`,
      summary: `Leave a class's waitlist (${who})`,
      tags: ['waitlist'],
      auth: true,
      middleware: [middleware],
      schemas: { params, response: waitlistEntryOut },
      handler: async (ctx, input) => {
        const e = await entryFor(ctx, input.params.id, permission);
        return leave(ctx, e, (x) => x.id === e.id);
      },
    }),
  ];
  return [
    defineRoute({
      method: 'get',
      path: '/occurrences/:id/waitlist',
      summary: "A class's waitlist in arrival order (staff of its branch): who waits and who holds an offer",
      tags: ['waitlist'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: { params, response: Joi.array().items(waitlistEntryOut) },
      handler: async (ctx, input) => {
        const o = await occurrenceFor(ctx, input.params.id, 'members.read');
        const rows = await em().execute<Array<{ id: string }>>(
          `select id from gym.waitlist_entries where tenant_id = ? and occurrence_id = ? order by seq limit 1000`,
          [o.tenantId, o.id],
        );
        const byId = new Map(
          (await em().find(WaitlistEntry, { id: { $in: rows.map((r) => r.id) } })).map((e) => [e.id, e]),
        );
        return Promise.all(rows.map((r) => present(byId.get(r.id)!)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/waitlist/:id',
      summary: 'One waitlist entry (staff of its branch), with its position',
      tags: ['waitlist'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: { params, response: waitlistEntryOut },
      handler: async (ctx, input) => present(await entryFor(ctx, input.params.id, 'members.read')),
    }),
    ...entryRoutes(
      '/waitlist',
      'members.manage',
      'front desk',
      guard.requirePermission('members.manage', 'records'),
    ),
    defineRoute({
      method: 'get',
      path: '/members/me/waitlist',
      summary: 'My waitlist entries (a member who logs in), newest first, with positions and open offers',
      tags: ['waitlist'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: { query: list, response: Joi.array().items(waitlistEntryOut) },
      handler: async (ctx, input) => {
        const member = await memberOfUser(em(), me(ctx));
        const { items, meta } = await findPage(em(), WaitlistEntry, { memberId: member.id }, input.query);
        return reply(await Promise.all(items.map(present)), { meta });
      },
    }),
    ...entryRoutes(
      '/members/me/waitlist',
      'self',
      'a member who logs in',
      guard.requirePermission('members.self', 'self'),
    ),
    defineRoute({
      method: 'post',
      path: '/occurrences/:id/cancel',
      summary:
        'Cancel a class before it starts (staff): every booking is cancelled with its pack session given back, the waitlist is cancelled, everyone is told',
      tags: ['classes'],
      auth: true,
      middleware: [guard.requirePermission('classes.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<{ reason: string }>({ reason: text(300).required() }).required(),
        response: occurrenceOut,
      },
      handler: async (ctx, input) => {
        const { occurrence } = await cancelOccurrence(
          em(),
          input.params.id,
          { reason: input.body.reason, actor: me(ctx), now: new Date() },
          (o) => coversBranch(ctx, 'classes.manage', o.branchId),
        );
        await classCancelled(deps, em(), tenant(ctx), occurrence, {
          reason: input.body.reason,
          actorId: me(ctx),
        });
        return presentOccurrence(occurrence);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/occurrences/:id/capacity',
      summary:
        "Change one class's capacity (staff): never below the seats booked and held; seats it adds go to the waitlist first",
      tags: ['classes'],
      auth: true,
      middleware: [guard.requirePermission('classes.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<{ capacity: number }>({
          capacity: Joi.number().integer().min(1).max(1000).required(),
        }).required(),
        response: occurrenceOut,
      },
      handler: async (ctx, input) => {
        const o = await changeCapacity(em(), input.params.id, input.body.capacity, (x) =>
          coversBranch(ctx, 'classes.manage', x.branchId),
        );
        await classChanged(deps, em(), tenant(ctx), o);
        return presentOccurrence(o);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/bookings/:id/check-in',
      summary:
        'Mark a booked member present at the class (who checks members in at its branch: the trainer running it, the front desk), from 2 hours before the start to its end; again is a no-op',
      tags: ['bookings'],
      auth: true,
      middleware: [guard.requirePermission('checkins.create', 'records')],
      schemas: { params, response: bookingOut },
      handler: async (ctx, input) =>
        presentBooking(
          await markAttended(em(), input.params.id, { now: new Date() }, (b) =>
            coversBranch(ctx, 'checkins.create', b.branchId),
          ),
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/bookings/:id/penalty/charge',
      summary:
        "Charge a late cancel's or a no-show's fee the booking owes (penalty fee_due) to the member's wallet with the payer code they show; Idempotency-Key required: charged once",
      tags: ['bookings'],
      auth: true,
      middleware: [guard.requirePermission('members.manage', 'records'), idem],
      schemas: {
        params,
        body: Joi.object<{ payerCode: string }>({
          payerCode: Joi.string().trim().min(4).max(64).required(),
        }).required(),
        response: bookingOut,
      },
      handler: async (ctx, input) => {
        const b = await em().findOne(Booking, { id: input.params.id });
        if (!b || !coversBranch(ctx, 'members.manage', b.branchId)) throw notFound('Booking');
        if (b.penalty === 'fee_paid') return presentBooking(b);
        if (b.penalty !== 'fee_due' || b.penaltyAmount == null || !b.penaltyCurrency)
          throw new DomainError('INVALID_STATE_TRANSITION', 'The booking owes no fee');
        // A fee the member consented to is the class process's to charge, until it was declined.
        if (b.feeConsent && !b.penaltyDeclinedAt)
          throw new DomainError(
            'INVALID_STATE_TRANSITION',
            "The fee is charged to the member's wallet by the class's process; the desk charges it only if that is declined",
          );
        const member = await em().findOneOrFail(
          Member,
          { id: b.memberId },
          { filters: { softDelete: false } },
        );
        if (!member.userId)
          throw new DomainError(
            'MEMBER_NOT_LINKED',
            'The member has no wallet (no login): the fee cannot be charged to it',
          );
        const answer = await payments.create(token(ctx), `gym-penalty:${b.id}`, {
          amount: b.penaltyAmount,
          currency: b.penaltyCurrency,
          method: 'wallet',
          payerId: member.userId,
          branchId: b.branchId,
          purpose: 'gym_penalty',
          reference: `booking:${b.id}`,
          payerCode: input.body.payerCode,
        });
        if (!['captured', 'held'].includes(answer.status))
          throw new DomainError('CONFLICT', `The fee was not charged: payment ${answer.status}`);
        await em().nativeUpdate(
          Booking,
          { id: b.id, penalty: 'fee_due' },
          { penalty: 'fee_paid', penaltyPaymentId: answer.id },
        );
        return presentBooking(await em().findOneOrFail(Booking, { id: b.id }, { refresh: true }));
      },
    }),
  ];
}
