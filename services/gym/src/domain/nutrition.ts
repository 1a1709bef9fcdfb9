/**
 * Nutrition: the ingredient catalog (energy and macros per 100 g), plans of meals with quantities,
 * templates and the member copies made when one is assigned.
 *
 * Arithmetic is integer: energy in kcal, macros in milligrams, quantities in grams. A meal line is
 * `per100g × grams / 100`, rounded half up to the unit (kcal, mg) once per line; a meal's and a
 * plan's totals are the sums of their lines' rounded values, so the totals always add up to what the
 * lines show. Lines are computed when the plan is saved and stored with it: changing an ingredient
 * later does not change plans already written.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, containsPattern, findPage, notFound } from '@faena/platform';
import { ensureCatalog } from './catalogs.ts';
import type { Member } from './entities.ts';
import { Ingredient, NutritionPlan, type Macros, type Meal, type MealItem } from './training-entities.ts';

export const presentIngredient = (i: Ingredient) => ({
  id: i.id,
  name: i.name,
  nameEs: i.nameEs,
  per100g: {
    kcal: i.kcalPer100g,
    proteinMg: i.proteinMgPer100g,
    carbsMg: i.carbsMgPer100g,
    fatMg: i.fatMgPer100g,
  },
  starter: i.seedKey !== null && i.seedKey !== undefined,
  archived: i.archived,
  createdAt: i.createdAt.toISOString(),
});

export async function listIngredients(
  em: EntityManager,
  tenantId: string,
  query: { limit: number; cursor?: string; q?: string },
) {
  await ensureCatalog(em, tenantId, 'ingredients');
  const where: Record<string, unknown>[] = [{ archived: false }];
  if (query.q) {
    const like = { $ilike: containsPattern(query.q) };
    where.push({ $or: [{ name: like }, { nameEs: like }] });
  }
  const filter: Record<string, unknown> = { $and: where };
  return findPage(em, Ingredient, filter, query);
}

export interface IngredientInput {
  name: string;
  nameEs?: string;
  per100g: Macros;
}

export async function createIngredient(em: EntityManager, input: IngredientInput): Promise<Ingredient> {
  const m = input.per100g;
  if (m.proteinMg + m.carbsMg + m.fatMg > 100_000)
    throw new DomainError('MACROS_EXCEED_WEIGHT', 'Macros of 100 g cannot weigh more than 100 g', {
      field: 'body.per100g',
    });
  const i = em.create(Ingredient, {
    name: input.name,
    nameEs: input.nameEs ?? '',
    kcalPer100g: m.kcal,
    proteinMgPer100g: m.proteinMg,
    carbsMgPer100g: m.carbsMg,
    fatMgPer100g: m.fatMg,
    seedKey: null,
  });
  await em.flush();
  return i;
}

/** `per100g × grams / 100`, rounded half up (both are non-negative integers, so exact). */
export const portion = (per100g: number, grams: number): number => Math.floor((per100g * grams + 50) / 100);

const ZERO: Macros = { kcal: 0, proteinMg: 0, carbsMg: 0, fatMg: 0 };
const add = (a: Macros, b: Macros): Macros => ({
  kcal: a.kcal + b.kcal,
  proteinMg: a.proteinMg + b.proteinMg,
  carbsMg: a.carbsMg + b.carbsMg,
  fatMg: a.fatMg + b.fatMg,
});
const macrosOf = (m: Macros): Macros => ({
  kcal: m.kcal,
  proteinMg: m.proteinMg,
  carbsMg: m.carbsMg,
  fatMg: m.fatMg,
});

export interface MealInput {
  name: string;
  items: Array<{ ingredientId: string; grams: number }>;
}

