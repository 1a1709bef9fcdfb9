import Joi from 'joi';
import {
  assertMembers,
  currency,
  defineRoute,
  paginationQuery,
  findPage,
  reply,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { PLAN_KINDS, Plan, type PlanKind } from '../domain/entities.ts';
import { createPlan, loadPlan, setPrice, updatePlan, withPrices, type PlanInput } from '../domain/plans.ts';
import { amount, em, id, params, text } from './common.ts';
import { planOut } from './responses.ts';

const freeze = Joi.object<{ maxDaysPerYear: number; minDays: number }>({
  maxDaysPerYear: Joi.number().integer().min(0).max(366).required(),
  minDays: Joi.number().integer().min(1).max(366).required(),
});
const classTypeIds = Joi.array().items(id).max(50).description('class types it allows; empty: every type');
/** What a late cancel / a no-show of a plan without sessions costs (a pack keeps the session used instead). */
const lateCancelFee = amount.allow(null).description('minor units charged for a late cancel; null: none');
const noShowFee = amount.allow(null).description('minor units charged for a no-show; null: none');

export function planRoutes(deps: GymDeps): Route[] {
  const { guard } = deps;
  const one = async (p: Plan) => (await withPrices(em(), [p]))[0]!;
  return [
    defineRoute({
      method: 'post',
      path: '/plans',
      summary:
        'Create a plan: monthly, yearly, drop-in (one class) or a class pack of N sessions valid for validityDays',
      tags: ['plans'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('plans.manage', 'tenant')],
      schemas: {
        body: Joi.object<PlanInput>({
          name: text(120).required(),
          kind: Joi.string()
            .valid(...PLAN_KINDS)
            .required(),
          sessions: Joi.number().integer().min(1).max(1000).allow(null),
          validityDays: Joi.number().integer().min(1).max(1000).allow(null),
          freeze,
          classTypeIds,
          active: Joi.boolean(),
          lateCancelFee,
          noShowFee,
        }).required(),
        response: planOut,
      },
      handler: async (_ctx, input) => {
        const p = await createPlan(em(), input.body);
        return reply(await one(p), { status: 201, headers: { Location: `${BASE_PATH}/plans/${p.id}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/plans',
      summary: 'The plans of the business with their prices per branch (anyone signed in to it)',
      tags: ['plans'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; kind?: PlanKind; active?: boolean }>({
          ...paginationQuery,
          kind: Joi.string().valid(...PLAN_KINDS),
          active: Joi.boolean(),
        }),
        response: Joi.array().items(planOut),
      },
      handler: async (_ctx, input) => {
        const { kind, active } = input.query;
        const where = { ...(kind && { kind }), ...(active !== undefined && { active }) };
        const { items, meta } = await findPage(em(), Plan, where, input.query);
        return reply(await withPrices(em(), items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/plans/:id',
      summary: 'One plan with its prices',
      tags: ['plans'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { params, response: planOut },
      handler: async (_ctx, input) => one(await loadPlan(em(), input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/plans/:id',
      summary:
        'Rename a plan, change its freeze rules or class types, or stop selling it (its kind and counts stay)',
      tags: ['plans'],
      auth: true,
      middleware: [guard.requirePermission('plans.manage', 'tenant')],
      schemas: {
        params,
        body: Joi.object<
          Pick<
            Partial<PlanInput>,
            'name' | 'freeze' | 'classTypeIds' | 'active' | 'lateCancelFee' | 'noShowFee'
          >
        >({
          name: text(120),
          freeze,
          classTypeIds,
          active: Joi.boolean(),
          lateCancelFee,
          noShowFee,
        })
          .min(1)
          .required(),
        response: planOut,
      },
      handler: async (_ctx, input) =>
        one(await updatePlan(em(), await loadPlan(em(), input.params.id), input.body)),
    }),
    defineRoute({
      method: 'put',
      path: '/plans/:id/prices/:branchId',
      summary: "Set the plan's price in a branch (minor units of the business's currency)",
      tags: ['plans'],
      auth: true,
      middleware: [guard.requirePermission('plans.manage', { param: 'branchId' })],
      schemas: {
        params: Joi.object<{ id: string; branchId: string }>({ id: id.required(), branchId: id.required() }),
        body: Joi.object<{ amount: number; currency: string }>({
          amount: amount.required(),
          currency: currency.required(),
        }).required(),
        response: planOut,
      },
      handler: async (ctx, input) => {
        const { branchId } = input.params;
        await assertMembers(guard, ctx, {
          branches: { 'params.branchId': branchId },
          currency: { 'body.currency': input.body.currency },
        });
        const p = await loadPlan(em(), input.params.id);
        await setPrice(em(), p, branchId, BigInt(input.body.amount), input.body.currency);
        return one(p);
      },
    }),
  ];
}
