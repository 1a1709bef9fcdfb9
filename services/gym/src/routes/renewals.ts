/**
 * Renewal routes. Auto-renew is the member's consent to be charged from their wallet each period,
 * so only the member turns it on (their own token, `members.self`); staff may only stop it at the
 * period's end. A plan change charges the wallet the pro-rated difference, so it is the member's
 * too: they see the quote (`GET …/plan-change?planId=`) and confirm it with the same numbers.
 */
import Joi from 'joi';
import type { Context } from 'koa';
import { DomainError, coversBranch, defineRoute, notFound, type Route } from '@faena/platform';
import { prorate } from '@faena/workflows/renewal/calendar';
import {
  RENEWAL_OPERATOR_PERMISSION,
  cancelAtPeriodEnd,
  changePlan,
  retryRefund,
  type RenewalStatus,
} from '@faena/workflows/renewal/contract';
import type { GymDeps } from '../deps.ts';
import { todayIn } from '../domain/dates.ts';
import { Membership } from '../domain/entities.ts';
import { memberOfUser } from '../domain/members.ts';
import { freezesOf, presentMembership } from '../domain/memberships.ts';
import { loadPlan } from '../domain/plans.ts';
import { MembershipRenewal } from '../domain/renewal-entities.ts';
import { itemOf, presentRenewal, setAutoRenew } from '../domain/renewals.ts';
import { settingsOf } from '../domain/settings.ts';
import { ensureRenewal, runningRenewal, updateRenewal } from '../renewal.ts';
import { em, id, me, params, tenant, text } from './common.ts';
import { membershipOut } from './responses.ts';

const minor = Joi.string().pattern(/^\d+$/);
const day = Joi.string().pattern(/^\d{4}-\d{2}-\d{2}$/);
const renewalStatusOut = Joi.object({
  state: Joi.string()
    .valid('active', 'past_due', 'cancelled', 'expired', 'ended', 'refund_pending')
    .required(),
  subscriptionId: id.required(),
  cycle: Joi.number().integer().required(),
  plan: Joi.object({ id: id.required(), name: Joi.string().required() }).required(),
  amount: minor.required(),
  currency: Joi.string().required(),
  nextCharge: minor.required(),
  credit: minor.required(),
  periodStart: day.required(),
  periodEnd: day.required(),
  nextChargeAt: Joi.string().isoDate().allow(null).required(),
  cancelAtPeriodEnd: Joi.boolean().required(),
  lastPlanChange: Joi.object({
    from: id.required(),
    to: id.required(),
    charged: minor.required(),
    credited: minor.required(),
  })
    .allow(null)
    .required(),
  attempts: Joi.number().integer().required(),
  lastFailure: Joi.object({ code: Joi.string().required(), reason: Joi.string().required() })
    .allow(null)
    .required(),
  paymentId: id.allow(null).required(),
  refund: Joi.object({
    paymentId: id.required(),
    amount: minor.required(),
    since: Joi.string().isoDate().required(),
    attempts: Joi.number().integer().required(),
    reason: Joi.string().required(),
  })
    .allow(null)
    .required()
    .description('a refund that failed and waits (state refund_pending): what is owed and the last error'),
  operatorAction: Joi.string()
    .valid('retryRefund')
    .allow(null)
    .required()
    .description('what staff may do now: retryRefund (POST /memberships/:id/renewal/retry-refund)'),
  summary: Joi.string().required(),
});
const renewalOut = Joi.object({
  membershipId: id.required(),
  autoRenew: Joi.boolean().required(),
  process: renewalStatusOut.allow(null).required().description('the running renewal (null: none runs)'),
  cycles: Joi.array()
    .items(
      Joi.object({
        cycle: Joi.number().integer().required(),
        result: Joi.string().valid('renewed', 'expired', 'cancelled').required(),
        paymentId: id.allow(null).required(),
        planId: id.required(),
        amount: minor.required(),
        currency: Joi.string().required(),
        startsOn: day.required(),
        endsOn: day.required(),
        reason: Joi.string().allow(null).required(),
        createdAt: Joi.string().isoDate().required(),
      }),
    )
    .required(),
});
const quoteOut = Joi.object({
  fromPlanId: id.required(),
  toPlanId: id.required(),
  fromAmount: minor.required(),
  toAmount: minor.required(),
  currency: Joi.string().required(),
  daysLeft: Joi.number().integer().required(),
  periodDays: Joi.number().integer().required(),
  charge: minor.required().description('charged from the wallet now'),
  credit: minor.required().description('taken off the next renewal'),
});

