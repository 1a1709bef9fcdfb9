import Joi from 'joi';
import type { Context } from 'koa';
import {
  DomainError,
  coversBranch,
  defineRoute,
  notFound,
  paginationQuery,
  reply,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { memberOfUser } from '../domain/members.ts';
import {
  assignPlan,
  createIngredient,
  createPlanTemplate,
  listIngredients,
  listPlans,
  loadPlan,
  presentIngredient,
  presentPlan,
  updatePlan,
  type IngredientInput,
  type PlanInput,
} from '../domain/nutrition.ts';
import type { NutritionPlan } from '../domain/training-entities.ts';
import { day, em, id, me, params, tenant, text } from './common.ts';
import { loadMember } from './members.ts';
import { ingredientOut, nutritionPlanOut } from './training-responses.ts';

const page = Joi.object<{ limit: number; cursor?: string }>(paginationQuery);
const mg = Joi.number().integer().min(0).max(100_000).description('milligrams per 100 g');
const meals = Joi.array()
  .items(
    Joi.object({
      name: text(80).required(),
      items: Joi.array()
        .items(
          Joi.object({
            ingredientId: id.required(),
            grams: Joi.number().integer().min(1).max(5000).required(),
          }),
        )
        .min(1)
        .max(40)
        .required(),
    }),
  )
  .min(1)
  .max(12);
const planFields = {
  name: text(120),
  description: Joi.string().max(4000).allow(''),
  meals,
};

export function nutritionRoutes(deps: GymDeps): Route[] {
  const { guard } = deps;
  const manage = (scope: 'self' | 'records') => guard.requirePermission('nutrition.manage', scope);
  /** A template (any nutrition.manage holder), or a member's plan of a branch the grant covers. */
  const planFor = async (ctx: Context, planId: string): Promise<NutritionPlan> => {
    const p = await loadPlan(em(), planId);
    if (!p.isTemplate && !coversBranch(ctx, 'nutrition.manage', p.branchId)) throw notFound('Nutrition plan');
    return p;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/ingredients',
      summary:
        "The business's ingredients with energy (kcal) and macros (mg) per 100 g (a starter set of 30 from the first use)",
      tags: ['nutrition'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; q?: string }>({
          ...paginationQuery,
          q: text(100),
        }),
        response: Joi.array().items(ingredientOut),
      },
      handler: async (ctx, input) => {
        const { items, meta } = await listIngredients(em(), tenant(ctx), input.query);
        return reply(items.map(presentIngredient), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/ingredients',
      summary: 'Add an ingredient: kcal and protein, carbs and fat in milligrams, per 100 g',
      tags: ['nutrition'],
      auth: true,
      status: 201,
      middleware: [manage('self')],
      schemas: {
        body: Joi.object<IngredientInput>({
          name: text(120).required(),
          nameEs: Joi.string().trim().max(120).allow(''),
          per100g: Joi.object({
            kcal: Joi.number().integer().min(0).max(900).required(),
            proteinMg: mg.required(),
            carbsMg: mg.required(),
            fatMg: mg.required(),
          }).required(),
        }).required(),
        response: ingredientOut,
      },
      handler: async (_ctx, input) => {
        const i = await createIngredient(em(), input.body);
        return reply(presentIngredient(i), {
          status: 201,
          headers: { Location: `${BASE_PATH}/ingredients/${i.id}` },
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/nutrition-plans',
      summary: 'Write a nutrition plan template: meals of ingredients in grams; kcal and macros computed',
      tags: ['nutrition'],
      auth: true,
      status: 201,
      middleware: [manage('self')],
      schemas: {
        body: Joi.object<PlanInput>({
          ...planFields,
          name: planFields.name.required(),
          meals: meals.required(),
        }).required(),
        response: nutritionPlanOut,
      },
      handler: async (ctx, input) => {
        const p = await createPlanTemplate(em(), tenant(ctx), input.body);
        return reply(presentPlan(p), {
          status: 201,
          headers: { Location: `${BASE_PATH}/nutrition-plans/${p.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/nutrition-plans',
      summary: 'The nutrition plan templates, newest first',
      tags: ['nutrition'],
      auth: true,
      middleware: [manage('self')],
      schemas: { query: page, response: Joi.array().items(nutritionPlanOut) },
      handler: async (_ctx, input) => {
        const { items, meta } = await listPlans(em(), { isTemplate: true }, input.query);
        return reply(items.map(presentPlan), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/nutrition-plans/:id',
      summary: "A template, or a member's plan of a branch the caller's grant covers",
      tags: ['nutrition'],
      auth: true,
      middleware: [manage('records')],
      schemas: { params, response: nutritionPlanOut },
      handler: async (ctx, input) => presentPlan(await planFor(ctx, input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/nutrition-plans/:id',
      summary: "Change a template or a member's plan (meals recomputed from the catalog)",
      tags: ['nutrition'],
      auth: true,
      middleware: [manage('records')],
      schemas: {
        params,
        body: Joi.object<Partial<PlanInput>>(planFields).min(1).required(),
        response: nutritionPlanOut,
      },
      handler: async (ctx, input) => {
        const p = await planFor(ctx, input.params.id);
        if (p.isTemplate && p.createdBy !== me(ctx) && !coversBranch(ctx, 'nutrition.manage', null))
          throw new DomainError(
            'FORBIDDEN',
            'Only its author (or a tenant-wide nutrition.manage) changes a template',
          );
        return presentPlan(await updatePlan(em(), p, input.body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/nutrition-plans/:id/assign',
      summary: 'Give a member their own copy of a template, from startsOn to endsOn (exclusive)',
      tags: ['nutrition'],
      auth: true,
      status: 201,
      middleware: [manage('records')],
      schemas: {
        params,
        body: Joi.object<{ memberId: string; startsOn: string; endsOn?: string | null }>({
          memberId: id.required(),
          startsOn: day.required(),
          endsOn: day.allow(null),
        }).required(),
        response: nutritionPlanOut,
      },
      handler: async (ctx, input) => {
        const template = await loadPlan(em(), input.params.id);
        const member = await loadMember(ctx, input.body.memberId, 'nutrition.manage');
        const p = await assignPlan(em(), template, member, me(ctx), input.body);
        return reply(presentPlan(p), {
          status: 201,
          headers: { Location: `${BASE_PATH}/nutrition-plans/${p.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/me/nutrition-plans',
      summary: 'My nutrition plans (a member who logs in), newest first',
      tags: ['nutrition'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: { query: page, response: Joi.array().items(nutritionPlanOut) },
      handler: async (ctx, input) => {
        const m = await memberOfUser(em(), me(ctx));
        const { items, meta } = await listPlans(em(), { memberId: m.id, isTemplate: false }, input.query);
        return reply(items.map(presentPlan), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/:id/nutrition-plans',
      summary: "A member's nutrition plans, newest first",
      tags: ['nutrition'],
      auth: true,
      middleware: [manage('records')],
      schemas: { params, query: page, response: Joi.array().items(nutritionPlanOut) },
      handler: async (ctx, input) => {
        const m = await loadMember(ctx, input.params.id, 'nutrition.manage');
        const { items, meta } = await listPlans(em(), { memberId: m.id, isTemplate: false }, input.query);
        return reply(items.map(presentPlan), { meta });
      },
    }),
  ];
}
