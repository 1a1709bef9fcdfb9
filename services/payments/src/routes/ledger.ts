import Joi from 'joi';
import type { Context } from 'koa';
import {
  currentEm,
  coversBranch,
  notFound,
  reply,
  uuid as id,
  type Route,
  defineRoute,
  authOf,
  toCsv,
  type CsvColumn,
} from '@faena/platform';
import { Account } from '../domain/entities.ts';
import { balances, statement, type StatementLine } from '../domain/ledger.ts';
import type { PaymentsDeps } from '../deps.ts';

const em = () => currentEm();
const statementQuery = Joi.object<{ limit: number; cursor?: string; from?: Date; to?: Date; kind?: string }>({
  limit: Joi.number().integer().min(1).max(1000).default(100),
  cursor: Joi.string().max(512),
  from: Joi.date().iso(),
  to: Joi.date().iso(),
  kind: Joi.string().max(32).description('journal entry kind: payment, escrow_hold, payout, refund…'),
});

/** The statement CSV's columns (`toCsv`: text neutralised against formulas, `amount` an integer column). */
const statementColumns: Array<CsvColumn<StatementLine>> = [
  { header: 'posting_id', value: (l) => l.postingId },
  { header: 'entry_id', value: (l) => l.entryId },
  { header: 'created_at', value: (l) => l.createdAt },
  { header: 'kind', value: (l) => l.kind },
  { header: 'description', value: (l) => l.description },
  { header: 'payment_id', value: (l) => l.paymentId },
  { header: 'amount', value: (l) => l.amount, numeric: true },
  { header: 'currency', value: (l) => l.currency },
];

/** An account and its balance (`balances()`), as the API answers it. */
const accountOut = Joi.object({
  id: id.required(),
  kind: Joi.string().required(),
  ownerId: id.allow(null).required().description('the user (wallet, payable) or drawer (cash drawer)'),
  branchId: id.allow(null).required().description("a cash drawer's branch; null for other accounts"),
  currency: Joi.string().required(),
  balance: Joi.string()
    .pattern(/^-?\d+$/)
    .required()
    .description('minor units as a decimal string'),
});
/** One posting of an account's statement (`statement()`). */
const postingOut = Joi.object({
  postingId: id.required(),
  entryId: id.required(),
  kind: Joi.string().required(),
  description: Joi.string().allow('').required(),
  paymentId: id.allow(null).required(),
  amount: Joi.string()
    .pattern(/^-?\d+$/)
    .required(),
  currency: Joi.string().required(),
  createdAt: Joi.string().isoDate().required(),
});

/** The branch an account belongs to: a cash drawer's; every other account is the business's (null). */
const branchOf = (a: { kind: string; branchId?: string | null }) =>
  a.kind === 'cash_drawer' ? (a.branchId ?? null) : null;

export function ledgerRoutes({ guard }: PaymentsDeps): Route[] {
  // Accounts of other tenants are invisible (the tenant filter applies to this lookup), and so are
  // those of branches the caller's ledger.read does not cover.
  const load = async (ctx: Context, accountId: string) => {
    const account = await em().findOne(Account, { id: accountId });
    if (!account || !coversBranch(ctx, 'ledger.read', branchOf(account))) throw notFound('Account');
    return account;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/accounts',
      summary:
        "Ledger accounts with their balances (minor units): a branch's drawers, or all of the business's with a tenant-wide ledger.read",
      tags: ['ledger'],
      auth: true,
      middleware: [guard.requirePermission('ledger.read', 'records')],
      schemas: {
        query: Joi.object<{ ownerId: string | undefined }>({ ownerId: id }),
        response: Joi.array().items(accountOut),
      },
      handler: async (ctx, input) =>
        (await balances(em(), authOf(ctx).claims.tid, input.query.ownerId)).filter((a) =>
          coversBranch(ctx, 'ledger.read', branchOf(a)),
        ),
    }),
    {
      method: 'get',
      path: '/wallets/me',
      summary: "The caller's own wallet and payable balances",
      tags: ['wallets'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { response: Joi.array().items(accountOut) },
      handler: async (ctx) => {
        const { tid, sub } = authOf(ctx).claims;
        return balances(em(), tid, sub);
      },
    },
    defineRoute({
      method: 'get',
      path: '/accounts/:id/statement',
      summary: 'Postings of an account, newest first, filtered by date and entry kind',
      tags: ['ledger'],
      auth: true,
      middleware: [guard.requirePermission('ledger.read', 'records')],
      schemas: {
        params: Joi.object<{ id: string }>({ id: id.required() }),
        query: statementQuery,
        response: Joi.array().items(postingOut),
      },
      handler: async (ctx, input) => {
        const account = await load(ctx, input.params.id);
        const { items, nextCursor } = await statement(em(), account.id, input.query);
        return reply(items, {
          meta: { nextCursor, balance: account.balance.toString(), currency: account.currency },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/accounts/:id/statement.csv',
      summary: 'The same statement as CSV (one page; follow X-Next-Cursor for more)',
      produces: { contentType: 'text/csv' },
      tags: ['ledger'],
      auth: true,
      middleware: [guard.requirePermission('ledger.read', 'records')],
      schemas: {
        params: Joi.object<{ id: string }>({ id: id.required() }),
        query: statementQuery,
        response: Joi.array().items(postingOut),
      },
      handler: async (ctx, input) => {
        const account = await load(ctx, input.params.id);
        const { items, nextCursor } = await statement(em(), account.id, input.query);
        return reply(toCsv(statementColumns, items), {
          raw: true,
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': `attachment; filename="statement-${account.id}.csv"`,
            ...(nextCursor && { 'X-Next-Cursor': nextCursor }),
          },
        });
      },
    }),
  ];
}
