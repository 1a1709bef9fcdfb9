import Joi from 'joi';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  currentEm,
  decodeCursor,
  encodeCursor,
  notFound,
  reply,
  type AuthState,
  type Route,
} from '@faena/platform';
import { Account } from '../domain/entities.ts';
import { balances } from '../domain/ledger.ts';
import type { PaymentsDeps } from '../deps.ts';

const em = () => currentEm() as unknown as EntityManager;
const id = Joi.string().uuid();
const statementQuery = Joi.object({
  limit: Joi.number().integer().min(1).max(1000).default(100),
  cursor: Joi.string().max(512),
  from: Joi.date().iso(),
  to: Joi.date().iso(),
  kind: Joi.string().max(32).description('journal entry kind: payment, escrow_hold, payout, refund…'),
});

interface Line {
  postingId: string;
  entryId: string;
  kind: string;
  description: string;
  paymentId: string | null;
  amount: string;
  currency: string;
  createdAt: Date;
}

/** The postings of an account, newest first, with their entry, filtered by date and entry kind. */
async function statement(
  accountId: string,
  q: { limit: number; cursor?: string; from?: Date; to?: Date; kind?: string },
) {
  const cursor = decodeCursor(q.cursor);
  const where = ['p.account_id = ?'];
  const params: unknown[] = [accountId];
  if (cursor) {
    where.push('p.id < ?');
    params.push(cursor.id);
  }
  if (q.from) {
    where.push('p.created_at >= ?');
    params.push(q.from);
  }
  if (q.to) {
    where.push('p.created_at < ?');
    params.push(q.to);
  }
  if (q.kind) {
    where.push('e.kind = ?');
    params.push(q.kind);
  }
  params.push(q.limit + 1);
  const rows = await em().execute<Line[]>(
    `select p.id as "postingId", e.id as "entryId", e.kind, e.description, e.payment_id as "paymentId", p.amount::text as amount, p.currency, p.created_at as "createdAt"
       from payments.postings p join payments.journal_entries e on e.id = p.entry_id
      where ${where.join(' and ')} order by p.id desc limit ?`,
    params,
  );
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > q.limit && last ? encodeCursor({ after: last.postingId, id: last.postingId }) : null,
  };
}

const csvCell = (v: string | Date | null) => {
  const s = v instanceof Date ? v.toISOString() : (v ?? '');
  // Quote separators, and text a spreadsheet would run as a formula (numbers stay as they are).
  return /[",\n]/.test(s) || (/^[=+\-@]/.test(s) && !/^-?\d+$/.test(s)) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function ledgerRoutes({ guard }: PaymentsDeps): Route[] {
  // Accounts of other tenants are invisible: the tenant filter applies to this lookup.
  const load = async (accountId: string) =>
    (await em().findOne(Account, { id: accountId })) ?? Promise.reject(notFound('Account'));
  return [
    {
      method: 'get',
      path: '/accounts',
      summary: 'Ledger accounts of the business with their balances (minor units)',
      tags: ['ledger'],
      auth: true,
      middleware: [guard.requirePermission('ledger.read')],
      schemas: { query: Joi.object({ ownerId: id }) },
      handler: async (ctx, input) =>
        balances(em(), (ctx.state.auth as AuthState).claims.tid, input.query.ownerId as string | undefined),
    },
    {
      method: 'get',
      path: '/wallets/me',
      summary: "The caller's own wallet and payable balances",
      tags: ['wallets'],
      auth: true,
      middleware: [guard.requireAuth()],
      handler: async (ctx) => {
        const { tid, sub } = (ctx.state.auth as AuthState).claims;
        return balances(em(), tid, sub);
      },
    },
    {
      method: 'get',
      path: '/accounts/:id/statement',
      summary: 'Postings of an account, newest first, filtered by date and entry kind',
      tags: ['ledger'],
      auth: true,
      middleware: [guard.requirePermission('ledger.read')],
      schemas: { params: Joi.object({ id: id.required() }), query: statementQuery },
      handler: async (_ctx, input) => {
        const account = await load(input.params.id as string);
        const { items, nextCursor } = await statement(account.id, input.query as { limit: number });
        return reply(items, {
          meta: { nextCursor, balance: account.balance.toString(), currency: account.currency },
        });
      },
    },
    {
      method: 'get',
      path: '/accounts/:id/statement.csv',
      summary: 'The same statement as CSV (one page; follow X-Next-Cursor for more)',
      tags: ['ledger'],
      auth: true,
      middleware: [guard.requirePermission('ledger.read')],
      schemas: { params: Joi.object({ id: id.required() }), query: statementQuery },
      handler: async (_ctx, input) => {
        const account = await load(input.params.id as string);
        const { items, nextCursor } = await statement(account.id, input.query as { limit: number });
        const header = 'posting_id,entry_id,created_at,kind,description,payment_id,amount,currency';
        const lines = items.map((l) =>
          [l.postingId, l.entryId, l.createdAt, l.kind, l.description, l.paymentId, l.amount, l.currency]
            .map(csvCell)
            .join(','),
        );
        return reply(`${[header, ...lines].join('\n')}\n`, {
          raw: true,
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': `attachment; filename="statement-${account.id}.csv"`,
            ...(nextCursor && { 'X-Next-Cursor': nextCursor }),
          },
        });
      },
    },
  ];
}
