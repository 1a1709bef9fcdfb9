import Joi from 'joi';
import { CURRENCIES } from '../money.ts';
import { paginationQuery } from './pagination.ts';

/** Schemas every service's routes share; a service's own live in its `routes/schemas.ts`. */
export const uuid = Joi.string().uuid();
/** Secrets and tokens that travel in HTTP headers or key an HMAC: printable ASCII, no spaces. */
export const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
/** An ISO 4217 currency code (upper case), the same list everywhere (`CURRENCIES`, money.ts). */
export const currency = Joi.string()
  .valid(...CURRENCIES)
  .messages({ 'any.only': '{{#label}} must be an ISO 4217 currency code' })
  .description('ISO 4217 currency code');
/** An IANA zone name the runtime knows (aliases such as America/Argentina/Buenos_Aires included). */
const isTimeZone = (value: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
};
/** The zones the document lists (`meta({ enum })`, openapi.ts); aliases of them are accepted too. */
const TIME_ZONES = [...Intl.supportedValuesOf('timeZone'), 'UTC'].sort();
/** A branch's or business's IANA time zone (schedules, closures, classes run on it). */
export const timeZone = Joi.string()
  .max(64)
  .custom((value: string, helpers) => (isTimeZone(value) ? value : helpers.error('any.invalid')))
  .messages({ 'any.invalid': '{{#label}} must be an IANA time zone' })
  .meta({ enum: TIME_ZONES })
  .description('IANA time zone, e.g. America/Santiago');
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
