import Joi from 'joi';
import {
  DomainError,
  branchesFor,
  branchFilter,
  coversBranch,
  currentEm,
  findPage,
  idempotency,
  notFound,
  reply,
  type Route,
  uuid,
  defineRoute,
  authOf,
  PRINTABLE_ASCII,
  currency,
  scopedIdempotencyKey,
  assertMembers,
  rateLimit,
} from '@faena/platform';
import { Drawer, PAYMENT_METHODS, PAYMENT_STATUSES, Payment } from '../domain/entities.ts';
import { present } from '../domain/payments.ts';
import { saveCredentials } from '../domain/providers.ts';
import {
  PAYER_CODES_PER_WINDOW,
  PAYER_CODE_TTL_SECONDS,
  authorizePayment,
  issuePayerCode,
} from '../domain/payer-authority.ts';
import { refund, requestPayment } from '../domain/service.ts';
import type { PaymentsDeps } from '../deps.ts';
import { BASE_PATH } from '../constants.ts';
import { ProviderError } from '../providers/mercadopago.ts';

export const amount = Joi.number()
  .integer()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .description('minor units (cents)');
const id = uuid;
const minor = Joi.string().pattern(/^\d+$/).description('minor units as a decimal string');

/** A payment as the API answers it (`present()`), for the OpenAPI document. */
export const paymentOut = Joi.object({
  id: id.required(),
  status: Joi.string()
    .valid(...PAYMENT_STATUSES)
    .required()
    .description(
      'pending until funded; held (escrow) or captured once funded; partially_refunded when refunds sum to less ' +
        'than capturedAmount (the remainder stays refundable and, escrowed, payable out); refunded when all of it is; ' +
        'failed or cancelled when it never was',
    ),
  amount: minor.required(),
  currency: currency.required(),
  method: Joi.string()
    .valid(...PAYMENT_METHODS)
    .required(),
  payerId: id.required(),
  payeeId: id.allow(null),
  branchId: id.allow(null).description('the branch that took it; null for tenant-level payments'),
  drawerId: id.allow(null).description('the drawer that took it (cash) or where it was recorded'),
  cashSessionId: id
    .allow(null)
    .description("the cash session it counts in (that session's expected amounts)"),
  purpose: Joi.string().required(),
  reference: Joi.string().required(),
  escrow: Joi.boolean().required(),
  capturedAmount: minor.required(),
  refundedAmount: minor
    .required()
    .description('sum of the refunds; capturedAmount - refundedAmount is refundable'),
  provider: Joi.string().allow(null),
  providerPaymentId: Joi.string().allow(null),
  providerStatus: Joi.string().allow(null),
  checkoutUrl: Joi.string().allow(null).description('the provider page where the payer pays'),
  failureReason: Joi.string().allow(null),
  createdAt: Joi.string().isoDate(),
  updatedAt: Joi.string().isoDate(),
});
const em = () => currentEm();

/**
 * What a provider's failure means to the client, never a 500: down or overloaded is a 502 to retry
 * with the same Idempotency-Key (the payment row is kept and completed by the retry); a refusal
 * (wrong credentials, a request it will not take) is a 422 that retrying does not change.
 */
async function viaProvider<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    if (!err.retryable)
      throw new DomainError(
        'PROVIDER_REFUSED',
        `The payment provider refused the request (${err.status}); check the business's provider credentials`,
      );
    throw new DomainError(
      'PROVIDER_UNAVAILABLE',
      'The payment provider did not take the request; retry with the same Idempotency-Key',
    );
  }
}
const auth = (ctx: { state: Record<string, unknown> }) => authOf(ctx).claims;

