import Joi from 'joi';
import { idParams, listQuery, uuid } from '@faena/platform';
import { TENANT_KINDS, TENANT_STATUSES, USER_STATUSES } from '../domain/entities.ts';
import { passwordSchema } from '../domain/passwords.ts';

export const id = uuid;
export { idParams };
export const list = listQuery;
export const email = Joi.string().email({ tlds: false }).max(254).lowercase().trim();
export { timeZone } from '@faena/platform';
export { currency } from '@faena/platform';
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
  createdAt: Joi.string().isoDate(),
  updatedAt: Joi.string().isoDate(),
});
/** A user's grants: permission → the branches it holds in (`*` = every branch). */
export const grantsOut = Joi.object().pattern(Joi.string(), Joi.array().items(Joi.string()));
export const meOut = Joi.object({
  user: Joi.object({
    id,
    email: Joi.string(),
    name: Joi.string(),
    status: Joi.string(),
    lastLoginAt: Joi.string().isoDate().allow(null),
  }),
  tenant: tenantOut,
  roles: Joi.array().items(
    Joi.object({ roleId: id, name: Joi.string().allow(null), branchId: id.allow(null) }),
  ),
  permissions: grantsOut,
});
export const auditEventOut = Joi.object({
  id,
  type: Joi.string(),
  actorId: id.allow(null),
  subjectId: id.allow(null),
  ip: Joi.string().allow(null),
  data: Joi.object().unknown(true),
  createdAt: Joi.string().isoDate(),
});
export const sessionOut = Joi.object({
  accessToken: Joi.string(),
  refreshToken: Joi.string(),
  tokenType: Joi.string(),
  expiresIn: Joi.number(),
  sessionId: Joi.string(),
  csrfToken: Joi.string(),
});
