import Joi from 'joi';
import type { Context } from 'koa';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, authOf, currentEm, uuid } from '@faena/platform';

export const id = uuid;
export const params = Joi.object<{ id: string }>({ id: uuid.required() });
/** A price: minor units of the business's currency, a positive safe integer (payments takes no more). */
export const amount = Joi.number().integer().min(1).max(Number.MAX_SAFE_INTEGER).description('minor units');
/** A calendar day, `YYYY-MM-DD`. */
export const day = Joi.string()
  .pattern(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/)
  .description('calendar day, YYYY-MM-DD');
export const text = (max: number) => Joi.string().trim().min(1).max(max);

export const em = (): EntityManager => currentEm();
export const me = (ctx: Context): string => authOf(ctx).claims.sub;
export const tenant = (ctx: Context): string => authOf(ctx).claims.tid;
export const token = (ctx: Context): string => authOf(ctx).token;

/**
 * A `from`–`to` query's period: `to` before `from` is 422 INVALID_RANGE (a rule between two fields,
 * which the OpenAPI document cannot say, so never a schema's 400).
 */
export function period<T extends { from: Date; to: Date }>(query: T): T {
  if (query.to < query.from)
    throw new DomainError('INVALID_RANGE', 'to comes before from', { field: 'query.to' });
  return query;
}
