/** What the reports routes answer (the shape of domain/reports.ts's `presentSalesReport`). */
import Joi from 'joi';
import { uuid } from '@faena/platform';
import { TENDER_METHODS } from '../domain/order-payments-tenders.ts';
import { iso } from './common.ts';

const minor = Joi.string().pattern(/^\d+$/).description('minor units as a decimal string');
const signed = Joi.string()
  .pattern(/^-?\d+$/)
  .description('minor units as a decimal string (negative when refunds exceed captures)');
const count = Joi.number().integer().min(0);

const amounts = {
  gross: minor.required().description('line prices × quantities, before discounts'),
  discounts: minor.required(),
  net: minor.required().description('sales without tax'),
  tax: minor.required(),
  sales: minor.required().description('what the lines cost the customer (gross − discounts + exclusive tax)'),
};
const orderGroup = {
  orders: count.required(),
  ...amounts,
  tips: minor.required(),
  total: minor.required().description('sales + tips: what the tenders took'),
};
const productRow = Joi.object({
  productId: uuid.allow(null).required().description('null: the shares of evenly split bills'),
  name: Joi.string().allow(null).required(),
  categoryId: uuid.allow(null).required(),
  quantity: count.required(),
  ...amounts,
});
const sum = Joi.object({ count: count.required(), amount: minor.required() });

export const salesReportOut = Joi.object({
  branchId: uuid.required(),
  timeZone: Joi.string().required(),
  from: Joi.string().required(),
  to: Joi.string().required(),
  start: iso.required().description('first instant covered (local midnight of from)'),
  end: iso.required().description('first instant not covered (local midnight after to)'),
  currency: Joi.string().length(3).required(),
  totals: Joi.object({
    ...orderGroup,
    refunds: minor.required().description('refunded in the period'),
    refundCount: count.required(),
  }).required(),
  byDay: Joi.array()
    .items(Joi.object({ day: Joi.string().required(), ...orderGroup }))
    .required(),
  byHour: Joi.array()
    .items(Joi.object({ hour: Joi.number().integer().min(0).max(23).required(), ...orderGroup }))
    .required(),
  byProduct: Joi.array().items(productRow).required(),
  byCategory: Joi.array()
    .items(
      Joi.object({
        categoryId: uuid.allow(null).required(),
        name: Joi.string().allow(null).required(),
        quantity: count.required(),
        ...amounts,
      }),
    )
    .required(),
  byWaiter: Joi.array()
    .items(Joi.object({ userId: uuid.allow(null).required(), ...orderGroup }))
    .required(),
  byPaymentMethod: Joi.array()
    .items(
      Joi.object({
        method: Joi.string()
          .valid(...TENDER_METHODS)
          .required(),
        tenders: count.required(),
        captured: minor.required(),
        refunded: minor.required(),
        net: signed.required(),
      }),
    )
    .required(),
  topProducts: Joi.object({
    byQuantity: Joi.array().items(productRow).required(),
    byRevenue: Joi.array().items(productRow).required(),
  }).required(),
  cancellations: Joi.object({
    count: count.required(),
    amount: minor.required(),
    orders: sum.required(),
    lines: sum.required(),
    reasons: Joi.array()
      .items(
        Joi.object({
          kind: Joi.string().valid('order', 'line').required(),
          reason: Joi.string().allow('').required(),
          count: count.required(),
          amount: minor.required(),
        }),
      )
      .required(),
  }).required(),
  discounts: Joi.object({ orders: count.required(), amount: minor.required() }).required(),
  tips: Joi.object({ orders: count.required(), amount: minor.required() }).required(),
});