/** The meals with every line and total computed from the catalog (unknown ingredients refused). */
export async function computeMeals(
  em: EntityManager,
  tenantId: string,
  meals: MealInput[],
): Promise<{ meals: Meal[]; totals: Macros }> {
  await ensureCatalog(em, tenantId, 'ingredients');
  const ids = [...new Set(meals.flatMap((m) => m.items.map((i) => i.ingredientId)))];
  const found = ids.length ? await em.find(Ingredient, { id: { $in: ids } }) : [];
  const byId = new Map(found.map((i) => [i.id, i]));
  const missing = ids.find((id) => !byId.has(id));
  if (missing)
    throw new DomainError('UNKNOWN_REFERENCE', `No such ingredient in this business: ${missing}`, {
      field: 'body.meals',
    });
  const computed = meals.map((m): Meal => {
    const items = m.items.map((it): MealItem => {
      const ing = byId.get(it.ingredientId)!;
      return {
        ingredientId: ing.id,
        name: ing.name,
        grams: it.grams,
        kcal: portion(ing.kcalPer100g, it.grams),
        proteinMg: portion(ing.proteinMgPer100g, it.grams),
        carbsMg: portion(ing.carbsMgPer100g, it.grams),
        fatMg: portion(ing.fatMgPer100g, it.grams),
      };
    });
    return { name: m.name, ...items.reduce<Macros>((s, i) => add(s, macrosOf(i)), ZERO), items };
  });
  return { meals: computed, totals: computed.reduce<Macros>((s, m) => add(s, macrosOf(m)), ZERO) };
}

export const presentPlan = (p: NutritionPlan) => ({
  id: p.id,
  name: p.name,
  description: p.description,
  isTemplate: p.isTemplate,
  templateId: p.templateId ?? null,
  memberId: p.memberId ?? null,
  branchId: p.branchId ?? null,
  assignedBy: p.assignedBy ?? null,
  startsOn: p.startsOn ?? null,
  endsOn: p.endsOn ?? null,
  meals: p.meals,
  totals: { kcal: p.kcal, proteinMg: p.proteinMg, carbsMg: p.carbsMg, fatMg: p.fatMg },
  createdBy: p.createdBy ?? null,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

export interface PlanInput {
  name: string;
  description?: string;
  meals: MealInput[];
}

export async function createPlanTemplate(
  em: EntityManager,
  tenantId: string,
  input: PlanInput,
): Promise<NutritionPlan> {
  const { meals, totals } = await computeMeals(em, tenantId, input.meals);
  const p = em.create(NutritionPlan, {
    name: input.name,
    description: input.description ?? '',
    isTemplate: true,
    meals,
    ...totals,
  });
  await em.flush();
  return p;
}

/** Rewrites a plan's meals (lines recomputed from today's catalog). */
export async function updatePlan(
  em: EntityManager,
  p: NutritionPlan,
  input: Partial<PlanInput>,
): Promise<NutritionPlan> {
  if (input.name !== undefined) p.name = input.name;
  if (input.description !== undefined) p.description = input.description;
  if (input.meals) {
    const { meals, totals } = await computeMeals(em, p.tenantId, input.meals);
    Object.assign(p, { meals, ...totals });
  }
  await em.flush();
  return p;
}

export async function loadPlan(em: EntityManager, id: string): Promise<NutritionPlan> {
  const p = await em.findOne(NutritionPlan, { id });
  if (!p) throw notFound('Nutrition plan');
  return p;
}

/** The member's own copy of a template, for `[startsOn, endsOn)`. */
export async function assignPlan(
  em: EntityManager,
  template: NutritionPlan,
  member: Member,
  assignedBy: string,
  dates: { startsOn: string; endsOn?: string | null },
): Promise<NutritionPlan> {
  if (!template.isTemplate)
    throw new DomainError('VALIDATION_FAILED', 'Only a template is assigned', { field: 'params.id' });
  if (dates.endsOn && dates.endsOn <= dates.startsOn)
    throw new DomainError('VALIDATION_FAILED', 'endsOn must be after startsOn', { field: 'body.endsOn' });
  const p = em.create(NutritionPlan, {
    name: template.name,
    description: template.description,
    isTemplate: false,
    templateId: template.id,
    memberId: member.id,
    branchId: member.branchId,
    assignedBy,
    startsOn: dates.startsOn,
    endsOn: dates.endsOn ?? null,
    meals: template.meals,
    kcal: template.kcal,
    proteinMg: template.proteinMg,
    carbsMg: template.carbsMg,
    fatMg: template.fatMg,
  });
  await em.flush();
  return p;
}

export function listPlans(
  em: EntityManager,
  where: Record<string, unknown>,
  query: { limit: number; cursor?: string },
) {
  return findPage(em, NutritionPlan, where, query);
}
