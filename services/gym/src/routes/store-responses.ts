/** What the store routes answer (the shapes of domain/store.ts's presenters). */
import Joi from 'joi';
import { uuid } from '@faena/platform';
import { MOVEMENT_REASONS, SALE_STATUSES } from '../domain/store-entities.ts';

const iso = Joi.string().isoDate();
const minor = Joi.string().pattern(/^\d+$/).description('minor units as a decimal string');
const nullable = <T extends Joi.Schema>(s: T) => s.allow(null).required();

export const productOut = Joi.object({
  id: uuid.required(),
  sku: Joi.string().required(),
  name: Joi.string().required(),
  description: Joi.string().allow('').required(),
  category: Joi.string().required(),
  price: minor.required(),
  currency: Joi.string().required(),
  lowStockThreshold: Joi.number().integer().required(),
  active: Joi.boolean().required(),
  images: Joi.array()
    .items(
      Joi.object({
        id: uuid.required(),
        contentType: Joi.string().required(),
        size: Joi.number().integer().required(),
      }),
    )
    .required(),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

export const stockOut = Joi.object({
  productId: uuid.required(),
  branchId: uuid.required(),
  quantity: Joi.number().integer().min(0).required(),
  lowStock: Joi.boolean().required(),
  updatedAt: iso.required(),
});

export const movementOut = Joi.object({
  id: uuid.required(),
  productId: uuid.required(),
  branchId: uuid.required(),
  quantity: Joi.number().integer().required().description('signed: + in, − out'),
  reason: Joi.string()
    .valid(...MOVEMENT_REASONS)
    .required(),
  note: nullable(Joi.string()),
  saleId: nullable(uuid),
  balanceAfter: Joi.number().integer().min(0).required(),
  createdAt: iso.required(),
  createdBy: nullable(uuid),
});

export const saleOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  memberId: nullable(uuid),
  payerId: uuid.required(),
  status: Joi.string()
    .valid(...SALE_STATUSES)
    .required(),
  total: minor.required(),
  currency: Joi.string().required(),
  payment: Joi.object({ method: Joi.string().required(), id: nullable(uuid) }).required(),
  failureReason: nullable(Joi.string()),
  lines: Joi.array()
    .items(
      Joi.object({
        productId: uuid.required(),
        quantity: Joi.number().integer().required(),
        unitPrice: minor.required(),
        amount: minor.required(),
      }),
    )
    .required(),
  createdAt: iso.required(),
});
