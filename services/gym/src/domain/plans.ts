/** Plans: what a membership is sold as, its per-branch prices, freeze rules and allowed class types. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import { ClassType, Plan, PlanPrice, type PlanKind } from './entities.ts';

export interface PlanInput {
  name: string;
  kind: PlanKind;
  sessions?: number | null;
  validityDays?: number | null;
  freeze?: { maxDaysPerYear: number; minDays: number };
  classTypeIds?: string[];
  active?: boolean;
  /** Minor units charged for a late cancel / a no-show when the plan has no sessions to keep; null: none. */
  lateCancelFee?: number | null;
  noShowFee?: number | null;
}
type PlanPatch = Pick<
  Partial<PlanInput>,
  'name' | 'freeze' | 'classTypeIds' | 'active' | 'lateCancelFee' | 'noShowFee'
>;
const fee = (v: number | null | undefined) => (v === null || v === undefined ? null : BigInt(v));

export const presentPlan = (p: Plan, prices: PlanPrice[]) => ({
  id: p.id,
  name: p.name,
  kind: p.kind,
  sessions: p.sessions ?? null,
  validityDays: p.validityDays ?? null,
  freeze: { maxDaysPerYear: p.freezeMaxDaysPerYear, minDays: p.freezeMinDays },
  classTypeIds: p.classTypeIds,
  active: p.active,
  lateCancelFee: p.lateCancelFee?.toString() ?? null,
  noShowFee: p.noShowFee?.toString() ?? null,
  prices: prices
    .filter((x) => x.planId === p.id)
    .map((x) => ({ branchId: x.branchId, amount: x.amount.toString(), currency: x.currency })),
  createdAt: p.createdAt.toISOString(),
});

/** The plans with their prices, for answers. */
export async function withPrices(em: EntityManager, plans: Plan[]) {
  const prices = plans.length ? await em.find(PlanPrice, { planId: { $in: plans.map((p) => p.id) } }) : [];
  return plans.map((p) => presentPlan(p, prices));
}

/** A plan's kind decides what it counts: a pack N sessions for validityDays, a drop-in one class on one day. */
function checkShape(kind: PlanKind, sessions: number | null, validityDays: number | null) {
  if (kind === 'class_pack' && (sessions === null || validityDays === null))
    throw new DomainError('PLAN_KIND_MISMATCH', 'A class pack needs sessions and validityDays', {
      field: sessions === null ? 'body.sessions' : 'body.validityDays',
    });
  if (kind !== 'class_pack' && validityDays !== null)
    throw new DomainError('PLAN_KIND_MISMATCH', `A ${kind} plan follows the calendar: no validityDays`, {
      field: 'body.validityDays',
    });
}

async function checkClassTypes(em: EntityManager, ids: string[]) {
  if (!ids.length) return;
  const found = new Set((await em.find(ClassType, { id: { $in: ids } })).map((c) => c.id));
  const missing = ids.findIndex((x) => !found.has(x));
  if (missing >= 0)
    throw new DomainError('UNKNOWN_REFERENCE', 'No such class type in this business', {
      field: `body.classTypeIds.${missing}`,
    });
}

export async function createPlan(em: EntityManager, input: PlanInput): Promise<Plan> {
  const sessions = input.kind === 'drop_in' ? 1 : (input.sessions ?? null);
  const validityDays = input.validityDays ?? null;
  checkShape(input.kind, sessions, validityDays);
  const classTypeIds = [...new Set(input.classTypeIds ?? [])];
  await checkClassTypes(em, classTypeIds);
  const p = em.create(Plan, {
    name: input.name,
    kind: input.kind,
    sessions,
    validityDays,
    freezeMaxDaysPerYear: input.freeze?.maxDaysPerYear ?? 0,
    freezeMinDays: input.freeze?.minDays ?? 1,
    classTypeIds,
    active: input.active ?? true,
    lateCancelFee: fee(input.lateCancelFee),
    noShowFee: fee(input.noShowFee),
  });
  await em.flush();
  return p;
}

/** Name, freeze rules, class types and whether it is sold; its kind and counts stay (memberships were sold as them). */
export async function updatePlan(em: EntityManager, p: Plan, patch: PlanPatch): Promise<Plan> {
  if (patch.lateCancelFee !== undefined) p.lateCancelFee = fee(patch.lateCancelFee);
  if (patch.noShowFee !== undefined) p.noShowFee = fee(patch.noShowFee);
  if (patch.classTypeIds) {
    const ids = [...new Set(patch.classTypeIds)];
    await checkClassTypes(em, ids);
    p.classTypeIds = ids;
  }
  if (patch.name !== undefined) p.name = patch.name;
  if (patch.active !== undefined) p.active = patch.active;
  if (patch.freeze) {
    p.freezeMaxDaysPerYear = patch.freeze.maxDaysPerYear;
    p.freezeMinDays = patch.freeze.minDays;
  }
  await em.flush();
  return p;
}

export async function loadPlan(em: EntityManager, planId: string): Promise<Plan> {
  const p = await em.findOne(Plan, { id: planId });
  if (!p) throw notFound('Plan');
  return p;
}

/** Sets (or replaces) the plan's price in a branch; one price per plan and branch (unique). */
export async function setPrice(
  em: EntityManager,
  p: Plan,
  branchId: string,
  amount: bigint,
  currency: string,
): Promise<void> {
  const price = await em.findOne(PlanPrice, { planId: p.id, branchId });
  if (price) Object.assign(price, { amount, currency });
  else em.create(PlanPrice, { planId: p.id, branchId, amount, currency });
  await em.flush();
}

/** The plan's price in a branch, or 422 PRICE_NOT_SET. */
export async function priceIn(em: EntityManager, p: Plan, branchId: string): Promise<PlanPrice> {
  const price = await em.findOne(PlanPrice, { planId: p.id, branchId });
  if (!price)
    throw new DomainError('PRICE_NOT_SET', 'The plan has no price in this branch', {
      field: 'body.branchId',
    });
  return price;
}
