/**
 * The SaaS plan's limits POS enforces (issue 18): products and the month's orders, through the one
 * check of `@faena/platform` plans.ts (`enforcePlanLimit`: the business's lock for the limit, then
 * the count, in the creating transaction). The plan comes from identity's directory
 * (`guard.members()`); the counts are reported for identity to show (`reportPlanUsage`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { enforcePlanLimit, planMonth, reportPlanUsage, type Redis } from '@faena/platform';
import { Product } from './menu-entities.ts';
import { Order } from './order-entities.ts';

/** The business and its plan, as the route learned them (the caller's tenant, identity's plan). */
export interface PlanScope {
  tenantId: string;
  plan: string;
}

/** Every product the business has, active or not (deactivating one does not free a place). */
const countProducts = (em: EntityManager) => em.count(Product, {});

/** Orders opened this calendar month (UTC); a split-off part is not another sale. */
const countMonthOrders = (em: EntityManager, at: Date) => {
  const { start, next } = planMonth(at);
  return em.count(Order, { createdAt: { $gte: start, $lt: next }, splitFromId: null });
};

export const enforceProductLimit = (tx: EntityManager, scope: PlanScope): Promise<number> =>
  enforcePlanLimit(tx, { ...scope, limit: 'products', count: () => countProducts(tx) });

export const enforceOrderLimit = (tx: EntityManager, scope: PlanScope, at = new Date()): Promise<number> =>
  enforcePlanLimit(tx, { ...scope, limit: 'monthlyOrders', count: () => countMonthOrders(tx, at) });

/** After the commit that created one: POS's counts, where identity reads them (`GET /tenant/plan`). */
export async function reportPosUsage(em: EntityManager, redis: Redis, tenantId: string): Promise<void> {
  const at = new Date();
  const [products, monthlyOrders] = await Promise.all([countProducts(em), countMonthOrders(em, at)]);
  await reportPlanUsage(redis, tenantId, { products, monthlyOrders }, at);
}