export function renewalRoutes(deps: GymDeps): Route[] {
  const { guard, temporal, renewalTaskQueue } = deps;
  const today = async (ctx: Context) => todayIn((await settingsOf(em(), tenant(ctx))).timeZone);
  const present = async (ctx: Context, m: Membership) =>
    presentMembership(m, await freezesOf(em(), [m]), await today(ctx));
  /** One of the caller's own memberships (a member who logs in); anyone else's is not found. */
  const mine = async (ctx: Context, membershipId: string) => {
    const member = await memberOfUser(em(), me(ctx));
    const m = await em().findOne(Membership, { id: membershipId, memberId: member.id });
    if (!m) throw notFound('Membership');
    return m;
  };
  const staffs = async (ctx: Context, membershipId: string, permission: string) => {
    const m = await em().findOne(Membership, { id: membershipId });
    if (!m || !coversBranch(ctx, permission, m.branchId)) throw notFound('Membership');
    return m;
  };
  const view = async (m: Membership) => ({
    membershipId: m.id,
    autoRenew: m.autoRenew,
    process: await runningRenewal(temporal, m),
    cycles: (await em().find(MembershipRenewal, { membershipId: m.id }, { orderBy: { cycle: 'asc' } })).map(
      presentRenewal,
    ),
  });
  /** Stops the running chain at the period's end (or takes that back); starts one when none runs. */
  const steer = async (m: Membership, on: boolean, actorId: string) => {
    const running = await runningRenewal(temporal, m);
    if (running) await updateRenewal(temporal, m, cancelAtPeriodEnd, { actorId, cancel: !on });
    else if (on) {
      m.renewalStartedAt = null; // a chain that ended: a new one starts from the current period
      await em().nativeUpdate(Membership, { id: m.id }, { renewalStartedAt: null });
      await ensureRenewal(em(), temporal, renewalTaskQueue, m);
    }
  };
  const quote = async (ctx: Context, m: Membership, planId: string) => {
    const running = await runningRenewal(temporal, m);
    if (!running || running.state !== 'active')
      throw new DomainError(
        'INVALID_STATE_TRANSITION',
        'A plan change applies to a membership that auto-renews (turn auto-renew on first)',
      );
    const plan = await loadPlan(em(), planId);
    if (!plan.active)
      throw new DomainError('INVALID_STATE_TRANSITION', 'The plan is no longer sold', {
        field: 'query.planId',
      });
    const item = await itemOf(em(), m, plan);
    const current = {
      planId: running.plan.id,
      planName: running.plan.name,
      amount: running.amount,
      currency: running.currency,
    };
    return { item, quote: prorate(current, item, running, await today(ctx)) };
  };

  return [
    defineRoute({
      method: 'put',
      path: '/members/me/memberships/:id/auto-renew',
      summary:
        'Turn auto-renew of my membership on (my consent: each period is charged from my wallet on its renewal date) or off (it ends at the period end)',
      tags: ['renewals'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: {
        params,
        body: Joi.object<{ autoRenew: boolean }>({ autoRenew: Joi.boolean().required() }).required(),
        response: membershipOut,
      },
      handler: async (ctx, input) => {
        const m = await mine(ctx, input.params.id);
        const on = input.body.autoRenew;
        const saved = await setAutoRenew(em(), m.id, on, me(ctx));
        if (saved.status === 'active') await steer(saved, on, me(ctx));
        return present(ctx, saved);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/memberships/:id/cancel-at-period-end',
      summary:
        'Stop a membership from renewing: it runs to the end of its period and nothing more is charged (auto-renew off)',
      tags: ['renewals'],
      auth: true,
      middleware: [guard.requirePermission('members.manage', 'records')],
      schemas: { params, response: membershipOut },
      handler: async (ctx, input) => {
        const m = await staffs(ctx, input.params.id, 'members.manage');
        const saved = await setAutoRenew(em(), m.id, false, me(ctx));
        await steer(saved, false, me(ctx));
        return present(ctx, saved);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/memberships/:id/renewal',
      summary:
        "A membership's renewal: the running process (next charge, dunning, summary) and each cycle's result",
      tags: ['renewals'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: { params, response: renewalOut },
      handler: async (ctx, input) => {
        const m = await staffs(ctx, input.params.id, 'members.read');
        if (m.autoRenew && m.status === 'active') await ensureRenewal(em(), temporal, renewalTaskQueue, m);
        return view(m);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/memberships/:id/renewal/retry-refund',
      summary:
        "Retry a renewal's pending refund now (state refund_pending: the cycle was charged, the next period could not be given and the refund failed); the same idempotency key, so it never refunds twice. Answers once the refund went through (state cancelled) or failed again",
      tags: ['renewals'],
      auth: true,
      middleware: [guard.requirePermission(RENEWAL_OPERATOR_PERMISSION, 'records')],
      schemas: {
        params,
        body: Joi.object<{ note?: string }>({
          note: text(300).description('why, for the record'),
        }),
        response: renewalStatusOut,
      },
      handler: async (ctx, input): Promise<RenewalStatus> => {
        const m = await staffs(ctx, input.params.id, RENEWAL_OPERATOR_PERMISSION);
        const running = await runningRenewal(temporal, m);
        if (running?.state !== 'refund_pending')
          throw new DomainError(
            'INVALID_STATE_TRANSITION',
            `No refund of this membership's renewal is pending (${running ? `the renewal is ${running.state}` : 'no renewal runs'})`,
          );
        return updateRenewal(temporal, m, retryRefund, {
          operatorId: me(ctx),
          ...(input.body?.note && { note: input.body.note }),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/me/memberships/:id/renewal',
      summary: "My membership's renewal: next charge, its date, each cycle's result",
      tags: ['renewals'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: { params, response: renewalOut },
      handler: async (ctx, input) => {
        const m = await mine(ctx, input.params.id);
        if (m.autoRenew && m.status === 'active') await ensureRenewal(em(), temporal, renewalTaskQueue, m);
        return view(m);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/me/memberships/:id/plan-change',
      summary:
        'Preview moving my membership to another plan now: the pro-rated difference for the days left, charged now (or credited to the next renewal)',
      tags: ['renewals'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: {
        params,
        query: Joi.object<{ planId: string }>({ planId: id.required() }),
        response: quoteOut,
      },
      handler: async (ctx, input) =>
        (await quote(ctx, await mine(ctx, input.params.id), input.query.planId)).quote,
    }),
    defineRoute({
      method: 'post',
      path: '/members/me/memberships/:id/plan-change',
      summary:
        'Move my membership to another plan now, confirming the previewed charge and credit (409 PRICE_CHANGED when they no longer hold; nothing is charged then)',
      tags: ['renewals'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: {
        params,
        body: Joi.object<{ planId: string; charge: string; credit: string }>({
          planId: id.required(),
          charge: minor.required().description('the preview’s charge'),
          credit: minor.required().description('the preview’s credit'),
        }).required(),
        response: renewalStatusOut,
      },
      handler: async (ctx, input): Promise<RenewalStatus> => {
        const m = await mine(ctx, input.params.id);
        const { item } = await quote(ctx, m, input.body.planId);
        return updateRenewal(temporal, m, changePlan, {
          actorId: me(ctx),
          plan: item,
          expectedCharge: input.body.charge,
          expectedCredit: input.body.credit,
        });
      },
    }),
  ];
}
