/** Joi pieces and request helpers every POS routes file shares. */
import Joi from 'joi';
import type { Context } from 'koa';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authOf, currentEm, uuid, type AuthGuard } from '@faena/platform';
import type { PosDeps } from '../deps.ts';
import { reportPosUsage, type PlanScope } from '../domain/plan-limits.ts';

export const params = Joi.object<{ id: string }>({ id: uuid.required() });
export const text = (max: number) => Joi.string().trim().min(1).max(max);
export const iso = Joi.string().isoDate();
export const nullable = <T extends Joi.Schema>(s: T) => s.allow(null).required();

export const em = (): EntityManager => currentEm();
export const tenant = (ctx: Context): string => authOf(ctx).claims.tid;

/** The caller's business and its SaaS plan (identity's directory, cached): what the plan's limits check. */
export const planScope = async (guard: AuthGuard, ctx: Context): Promise<PlanScope> => ({
  tenantId: tenant(ctx),
  plan: (await guard.members(authOf(ctx), {})).plan,
});

/** After a creation's commit: POS's counts for identity's `GET /tenant/plan` (a failure only logs). */
export const reportUsage = async (deps: Pick<PosDeps, 'redis' | 'logger'>, ctx: Context): Promise<void> =>
  reportPosUsage(em(), deps.redis, tenant(ctx)).catch((err: unknown) => {
    deps.logger.warn('plan usage not reported', { error: String(err) });
  });
