/**
 * The SaaS plans Faena sells to businesses, and the one check of their limits.
 *
 * - The catalog is code, not data: a plan's limits and prices change with a release, and every
 *   service reads the same table. Identity stores which plan a business is on (`tenants.plan`,
 *   CHECKed against `PLAN_NAMES`); a service learns it from identity's directory (`guard.members()`,
 *   cached 60 s in Redis, the cache dropped by identity when the plan changes).
 * - Each service enforces the limits of what it creates, counting its own rows (identity: branches,
 *   users; POS: products, orders of the month) through `enforcePlanLimit`: a transaction-scoped
 *   advisory lock per business and limit, then the count, so two concurrent creations at the last
 *   free place cannot both pass. Over the limit is 403 `PLAN_LIMIT_REACHED`, naming the limit
 *   (`field: limits.<name>`, as `GET /tenant/plan` shows it).
 * - What a service counted is reported to Redis (`reportPlanUsage`, after its commit), so identity
 *   can show usage (`GET /tenant/plan`, the operators' list) without calling every service.
 *
 * Pure but for the type imports: no Node built-ins.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from './http/errors.ts';
import type { Redis } from './redis.ts';

export const PLAN_NAMES = ['free', 'basic', 'pro'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export const PLAN_LIMITS = ['branches', 'users', 'products', 'monthlyOrders'] as const;
export type PlanLimit = (typeof PLAN_LIMITS)[number];

/** What a limit counts, in messages. */
const LIMIT_WORDS: Record<PlanLimit, string> = {
  branches: 'open branches',
  users: 'users (invited or active)',
  products: 'products',
  monthlyOrders: 'orders a month',
};

export interface PlanDefinition {
  name: PlanName;
  title: string;
  /** null: unlimited. */
  limits: Record<PlanLimit, number | null>;
  /** Monthly price in minor units (decimal string) per currency; a currency not listed pays the USD price. */
  monthlyPrice: Readonly<Record<string, string>>;
  /** Days a new subscription to this plan runs before its first charge (0: none). */
  trialDays: number;
}

/** The currency a business whose own currency has no price list is charged in. */
export const PLAN_FALLBACK_CURRENCY = 'USD';

export const PLANS: Readonly<Record<PlanName, PlanDefinition>> = {
  free: {
    name: 'free',
    title: 'Free',
    limits: { branches: 1, users: 3, products: 30, monthlyOrders: 300 },
    monthlyPrice: { USD: '0', ARS: '0', CLP: '0', COP: '0', MXN: '0', EUR: '0' },
    trialDays: 0,
  },
  basic: {
    name: 'basic',
    title: 'Basic',
    limits: { branches: 3, users: 15, products: 300, monthlyOrders: 5_000 },
    monthlyPrice: { USD: '2900', ARS: '2900000', CLP: '27000', COP: '11900000', MXN: '49900', EUR: '2700' },
    trialDays: 14,
  },
  pro: {
    name: 'pro',
    title: 'Pro',
    limits: { branches: 20, users: 100, products: null, monthlyOrders: null },
    monthlyPrice: { USD: '7900', ARS: '7900000', CLP: '74000', COP: '31900000', MXN: '134900', EUR: '7300' },
    trialDays: 14,
  },
};

export const isPlanName = (name: string): name is PlanName =>
  (PLAN_NAMES as readonly string[]).includes(name);

/** A business's plan by its stored name; an unknown name is read as the free plan (never unlimited). */
export const planOf = (name: string): PlanDefinition => PLANS[isPlanName(name) ? name : 'free'];

/** A plan's monthly price for a business charging in `currency` (the USD price when it has none). */
export function planPrice(plan: PlanDefinition, currency: string): { amount: string; currency: string } {
  const own = plan.monthlyPrice[currency];
  return own !== undefined
    ? { amount: own, currency }
    : { amount: plan.monthlyPrice[PLAN_FALLBACK_CURRENCY]!, currency: PLAN_FALLBACK_CURRENCY };
}