export function paymentRoutes(deps: PaymentsDeps): Route[] {
  const { guard } = deps;
  const idem = idempotency({ redis: deps.redis, scope: 'payments' });
  /**
   * A payment the caller may act on with `permission`: one of a branch their grant covers (a
   * tenant-level one only with a tenant-wide grant), or, for reading, one they pay or are paid;
   * any other is simply not found.
   */
  const load = async (paymentId: string, ctx: Parameters<Route['handler']>[0], permission: string) => {
    const p = await em().findOne(Payment, { id: paymentId });
    const me = auth(ctx).sub;
    const party = permission === 'payments.read' && (p?.payerId === me || p?.payeeId === me);
    if (!p || !(party || coversBranch(ctx, permission, p.branchId))) throw notFound('Payment');
    return p;
  };
  /**
   * The drawer a counter payment names, in a branch the caller's `permission` covers (any other is
   * not found); the branch is the drawer's (a different `branchId` named is 422).
   */
  const counter = async (
    ctx: Parameters<Route['handler']>[0],
    permission: string,
    drawerId: string | undefined,
    branchId: string | undefined,
  ) => {
    if (!drawerId) return { branchId };
    const d = await em().findOne(Drawer, { id: drawerId });
    if (!d || !coversBranch(ctx, permission, d.branchId)) throw notFound('Drawer');
    if (branchId && branchId !== d.branchId)
      throw new DomainError(
        'DRAWER_BRANCH_MISMATCH',
        "The drawer is not in the branch named: name the drawer's branch",
        {
          field: 'body.branchId',
        },
      );
    return { branchId: d.branchId ?? undefined, drawerId: d.id };
  };
  return [
    defineRoute({
      method: 'post',
      path: '/payments',
      summary:
        "Take a payment (wallet, cash, card, transfer or MercadoPago); Idempotency-Key required. Someone else's wallet needs their payer code; card and transfer need payments.record_external and never top up a wallet; cash names a drawer with an open cash session (its branch is the payment's), card, transfer and wallet at a counter may",
      tags: ['payments'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('payments.create', { body: 'branchId' }), idem],
      schemas: {
        body: Joi.object<{
          amount: number;
          currency: string;
          method: Payment['method'];
          payerId: string;
          payeeId?: string;
          branchId?: string;
          drawerId?: string;
          purpose: string;
          reference: string;
          escrow: boolean;
          payerCode?: string;
        }>({
          amount: amount.required(),
          currency: currency.required(),
          method: Joi.string()
            .valid(...PAYMENT_METHODS)
            .required(),
          payerId: id.required(),
          payeeId: id,
          branchId: id.description("the branch that takes it (a drawer's own, when one is named)"),
          drawerId: id.description(
            'the drawer whose open cash session takes it: required for cash (422 DRAWER_NOT_OPEN without an open session)',
          ),
          purpose: Joi.string().max(64).required(),
          reference: Joi.string().max(200).required(),
          escrow: Joi.boolean().default(false),
          payerCode: Joi.string()
            .pattern(/^\d{8}$/)
            .description(
              'a wallet payment for someone else: the one-time code the payer shows (POST /wallets/me/payer-codes)',
            ),
        }).required(),
        response: paymentOut,
      },
      handler: async (ctx, input) => {
        const { payerCode, drawerId, ...rest } = input.body;
        const b = { ...rest, ...(await counter(ctx, 'payments.create', drawerId, rest.branchId)) };
        // Payer, payee and branch must be this business's (before: any id was recorded).
        await assertMembers(guard, ctx, {
          users: { 'body.payerId': b.payerId, 'body.payeeId': b.payeeId },
          branches: { 'body.branchId': b.branchId },
          currency: { 'body.currency': b.currency },
        });
        await authorizePayment(
          deps.redis,
          {
            tenantId: auth(ctx).tid,
            userId: auth(ctx).sub,
            mayRecordExternal: coversBranch(ctx, 'payments.record_external', b.branchId ?? null),
          },
          { ...b, payerCode },
        );
        if (b.escrow && !b.payeeId)
          throw new DomainError('PAYEE_REQUIRED', 'An escrow payment needs a payee', {
            field: 'body.payeeId',
          });
        const p = await viaProvider(() =>
          requestPayment(em(), deps, auth(ctx).tid, {
            ...b,
            amount: BigInt(b.amount),
            key: `http:${scopedIdempotencyKey(ctx)}`,
          }),
        );
        return reply(present(p), { status: 201, headers: { Location: `${BASE_PATH}/payments/${p.id}` } });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/payments/self',
      summary:
        'Pay for myself (payments.self: a member buying for themselves): from my own wallet or a MercadoPago checkout; Idempotency-Key required. The payer is always the caller: no one else’s wallet, no cash, no payee, no escrow',
      tags: ['payments'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('payments.self', 'self'), idem],
      schemas: {
        body: Joi.object<{
          amount: number;
          currency: string;
          method: 'wallet' | 'mercadopago';
          branchId?: string;
          purpose: string;
          reference: string;
        }>({
          amount: amount.required(),
          currency: currency.required(),
          method: Joi.string().valid('wallet', 'mercadopago').required(),
          branchId: id.description('the branch that sells (the seller names it)'),
          purpose: Joi.string().max(64).required(),
          reference: Joi.string().max(200).required(),
        }).required(),
        response: paymentOut,
      },
      handler: async (ctx, input) => {
        const b = { ...input.body, payerId: auth(ctx).sub };
        await assertMembers(guard, ctx, {
          branches: { 'body.branchId': b.branchId },
          currency: { 'body.currency': b.currency },
        });
        // The same rules as any payment; the payer is the caller, so a wallet is only ever their own.
        await authorizePayment(
          deps.redis,
          { tenantId: auth(ctx).tid, userId: auth(ctx).sub, mayRecordExternal: false },
          b,
        );
        const p = await viaProvider(() =>
          requestPayment(em(), deps, auth(ctx).tid, {
            ...b,
            escrow: false,
            amount: BigInt(b.amount),
            key: `http:${scopedIdempotencyKey(ctx)}`,
          }),
        );
        return reply(present(p), { status: 201, headers: { Location: `${BASE_PATH}/payments/${p.id}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/payments',
      summary:
        "Payment history: staff see their branches' (the business's with a tenant-wide payments.read), everyone their own as payer or payee",
      tags: ['payments'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        query: Joi.object<
          Record<string, string | number | Date | undefined> & {
            limit: number;
            cursor?: string;
          }
        >({
          limit: Joi.number().integer().min(1).max(100).default(20),
          cursor: Joi.string().max(512),
          payerId: id,
          payeeId: id,
          status: Joi.string().valid(...PAYMENT_STATUSES),
          method: Joi.string().valid(...PAYMENT_METHODS),
          purpose: Joi.string().max(64),
          reference: Joi.string().max(200),
          from: Joi.date().iso(),
          to: Joi.date().iso(),
        }),
        response: Joi.array().items(paymentOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = {};
        for (const k of ['payerId', 'payeeId', 'status', 'method', 'purpose', 'reference'])
          if (q[k]) where[k] = q[k];
        if (q.from || q.to) where.createdAt = { ...(q.from && { $gte: q.from }), ...(q.to && { $lt: q.to }) };
        // Staff see the payments of the branches their payments.read covers; everyone their own.
        if (branchesFor(ctx, 'payments.read') !== '*') {
          const me = auth(ctx).sub;
          where.$or = [{ payerId: me }, { payeeId: me }, branchFilter(ctx, 'payments.read')];
        }
        const { items, meta } = await findPage(em(), Payment, where, q);
        return reply(items.map(present), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/payments/:id',
      summary: 'One payment',
      tags: ['payments'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { params: Joi.object<{ id: string }>({ id: id.required() }), response: paymentOut },
      handler: async (ctx, input) => present(await load(input.params.id, ctx, 'payments.read')),
    }),
    defineRoute({
      method: 'post',
      path: '/payments/:id/refunds',
      summary:
        'Refund all or part of what was captured (never more); Idempotency-Key required. Cash goes back out of a drawer with an open session (the one that took it, or drawerId)',
      tags: ['payments'],
      auth: true,
      middleware: [guard.requirePermission('payments.refund', 'records'), idem],
      schemas: {
        params: Joi.object<{ id: string }>({ id: id.required() }),
        body: Joi.object<{ amount: number; reason: string; drawerId?: string }>({
          amount: amount.required(),
          reason: Joi.string().max(200).required(),
          drawerId: id.description(
            'cash: the drawer whose open session pays it out (default: the one that took it)',
          ),
        }).required(),
        response: paymentOut,
      },
      handler: async (ctx, input) => {
        const p = await load(input.params.id, ctx, 'payments.refund');
        const b = input.body;
        const { drawerId } = await counter(ctx, 'payments.refund', b.drawerId, undefined);
        return present(
          await viaProvider(() =>
            refund(
              em(),
              deps,
              auth(ctx).tid,
              p.id,
              `refund:http:${scopedIdempotencyKey(ctx)}`,
              BigInt(b.amount),
              drawerId,
            ),
          ),
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/wallets/me/payer-codes',
      summary:
        'A one-time code (8 digits, 2 minutes) the caller shows at a counter so staff may charge their wallet once',
      tags: ['wallets'],
      auth: true,
      status: 201,
      middleware: [
        guard.requireAuth(),
        // Each code is a live Redis key for 2 minutes: a user may hold at most this many.
        rateLimit({
          redis: deps.redis,
          name: 'payments:payer-codes',
          points: PAYER_CODES_PER_WINDOW,
          durationSeconds: PAYER_CODE_TTL_SECONDS * 5,
          key: (ctx) => `${auth(ctx).tid}:${auth(ctx).sub}`,
        }),
      ],
      schemas: {
        response: Joi.object({
          code: Joi.string()
            .pattern(/^\d{8}$/)
            .required(),
          expiresAt: Joi.string().isoDate().required(),
        }),
      },
      handler: async (ctx) =>
        reply(await issuePayerCode(deps.redis, auth(ctx).tid, auth(ctx).sub), {
          status: 201,
          headers: { 'Cache-Control': 'no-store' },
        }),
    }),
    defineRoute({
      method: 'post',
      path: '/wallets/:userId/deposits',
      summary:
        "Add cash to a customer's wallet through a drawer with an open cash session; Idempotency-Key required",
      tags: ['wallets'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('payments.create', { body: 'branchId' }), idem],
      schemas: {
        params: Joi.object<{ userId: string }>({ userId: id.required() }),
        body: Joi.object<{ amount: number; currency: string; drawerId: string; branchId?: string }>({
          amount: amount.required(),
          currency: currency.required(),
          drawerId: id
            .required()
            .description(
              'the drawer whose open cash session takes the cash (422 DRAWER_NOT_OPEN without one)',
            ),
          branchId: id.description("the drawer's branch (a grant scoped to branches names it)"),
        }).required(),
        response: paymentOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        const drawer = await counter(ctx, 'payments.create', b.drawerId, b.branchId);
        // A wallet of this business's user, a drawer of one of its branches (before: any id made one).
        await assertMembers(guard, ctx, {
          users: { 'params.userId': input.params.userId },
          currency: { 'body.currency': b.currency },
        });
        const p = await viaProvider(() =>
          requestPayment(em(), deps, auth(ctx).tid, {
            key: `http:${scopedIdempotencyKey(ctx)}`,
            amount: BigInt(b.amount),
            currency: b.currency,
            method: 'cash',
            payerId: input.params.userId,
            ...drawer,
            purpose: 'wallet_topup',
            reference: `deposit at drawer ${b.drawerId}`,
          }),
        );
        return reply(present(p), { status: 201 });
      },
    }),
    defineRoute({
      method: 'put',
      path: '/providers/mercadopago',
      summary: "Set the business's MercadoPago access token and webhook secret (stored encrypted)",
      tags: ['providers'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('payments.configure', 'tenant')],
      schemas: {
        body: Joi.object<{ accessToken: string; webhookSecret: string }>({
          // Both travel in HTTP headers and HMAC keys: printable ASCII only (MercadoPago issues them so).
          accessToken: Joi.string().min(10).max(500).pattern(PRINTABLE_ASCII).required(),
          webhookSecret: Joi.string().min(16).max(500).pattern(PRINTABLE_ASCII).required(),
        }).required(),
      },
      handler: async (ctx, input) => {
        await saveCredentials(em(), deps.secretKey, auth(ctx).tid, 'mercadopago', input.body);
        return reply(null, { status: 204 });
      },
    }),
  ];
}
