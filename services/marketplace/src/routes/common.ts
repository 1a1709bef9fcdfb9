import Joi from 'joi';
import type { Context } from 'koa';
import type { EntityManager } from '@mikro-orm/postgresql';
import { branchesFor, currentEm, uuid, authOf } from '@faena/platform';

export const id = uuid;
export const amount = Joi.alternatives()
  .try(Joi.number().integer().min(1).max(Number.MAX_SAFE_INTEGER), Joi.string().pattern(/^[1-9]\d{0,17}$/))
  .description('minor units (cents), a positive integer or decimal string');
export const nonNegativeAmount = Joi.alternatives()
  .try(
    Joi.number().integer().min(0).max(Number.MAX_SAFE_INTEGER),
    Joi.string().pattern(/^(0|[1-9]\d{0,17})$/),
  )
  .description('minor units, a non-negative integer or decimal string');
export { currency } from '@faena/platform';
export const slug = Joi.string()
  .pattern(/^[a-z0-9][a-z0-9-]{0,39}$/)
  .description('lower-case slug, e.g. plumbing');

export const em = (): EntityManager => currentEm();
export const claims = (ctx: Context) => authOf(ctx).claims;
export const me = (ctx: Context): string => claims(ctx).sub;
export const tenant = (ctx: Context): string => claims(ctx).tid;

/** Operators: who may resolve disputes see every job, dispute and timeline of the business. */
export const isOperator = (ctx: Context): boolean => branchesFor(ctx, 'disputes.resolve') === '*';
export const isKycReviewer = (ctx: Context): boolean => branchesFor(ctx, 'kyc.review') === '*';
