import Joi from 'joi';
import type { Context } from 'koa';
import {
  authOf,
  coversBranch,
  defineRoute,
  DomainError,
  idempotency,
  notFound,
  reply,
  scopedIdempotencyKey,
  uuid,
  type Route,
} from '@faena/platform';
import type { PosDeps } from '../deps.ts';
import { ORDER_STATUSES } from '../domain/order-entities.ts';
import { loadOrder } from '../domain/orders.ts';
import {
  getPaymentSettings,
  payOrder,
  paymentView,
  refundOrder,
  setPaymentSettings,
  type Caller,
  type RefundInput,
  type TenderRequest,
} from '../domain/order-payments.ts';
import { REFUND_KINDS, REFUND_STATUSES, TENDER_STATUSES } from '../domain/order-payments-entities.ts';
import { announceOrders } from '../domain/order-events.ts';
import { TENDER_METHODS } from '../domain/order-payments-tenders.ts';
import { deliverLowStock } from '../low-stock.ts';
import { em, iso, params, text } from './common.ts';

const minor = Joi.string().pattern(/^\d+$/).description('minor units as a decimal string');
const amount = Joi.number().integer().min(1).max(Number.MAX_SAFE_INTEGER).description('minor units');

interface TenderBody {
  method: TenderRequest['method'];
  amount: number;
  drawerId?: string;
  payerId?: string;
  payerCode?: string;
}
const tenderIn = Joi.object<TenderBody>({
  method: Joi.string()
    .valid(...TENDER_METHODS)
    .required(),
  amount: amount
    .required()
    .description('cash: what the customer handed over (the change is computed); the others: what they pay'),
  drawerId: uuid.description(
    "the drawer whose open cash session takes it (default: the request's drawerId); cash needs one (422 DRAWER_REQUIRED)",
  ),
  payerId: uuid.description(
    'wallet: the customer whose wallet pays, required (422 TENDER_FIELDS); the others: the cashier, by default',
  ),
  payerCode: Joi.string()
    .pattern(/^\d{8}$/)
    .description('wallet only: the one-time code the customer shows, required (422 TENDER_FIELDS)'),
});

/**
 * Which fields each method takes, checked here and not in joi: joi's conditional rules do not reach
 * the OpenAPI document, so a request valid by the document would be a 400 (Schemathesis found it).
 */
function assertTenderFields(tenders: TenderBody[], drawerId: string | undefined): void {
  tenders.forEach((t, n) => {
    const field = (name: string) => ({ field: `body.tenders.${n}.${name}` });
    if (t.method === 'cash' && !t.drawerId && !drawerId)
      throw new DomainError(
        'DRAWER_REQUIRED',
        'A cash tender names the drawer that takes it',
        field('drawerId'),
      );
    if (t.method === 'wallet' && !t.payerId)
      throw new DomainError('TENDER_FIELDS', 'A wallet tender names the customer who pays', field('payerId'));
    if (t.method === 'wallet' && !t.payerCode)
      throw new DomainError(
        'TENDER_FIELDS',
        "A wallet tender carries the customer's payer code",
        field('payerCode'),
      );
    if (t.method !== 'wallet' && t.payerCode)
      throw new DomainError('TENDER_FIELDS', 'Only a wallet tender takes a payer code', field('payerCode'));
  });
}

const tenderOut = Joi.object({
  id: uuid.required(),
  method: Joi.string()
    .valid(...TENDER_METHODS)
    .required(),
  amount: minor.required().description('what it pays toward the order'),
  received: minor.required().description('cash: what was handed over'),
  change: minor.required(),
  currency: Joi.string().length(3).required(),
  drawerId: uuid.allow(null).required(),
  payerId: uuid.required(),
  status: Joi.string()
    .valid(...TENDER_STATUSES)
    .required(),
  paymentId: uuid.allow(null).required().description('the payment in the payments service'),
  refundedAmount: minor.required().description("what the order's refunds gave back of it"),
  failureCode: Joi.string().allow(null).required(),
  failureReason: Joi.string().allow(null).required(),
  createdAt: iso.required(),
});

const paymentsOut = Joi.object({
  orderId: uuid.required(),
  status: Joi.string()
    .valid(...ORDER_STATUSES)
    .required(),
  currency: Joi.string().length(3).required(),
  total: minor.required(),
  paid: minor.required().description('what the captured tenders took'),
  due: minor.required(),
  refunded: minor.required().description('what the refunds gave back so far'),
  tenders: Joi.array().items(tenderOut).required(),
  refunds: Joi.array()
    .items(
      Joi.object({
        id: uuid.required(),
        kind: Joi.string()
          .valid(...REFUND_KINDS)
          .required(),
        status: Joi.string()
          .valid(...REFUND_STATUSES)
          .required(),
        amount: minor.required(),
        reason: Joi.string().required(),
        restock: Joi.boolean().required(),
        lines: Joi.array()
          .items(
            Joi.object({
              lineId: uuid.required(),
              quantity: Joi.number().integer().required(),
              amount: minor.required(),
            }),
          )
          .required(),
        refundedAt: iso.allow(null).required(),
      }),
    )
    .required(),
});

const settingsOut = Joi.object({
  restockOnRefund: Joi.boolean().required().description("a refunded order's recipe units go back to stock"),
});

/**
 * Paying and refunding orders through the payments service (domain/order-payments.ts): with
 * `orders.pay` / `orders.refund` in the order's branch (another branch's or business's order is
 * 404), the caller's own token going to payments, which checks their payment permissions itself.
 */
