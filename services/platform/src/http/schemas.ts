import Joi from 'joi';
import { paginationQuery } from './pagination.ts';

/** Schemas every service's routes share; a service's own live in its `routes/schemas.ts`. */
export const uuid = Joi.string().uuid();
/** `/:id` of a resource. */
export const idParams = Joi.object<{ id: string }>({ id: uuid.required() });

/** The pagination part of every list's query (`paginationQuery`), as validated. */
export interface PageQuery {
  limit: number;
  cursor?: string;
}
/** A list's query: cursor pagination plus the resource's filters (`T`: what the handler reads). */
export const listQuery = <T extends object = PageQuery>(filters: Record<string, Joi.Schema> = {}) =>
  Joi.object<T>({ ...paginationQuery, ...filters });
