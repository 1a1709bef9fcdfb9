import Joi from 'joi';
import { idParams, listQuery, uuid } from '@faena/platform';
import { TENANT_KINDS, TENANT_STATUSES, USER_STATUSES } from '../domain/entities.ts';
import { passwordSchema } from '../domain/passwords.ts';

export const id = uuid;
export { idParams };
export const list = listQuery;
export const email = Joi.string().email({ tlds: false }).max(254).lowercase().trim();
/** An IANA zone name the runtime knows (aliases such as America/Buenos_Aires included). */
const isTimeZone = (value: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
};
export const timeZone = Joi.string()
  .max(64)
  .custom((value: string, helpers) => (isTimeZone(value) ? value : helpers.error('any.invalid')))
  .messages({ 'any.invalid': '{{#label}} must be an IANA time zone' });
export const currency = Joi.string()
  .uppercase()
  .custom((value: string, helpers) =>
    Intl.supportedValuesOf('currency').includes(value) ? value : helpers.error('any.invalid'),
  )
  .messages({ 'any.invalid': '{{#label}} must be an ISO 4217 currency' });
export const locale = Joi.string().pattern(/^[a-z]{2}(-[A-Z]{2})?$/);
export const slug = Joi.string().pattern(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/);
export const password = passwordSchema;

export const address = Joi.object({
  line1: Joi.string().max(200).required(),
  line2: Joi.string().max(200),
  city: Joi.string().max(100).required(),
  region: Joi.string().max(100),
  postalCode: Joi.string().max(20),
  country: Joi.string().length(2).uppercase().required(),
});

export const tenantKind = Joi.string().valid(...TENANT_KINDS.filter((k) => k !== 'platform'));
export const tenantStatus = Joi.string().valid(...TENANT_STATUSES);
export const userStatus = Joi.string().valid(...USER_STATUSES);
export const roleAssignment = Joi.object({ roleId: id.required(), branchId: id.allow(null).default(null) });

export const tenantOut = Joi.object({
  id,
  slug: Joi.string(),
  name: Joi.string(),
  kind: Joi.string(),
  currency: Joi.string(),
  locale: Joi.string(),
  timeZone: Joi.string(),
  status: Joi.string(),
  plan: Joi.string(),
});
export const sessionOut = Joi.object({
  accessToken: Joi.string(),
  refreshToken: Joi.string(),
  tokenType: Joi.string(),
  expiresIn: Joi.number(),
  sessionId: Joi.string(),
  csrfToken: Joi.string(),
});