export function orderPaymentRoutes(deps: PosDeps): Route[] {
  const { guard } = deps;
  const idem = idempotency({ redis: deps.redis, scope: 'pos' });
  const inScope = async (ctx: Context, permission: string, id: string) => {
    const o = await loadOrder(em(), id);
    if (!coversBranch(ctx, permission, o.branchId)) throw notFound('Order');
    return o;
  };
  const caller = (ctx: Context): Caller => ({
    token: authOf(ctx).token,
    userId: authOf(ctx).claims.sub,
    requestKey: scopedIdempotencyKey(ctx),
  });
  return [
    defineRoute({
      method: 'post',
      path: '/orders/:id/payments',
      summary:
        "Pay a sent order with split tenders (cash, card, transfer, wallet), each a payment in payments; they must cover what is due exactly (422 TENDERS_DO_NOT_BALANCE); cash names its drawer (drawerId: the register's, for every tender) and gets its change back; paid orders' recipes leave the stock (409 OUT_OF_STOCK before any charge); Idempotency-Key required (a retry charges nothing twice)",
      tags: ['orders'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('orders.pay', 'records'), idem],
      schemas: {
        params,
        body: Joi.object<{ tenders: TenderBody[]; drawerId?: string }>({
          tenders: Joi.array().items(tenderIn).min(1).max(8).required(),
          drawerId: uuid.description(
            "the register's drawer: every tender without its own is taken at it (its open cash session counts card, transfer and wallet too)",
          ),
        }).required(),
        response: paymentsOut.keys({
          change: minor.required().description('cash to hand back (never charged)'),
        }),
      },
      handler: async (ctx, input) => {
        await inScope(ctx, 'orders.pay', input.params.id);
        const { drawerId } = input.body;
        assertTenderFields(input.body.tenders, drawerId);
        const tenders: TenderRequest[] = input.body.tenders.map((t) => ({
          ...t,
          amount: BigInt(t.amount),
          drawerId: t.drawerId ?? drawerId,
          sharedDrawer: !t.drawerId && !!drawerId,
        }));
        const { order, change, alerts } = await payOrder(
          em(),
          deps.payments,
          caller(ctx),
          input.params.id,
          tenders,
        );
        if (alerts.length) await deliverLowStock(deps, em(), alerts);
        if (order.status === 'paid') await announceOrders(deps, em(), [order]);
        return reply({ ...(await paymentView(em(), order)), change: change.toString() }, { status: 201 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/orders/:id/payments',
      summary: "An order's payment: total, paid, due, its tenders and its refund",
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('orders.read', 'records')],
      schemas: { params, response: paymentsOut },
      handler: async (ctx, input) => paymentView(em(), await inScope(ctx, 'orders.read', input.params.id)),
    }),
    defineRoute({
      method: 'post',
      path: '/orders/:id/refunds',
      summary:
        "Refund a paid order with a reason, in whole (what is left), by lines (units of lines: their share) or by amount, several times but never more than was paid (422 REFUND_EXCEEDS_PAID); tender by tender in the order they were taken, through payments (cash out of a drawer with an open session: the one that took it, or drawerId); restocks the whole rest or the lines' recipes when the business's restockOnRefund says so (an amount restocks nothing); Idempotency-Key required",
      tags: ['orders'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('orders.refund', 'records'), idem],
      schemas: {
        params,
        body: Joi.object<{
          reason: string;
          drawerId?: string;
          lines?: Array<{ lineId: string; quantity: number }>;
          amount?: number;
        }>({
          reason: text(200).required(),
          drawerId: uuid.description('cash: the drawer whose open session pays it out'),
          lines: Joi.array()
            .items(
              Joi.object({
                lineId: uuid.required(),
                quantity: Joi.number().integer().min(1).max(999).required(),
              }),
            )
            .min(1)
            .max(200)
            .description('units of lines to give back; with amount: 422 EXACTLY_ONE_REQUIRED'),
          amount: amount.description(
            'money only (restocks nothing); neither lines nor amount: all that is left',
          ),
        }).required(),
        response: paymentsOut,
      },
      handler: async (ctx, input) => {
        await inScope(ctx, 'orders.refund', input.params.id);
        const { amount: money, ...rest } = input.body;
        const body: RefundInput = { ...rest, ...(money !== undefined && { amount: BigInt(money) }) };
        const { order, alerts } = await refundOrder(em(), deps.payments, caller(ctx), input.params.id, body);
        if (alerts.length) await deliverLowStock(deps, em(), alerts);
        return reply(await paymentView(em(), order), { status: 201 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/order-payment-settings',
      summary: "The business's order-payment rules (whether refunds restock)",
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('orders.read', 'self')],
      schemas: { response: settingsOut },
      handler: async () => getPaymentSettings(em()),
    }),
    defineRoute({
      method: 'put',
      path: '/order-payment-settings',
      summary:
        "Set whether a refunded order's recipe units go back to stock (inventory.manage, tenant-wide; default true)",
      tags: ['orders'],
      auth: true,
      middleware: [guard.requirePermission('inventory.manage', 'tenant')],
      schemas: {
        body: Joi.object<{ restockOnRefund: boolean }>({
          restockOnRefund: Joi.boolean().required(),
        }).required(),
        response: settingsOut,
      },
      handler: async (ctx, input) => setPaymentSettings(em(), input.body, authOf(ctx).claims.sub),
    }),
  ];
}
