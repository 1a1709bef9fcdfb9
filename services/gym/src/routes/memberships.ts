import Joi from 'joi';
import type { Context } from 'koa';
import {
  assertMembers,
  coversBranch,
  defineRoute,
  idempotency,
  notFound,
  paginationQuery,
  findPage,
  reply,
  scopedIdempotencyKey,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { todayIn } from '../domain/dates.ts';
import { Membership, MembershipEvent, PAYMENT_METHODS, type PaymentMethod } from '../domain/entities.ts';
import { memberOfUser } from '../domain/members.ts';
import {
  cancel,
  freezesOf,
  pause,
  presentEvent,
  presentMembership,
  purchase,
  refreshPayment,
  resume,
} from '../domain/memberships.ts';
import { loadPlan } from '../domain/plans.ts';
import { pauseRenewal, resumeRenewal } from '@faena/workflows/renewal/contract';
import { ensureRenewal, runningRenewal, updateRenewal } from '../renewal.ts';
import { settingsOf } from '../domain/settings.ts';
import { day, em, id, me, params, tenant, text, token } from './common.ts';
import { loadMember } from './members.ts';
import { membershipEventOut, membershipOut } from './responses.ts';

export function membershipRoutes(deps: GymDeps): Route[] {
  const { guard, payments, temporal, renewalTaskQueue } = deps;
  /** An active auto-renewing membership's renewal chain is started if it is not (a crash after activation). */
  const renewing = (m: Membership) =>
    m.autoRenew && m.status === 'active'
      ? ensureRenewal(em(), temporal, renewalTaskQueue, m)
      : Promise.resolve(false);
  const idem = idempotency({ redis: deps.redis, scope: 'gym' });
  const today = async (ctx: Context) => todayIn((await settingsOf(em(), tenant(ctx))).timeZone);
  /** A membership of a branch the caller's `permission` covers; any other is not found. */
  const load = async (ctx: Context, membershipId: string, permission: string) => {
    const m = await em().findOne(Membership, { id: membershipId });
    if (!m || !coversBranch(ctx, permission, m.branchId)) throw notFound('Membership');
    return m;
  };
  const present = async (ctx: Context, ms: Membership[]) => {
    const [freezes, t] = await Promise.all([freezesOf(em(), ms), today(ctx)]);
    return ms.map((m) => presentMembership(m, freezes, t));
  };
  const one = async (ctx: Context, m: Membership) => (await present(ctx, [m]))[0]!;
  const list = Joi.object<{ limit: number; cursor?: string }>(paginationQuery);
  return [
    defineRoute({
      method: 'post',
      path: '/memberships',
      summary:
        "Sell a member a plan at the branch's price, paid through payments (their wallet with the payer code they show, a MercadoPago checkout, or cash into a reception drawer with an open cash session); Idempotency-Key required: a retry never charges twice",
      tags: ['memberships'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('members.manage', { body: 'branchId' }), idem],
      schemas: {
        body: Joi.object<{
          memberId: string;
          planId: string;
          branchId: string;
          startsOn?: string;
          method: PaymentMethod;
          payerCode?: string;
          drawerId?: string;
        }>({
          memberId: id.required(),
          planId: id.required(),
          branchId: id.required(),
          startsOn: day.description("first day it covers (default: today in the business's calendar)"),
          method: Joi.string()
            .valid(...PAYMENT_METHODS)
            .required(),
          payerCode: Joi.string()
            .pattern(/^\d{8}$/)
            .description(
              "wallet: the one-time code the member shows (payments' POST /wallets/me/payer-codes)",
            ),
          drawerId: id.description(
            "cash only (required, 422 DRAWER_REQUIRED; on another method 422 TENDER_FIELDS): the branch's drawer whose open cash session takes it (422 DRAWER_NOT_OPEN without one)",
          ),
        }).required(),
        response: membershipOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        await assertMembers(guard, ctx, { branches: { 'body.branchId': b.branchId } });
        const member = await loadMember(ctx, b.memberId, 'members.manage');
        const plan = await loadPlan(em(), b.planId);
        const { membership, created } = await purchase(em(), payments, token(ctx), {
          member,
          plan,
          branchId: b.branchId,
          startsOn: b.startsOn ?? (await today(ctx)),
          method: b.method,
          payerCode: b.payerCode,
          drawerId: b.drawerId,
          purchaseKey: scopedIdempotencyKey(ctx),
          actor: me(ctx),
        });
        return reply(await one(ctx, membership), {
          status: created ? 201 : 200,
          headers: { Location: `${BASE_PATH}/memberships/${membership.id}` },
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/members/me/memberships',
      summary:
        "Buy a plan for myself (a member who logs in) at a branch's price (default: my home branch), paid from my own wallet or a MercadoPago checkout (payments' POST /payments/self: never anyone else's money); Idempotency-Key required: a retry never charges twice",
      tags: ['memberships'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('members.self', 'self'), idem],
      schemas: {
        body: Joi.object<{
          planId: string;
          branchId?: string;
          startsOn?: string;
          method: 'wallet' | 'mercadopago';
        }>({
          planId: id.required(),
          branchId: id.description('the branch I buy at (its price); default my home branch'),
          startsOn: day.description("first day it covers (default: today in the business's calendar)"),
          method: Joi.string().valid('wallet', 'mercadopago').required(),
        }).required(),
        response: membershipOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        const member = await memberOfUser(em(), me(ctx));
        const branchId = b.branchId ?? member.branchId;
        if (b.branchId) await assertMembers(guard, ctx, { branches: { 'body.branchId': b.branchId } });
        const plan = await loadPlan(em(), b.planId);
        const { membership, created } = await purchase(em(), payments, token(ctx), {
          member,
          plan,
          branchId,
          startsOn: b.startsOn ?? (await today(ctx)),
          method: b.method,
          purchaseKey: scopedIdempotencyKey(ctx),
          actor: me(ctx),
          self: true,
        });
        return reply(await one(ctx, membership), {
          status: created ? 201 : 200,
          headers: { Location: `${BASE_PATH}/members/me/memberships` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/me/memberships',
      summary:
        'My memberships (a member who logs in), newest first; a pending payment is checked with payments',
      tags: ['memberships'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: { query: list, response: Joi.array().items(membershipOut) },
      handler: async (ctx, input) => {
        const member = await memberOfUser(em(), me(ctx));
        const { items, meta } = await findPage(em(), Membership, { memberId: member.id }, input.query);
        for (const m of items) {
          await refreshPayment(em(), payments, token(ctx), m);
          await renewing(m);
        }
        return reply(await present(ctx, items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/:id/memberships',
      summary: "A member's memberships, newest first (their history)",
      tags: ['memberships'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: { params, query: list, response: Joi.array().items(membershipOut) },
      handler: async (ctx, input) => {
        const member = await loadMember(ctx, input.params.id, 'members.read');
        const { items, meta } = await findPage(em(), Membership, { memberId: member.id }, input.query);
        return reply(await present(ctx, items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/memberships/:id',
      summary: 'One membership; a pending payment is checked with payments (when the caller may read it)',
      tags: ['memberships'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: { params, response: membershipOut },
      handler: async (ctx, input) => {
        const m = await load(ctx, input.params.id, 'members.read');
        await refreshPayment(em(), payments, token(ctx), m);
        await renewing(m);
        return one(ctx, m);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/memberships/:id/events',
      summary: "A membership's history, oldest first",
      tags: ['memberships'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: { params, response: Joi.array().items(membershipEventOut) },
      handler: async (ctx, input) => {
        const m = await load(ctx, input.params.id, 'members.read');
        const events = await em().find(
          MembershipEvent,
          { membershipId: m.id },
          { orderBy: { createdAt: 'asc', id: 'asc' } },
        );
        return events.map(presentEvent);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/memberships/:id/pause',
      summary:
        "Freeze a membership from startsOn (default today) for days, within the plan's freeze rules: the end moves by as many days",
      tags: ['memberships'],
      auth: true,
      middleware: [guard.requirePermission('members.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<{ startsOn?: string; days: number }>({
          startsOn: day,
          days: Joi.number().integer().min(1).max(366).required(),
        }).required(),
        response: membershipOut,
      },
      handler: async (ctx, input) => {
        const m = await load(ctx, input.params.id, 'members.manage');
        const t = await today(ctx);
        // A renewing membership pauses through its renewal (which moves the renewal date with it).
        if (await runningRenewal(temporal, m)) {
          await updateRenewal(temporal, m, pauseRenewal, {
            startsOn: input.body.startsOn ?? t,
            days: input.body.days,
            actorId: me(ctx),
          });
          return one(ctx, await em().findOneOrFail(Membership, { id: m.id }, { refresh: true }));
        }
        const plan = await loadPlan(em(), m.planId);
        const paused = await pause(em(), m.id, plan, {
          startsOn: input.body.startsOn ?? t,
          days: input.body.days,
          today: t,
          actor: me(ctx),
        });
        return one(ctx, paused);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/memberships/:id/resume',
      summary: 'End the current freeze today (or drop a coming one): the unused days come off the end',
      tags: ['memberships'],
      auth: true,
      middleware: [guard.requirePermission('members.manage', 'records')],
      schemas: { params, response: membershipOut },
      handler: async (ctx, input) => {
        const m = await load(ctx, input.params.id, 'members.manage');
        if (await runningRenewal(temporal, m)) {
          await updateRenewal(temporal, m, resumeRenewal, { actorId: me(ctx) });
          return one(ctx, await em().findOneOrFail(Membership, { id: m.id }, { refresh: true }));
        }
        const plan = await loadPlan(em(), m.planId);
        return one(ctx, await resume(em(), m.id, plan, { today: await today(ctx), actor: me(ctx) }));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/memberships/:id/cancel',
      summary: 'Cancel a membership (its days are free again; money comes back only by a refund in payments)',
      tags: ['memberships'],
      auth: true,
      middleware: [guard.requirePermission('members.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<{ reason: string }>({ reason: text(300).required() }).required(),
        response: membershipOut,
      },
      handler: async (ctx, input) => {
        const m = await load(ctx, input.params.id, 'members.manage');
        return one(ctx, await cancel(em(), m.id, { reason: input.body.reason, actor: me(ctx) }));
      },
    }),
  ];
}