/** The first limit of `plan` that `usage` exceeds (a downgrade must fit), or null. */
export function exceededLimit(
  plan: PlanDefinition,
  usage: Partial<Record<PlanLimit, number | null>>,
): PlanLimit | null {
  for (const limit of PLAN_LIMITS) {
    const allowed = plan.limits[limit];
    const used = usage[limit];
    if (allowed !== null && typeof used === 'number' && used > allowed) return limit;
  }
  return null;
}

/** The calendar month `monthlyOrders` counts: `[start, next)` in UTC, and its `YYYY-MM` name. */
export function planMonth(at: Date = new Date()): { start: Date; next: Date; month: string } {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const next = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { start, next, month: start.toISOString().slice(0, 7) };
}

export const planLimitReached = (plan: PlanDefinition, limit: PlanLimit): DomainError =>
  new DomainError(
    'PLAN_LIMIT_REACHED',
    `The ${plan.title} plan allows ${plan.limits[limit]} ${LIMIT_WORDS[limit]}; upgrade the plan for more`,
    { field: `limits.${limit}` },
  );

/**
 * The one check of a plan's limit, inside the transaction that creates the row(s): takes the
 * business's lock for that limit (held to commit), counts with `count()` and refuses (403
 * `PLAN_LIMIT_REACHED`) when `adding` more would pass the limit. Answers the count before the
 * creation. `em` must be in a transaction, or the lock would not outlive the count.
 */
export async function enforcePlanLimit(
  em: EntityManager,
  opts: { tenantId: string; plan: string; limit: PlanLimit; count: () => Promise<number>; adding?: number },
): Promise<number> {
  if (!em.isInTransaction()) throw new Error('enforcePlanLimit runs inside the creating transaction');
  const plan = planOf(opts.plan);
  const allowed = plan.limits[opts.limit];
  await em.execute(`select pg_advisory_xact_lock(hashtext(?))`, [`plan:${opts.tenantId}:${opts.limit}`]);
  const used = await opts.count();
  if (allowed !== null && used + (opts.adding ?? 1) > allowed) throw planLimitReached(plan, opts.limit);
  return used;
}

/** Where services report what they counted for identity to show (one hash per business). */
export const planUsageKey = (tenantId: string): string => `plan:usage:${tenantId}`;
const orderField = (month: string) => `monthlyOrders:${month}`;

/**
 * Reports a service's own counts (after the commit that changed them). A lost report (Redis
 * flushed) shows as unknown (null) until the next creation reports again; enforcement never reads it.
 */
export async function reportPlanUsage(
  redis: Redis,
  tenantId: string,
  usage: { products?: number; monthlyOrders?: number },
  at: Date = new Date(),
): Promise<void> {
  const fields: Record<string, string> = {};
  if (usage.products !== undefined) fields.products = String(usage.products);
  if (usage.monthlyOrders !== undefined)
    fields[orderField(planMonth(at).month)] = String(usage.monthlyOrders);
  if (Object.keys(fields).length) await redis.hset(planUsageKey(tenantId), fields);
}

/** The reported counts of each business (null: never reported); orders of another month count 0. */
export async function readPlanUsage(
  redis: Redis,
  tenantIds: readonly string[],
  at: Date = new Date(),
): Promise<Map<string, { products: number | null; monthlyOrders: number | null }>> {
  const out = new Map<string, { products: number | null; monthlyOrders: number | null }>();
  if (!tenantIds.length) return out;
  const field = orderField(planMonth(at).month);
  const multi = redis.multi();
  for (const id of tenantIds) multi.hmget(planUsageKey(id), 'products', field);
  const answers = (await multi.exec()) ?? [];
  tenantIds.forEach((id, i) => {
    const [err, value] = answers[i] ?? [null, null];
    const [products, orders] = (err ? [null, null] : value) as [string | null, string | null];
    out.set(id, {
      products: products === null ? null : Number(products),
      // Reported ever but not this month: none this month yet.
      monthlyOrders: orders !== null ? Number(orders) : products === null ? null : 0,
    });
  });
  return out;
}
