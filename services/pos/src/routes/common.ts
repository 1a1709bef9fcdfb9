/** Joi pieces and request helpers every POS routes file shares. */
import Joi from 'joi';
import type { Context } from 'koa';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authOf, currentEm, uuid } from '@faena/platform';

export const params = Joi.object<{ id: string }>({ id: uuid.required() });
export const text = (max: number) => Joi.string().trim().min(1).max(max);
export const iso = Joi.string().isoDate();
export const nullable = <T extends Joi.Schema>(s: T) => s.allow(null).required();

export const em = (): EntityManager => currentEm();
export const tenant = (ctx: Context): string => authOf(ctx).claims.tid;
