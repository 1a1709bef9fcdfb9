/** What the orders routes answer (the shapes of domain/orders.ts's presenters). */
import Joi from 'joi';
import { uuid } from '@faena/platform';
import { DISCOUNT_KINDS, LINE_KINDS, ORDER_KINDS, ORDER_STATUSES } from '../domain/order-entities.ts';
import { iso } from './common.ts';

const minor = Joi.string().pattern(/^\d+$/).description('minor units as a decimal string');
const discountOut = Joi.object({
  kind: Joi.string()
    .valid(...DISCOUNT_KINDS)
    .required(),
  value: minor.required(),
}).allow(null);

export const lineOut = Joi.object({
  id: uuid.required(),
  kind: Joi.string()
    .valid(...LINE_KINDS)
    .required(),
  productId: uuid.allow(null).required(),
  variantId: uuid.allow(null).required(),
  modifiers: Joi.array()
    .items(Joi.object({ id: uuid.required(), name: Joi.string().required(), priceDelta: minor.required() }))
    .required(),
  name: Joi.string().required(),
  notes: Joi.string().allow('').required(),
  quantity: Joi.number().integer().required(),
  unitPrice: minor.required(),
  taxRateBp: Joi.number().integer().required(),
  taxInclusive: Joi.boolean().required(),
  discount: discountOut.required(),
  gross: minor.required(),
  discountAmount: minor.required(),
  tax: minor.required(),
  total: minor.required(),
  sentAt: iso.allow(null).required(),
  voidedAt: iso.allow(null).required().description('voided after sending: counts in no total'),
  voidReason: Joi.string().allow(null).required(),
  voidedBy: uuid.allow(null).required(),
});

export const orderOut = Joi.object({
  id: uuid.required(),
  number: Joi.string().required(),
  branchId: uuid.required(),
  kind: Joi.string()
    .valid(...ORDER_KINDS)
    .required(),
  tableId: uuid.allow(null).required(),
  guests: Joi.number().integer().allow(null).required(),
  customerName: Joi.string().allow(null).required(),
  deliveryAddress: Joi.string().allow(null).required(),
  deliveryPhone: Joi.string().allow(null).required(),
  notes: Joi.string().allow('').required(),
  status: Joi.string()
    .valid(...ORDER_STATUSES)
    .required(),
  currency: Joi.string().length(3).required(),
  discount: discountOut.required(),
  subtotal: minor.required(),
  discountTotal: minor.required(),
  taxTotal: minor.required(),
  tip: minor.required(),
  total: minor.required().description('what the customer pays: lines (taxes included) + tip'),
  cancelReason: Joi.string().allow(null).required(),
  splitFromId: uuid.allow(null).required(),
  mergedIntoId: uuid.allow(null).required(),
  paymentRef: Joi.string().allow(null).required(),
  lines: Joi.array().items(lineOut).required(),
  sentAt: iso.allow(null).required(),
  servedAt: iso.allow(null).required(),
  paidAt: iso.allow(null).required(),
  cancelledAt: iso.allow(null).required(),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

export const taxOut = Joi.object({
  id: uuid.required(),
  taxRateBp: Joi.number().integer().allow(null).required(),
  taxInclusive: Joi.boolean().allow(null).required(),
});

export const orderSettingsOut = Joi.object({
  discountThresholdBp: Joi.number().integer().min(0).max(10_000).required(),
});
