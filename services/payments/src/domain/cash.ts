import { LockMode } from '@mikro-orm/core';
/**
 * Cash drawers and cash sessions. A drawer (per branch, named) is its own `cash_drawer` account.
 * A session is a shift on it: opened with a float, cash in/out with a reason, payments taken in it,
 * closed with a blind count. Ledger postings (assets negative, so a drawer holding 100 has balance -100):
 * - open: the drawer is brought to the float from/to the business's `cash_safe`;
 * - cash in / cash out: drawer ↔ `cash_safe`;
 * - payments and refunds: as every payment (drawer ↔ revenue, wallet…), recorded as movements;
 * - close: the cash difference (counted − expected) drawer ↔ `cash_over_short`, so the drawer's
 *   balance is the counted cash.
 * Every entry balances; the expected amounts per method are the session's movements summed.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, isErrnoException, notFound } from '@faena/platform';
import { uuidv7 } from 'uuidv7';
import {
  CashMovement,
  CashSession,
  CashSettings,
  Drawer,
  PAYMENT_METHODS,
  type PerMethod,
} from './entities.ts';
import { ensureAccount, postEntry } from './ledger.ts';

type Method = (typeof PAYMENT_METHODS)[number];

/** The ledger account of a drawer in `currency` (created on first use, knowing its branch). */
export const drawerAccount = (
  em: EntityManager,
  d: { tenantId: string; id: string; branchId?: string | null },
  currency: string,
) => ensureAccount(em, d.tenantId, 'cash_drawer', d.id, currency, d.branchId ?? null);

export async function createDrawer(em: EntityManager, tenantId: string, branchId: string, name: string) {
  const drawer = em.create(Drawer, { tenantId, branchId, name, active: true });
  await em.flush();
  return drawer;
}

/** The business's cash rules (defaults when never set). */
export async function cashSettings(
  em: EntityManager,
  tenantId: string,
): Promise<{ approvalThreshold: bigint }> {
  const s = await em.findOne(CashSettings, { tenantId });
  return { approvalThreshold: s?.approvalThreshold ?? DEFAULT_APPROVAL_THRESHOLD };
}

/** By default any difference waits for a manager: cash is counted to the unit. */
export const DEFAULT_APPROVAL_THRESHOLD = 0n;

export async function setCashSettings(em: EntityManager, tenantId: string, approvalThreshold: bigint) {
  await em.execute(
    `insert into payments.cash_settings (id, tenant_id, approval_threshold, created_at, updated_at)
     values (?, ?, ?, now(), now())
     on conflict (tenant_id) do update set approval_threshold = excluded.approval_threshold, updated_at = now()`,
    [uuidv7(), tenantId, approvalThreshold.toString()],
  );
  return { approvalThreshold };
}

const isUniqueViolation = (err: unknown, constraint: string) =>
  isErrnoException(err) && err.code === '23505' && err.message.includes(constraint);

/**
 * Opens a session on an active drawer. The partial unique index `cash_sessions_one_open` makes a
 * concurrent second open wait for the first and then fail: 409 SESSION_ALREADY_OPEN.
 */
export async function openSession(
  em: EntityManager,
  drawer: Drawer,
  opts: { openingFloat: bigint; currency: string; userId: string },
): Promise<CashSession> {
  if (!drawer.active) throw new DomainError('DRAWER_INACTIVE', 'This drawer is deactivated');
  try {
    return await em.transactional(async (tx) => {
      const session = tx.create(CashSession, {
        tenantId: drawer.tenantId,
        drawerId: drawer.id,
        branchId: drawer.branchId ?? null,
        currency: opts.currency,
        status: 'open',
        openingFloat: opts.openingFloat,
        openedBy: opts.userId,
        openedAt: new Date(),
      });
      await tx.flush();
      // The drawer now holds the float: what it held before (its balance) is topped up from, or
      // the excess returned to, the safe.
      const account = await drawerAccount(tx, drawer, opts.currency);
      const rows = await tx.execute<Array<{ balance: string }>>(
        `select balance::text as balance from payments.accounts where id = ? for update`,
        [account],
      );
      const held = -BigInt(rows[0]!.balance);
      const delta = opts.openingFloat - held;
      if (delta !== 0n)
        await postEntry(tx, {
          tenantId: drawer.tenantId,
          key: `cash-session:${session.id}:float`,
          kind: 'cash_float',
          currency: opts.currency,
          description: `float of ${drawer.name}`,
          postings: [
            { accountId: account, amount: -delta },
            {
              accountId: await ensureAccount(tx, drawer.tenantId, 'cash_safe', null, opts.currency),
              amount: delta,
            },
          ],
        });
      if (opts.openingFloat > 0n)
        tx.create(CashMovement, {
          tenantId: drawer.tenantId,
          sessionId: session.id,
          kind: 'float',
          method: 'cash',
          amount: opts.openingFloat,
          createdBy: opts.userId,
        });
      await tx.flush();
      return session;
    });
  } catch (err) {
    if (isUniqueViolation(err, 'cash_sessions_one_open'))
      throw new DomainError(
        'SESSION_ALREADY_OPEN',
        'This drawer already has an open session: close it first',
      );
    throw err;
  }
}

/** The open session of a drawer, locked for the transaction; 422 DRAWER_NOT_OPEN when there is none. */
export async function lockOpenSession(em: EntityManager, drawerId: string | null): Promise<CashSession> {
  const session = drawerId
    ? await em.findOne(CashSession, { drawerId, status: 'open' }, { lockMode: LockMode.PESSIMISTIC_WRITE })
    : null;
  if (!session)
    throw new DomainError('DRAWER_NOT_OPEN', 'This drawer has no open cash session: open one first', {
      field: 'body.drawerId',
    });
  return session;
}

/** Records what a payment or refund adds to (or takes from) its session's expected amounts. */
export function recordMovement(
  em: EntityManager,
  m: {
    tenantId: string;
    sessionId: string;
    kind: CashMovement['kind'];
    method: Method;
    amount: bigint;
    paymentId?: string | null;
    reason?: string | null;
  },
) {
  em.create(CashMovement, { ...m, paymentId: m.paymentId ?? null, reason: m.reason ?? null });
}

const assertOpen = (s: CashSession) => {
  if (s.status !== 'open')
    throw new DomainError(
      'SESSION_CLOSED',
      `This session is ${s.status.replace('_', ' ')}: it takes no more cash`,
    );
};

/** Cash put into (`cash_in`) or taken out of (`cash_out`) the drawer, against the safe, once per key. */
export async function moveCash(
  em: EntityManager,
  sessionId: string,
  opts: { type: 'cash_in' | 'cash_out'; amount: bigint; reason: string; key: string; userId: string },
): Promise<CashSession> {
  return em.transactional(async (tx) => {
    const s = await tx.findOneOrFail(
      CashSession,
      { id: sessionId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    assertOpen(s);
    const drawer = await tx.findOneOrFail(Drawer, { id: s.drawerId });
    const signed = opts.type === 'cash_in' ? opts.amount : -opts.amount;
    const done = await postEntry(tx, {
      tenantId: s.tenantId,
      key: opts.key,
      kind: opts.type,
      currency: s.currency,
      description: `${opts.type.replace('_', ' ')} ${drawer.name}: ${opts.reason}`,
      postings: [
        { accountId: await drawerAccount(tx, drawer, s.currency), amount: -signed },
        { accountId: await ensureAccount(tx, s.tenantId, 'cash_safe', null, s.currency), amount: signed },
      ],
    });
    if (done)
      recordMovement(tx, {
        tenantId: s.tenantId,
        sessionId: s.id,
        kind: opts.type,
        method: 'cash',
        amount: signed,
        reason: opts.reason,
      });
    await tx.flush();
    return s;
  });
}

/** What the drawer should hold per method now: the session's movements summed (cash: float + cash payments − cash refunds + in − out). */
export async function expectedOf(em: EntityManager, sessionId: string): Promise<PerMethod> {
  const rows = await em.execute<Array<{ method: Method; total: string }>>(
    `select method, sum(amount)::text as total from payments.cash_movements where session_id = ? group by method`,
    [sessionId],
  );
  const out: PerMethod = { cash: '0' };
  for (const r of rows) out[r.method] = r.total;
  return out;
}

/**
 * Closes a session with a blind count (counted per method; a method not counted is 0). The
 * difference per method is recorded; the cash difference is posted (drawer ↔ cash_over_short) so
 * the drawer's balance is the counted cash. A difference beyond the business's threshold in any
 * method leaves it `pending_approval`, else it is `closed`.
 */
export async function closeSession(
  em: EntityManager,
  sessionId: string,
  opts: { counted: PerMethod; userId: string },
): Promise<CashSession> {
  return em.transactional(async (tx) => {
    const s = await tx.findOneOrFail(
      CashSession,
      { id: sessionId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    assertOpen(s);
    const expected = await expectedOf(tx, s.id);
    const methods = PAYMENT_METHODS.filter((m) => expected[m] !== undefined || opts.counted[m] !== undefined);
    const counted: PerMethod = {};
    const difference: PerMethod = {};
    for (const m of methods) {
      counted[m] = opts.counted[m] ?? '0';
      difference[m] = (BigInt(counted[m]) - BigInt(expected[m] ?? '0')).toString();
    }
    const { approvalThreshold } = await cashSettings(tx, s.tenantId);
    const abs = (x: bigint) => (x < 0n ? -x : x);
    const beyond = methods.some((m) => abs(BigInt(difference[m]!)) > approvalThreshold);
    const cashDiff = BigInt(difference.cash ?? '0');
    if (cashDiff !== 0n) {
      const drawer = await tx.findOneOrFail(Drawer, { id: s.drawerId });
      await postEntry(tx, {
        tenantId: s.tenantId,
        key: `cash-session:${s.id}:over-short`,
        kind: 'cash_over_short',
        currency: s.currency,
        description: `count of ${drawer.name}: ${cashDiff > 0n ? 'over' : 'short'} by ${abs(cashDiff)}`,
        postings: [
          { accountId: await drawerAccount(tx, drawer, s.currency), amount: -cashDiff },
          {
            accountId: await ensureAccount(tx, s.tenantId, 'cash_over_short', null, s.currency),
            amount: cashDiff,
          },
        ],
      });
    }
    Object.assign(s, {
      expected,
      counted,
      difference,
      closedBy: opts.userId,
      closedAt: new Date(),
      status: beyond ? 'pending_approval' : 'closed',
    });
    await tx.flush();
    return s;
  });
}

/** A manager accepts a count beyond the threshold (with a note): the session is closed for good. */
export async function approveSession(
  em: EntityManager,
  sessionId: string,
  opts: { note: string; userId: string },
): Promise<CashSession> {
  return em.transactional(async (tx) => {
    const s = await tx.findOneOrFail(
      CashSession,
      { id: sessionId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (s.status !== 'pending_approval')
      throw new DomainError(
        s.status === 'closed' ? 'SESSION_CLOSED' : 'SESSION_NOT_PENDING',
        s.status === 'closed' ? 'This session is closed' : 'This session is still open: count it first',
      );
    Object.assign(s, {
      status: 'closed',
      approvedBy: opts.userId,
      approvedAt: new Date(),
      approvalNote: opts.note,
    });
    await tx.flush();
    return s;
  });
}

export async function findDrawer(em: EntityManager, id: string): Promise<Drawer> {
  const d = await em.findOne(Drawer, { id });
  if (!d) throw notFound('Drawer');
  return d;
}

export function presentDrawer(d: Drawer) {
  return {
    id: d.id,
    branchId: d.branchId ?? null,
    name: d.name,
    active: d.active,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/**
 * A session as the caller may see it. Blind count: the expected amounts and the differences are
 * shown only with `withExpected` (a manager: `cash_sessions.approve` in its branch); the counter sees
 * the float, what it counted and the status, never what the drawer should hold.
 */
export function presentSession(s: CashSession, withExpected: boolean, expectedNow?: PerMethod) {
  return {
    id: s.id,
    drawerId: s.drawerId,
    branchId: s.branchId ?? null,
    currency: s.currency,
    status: s.status,
    openingFloat: s.openingFloat.toString(),
    openedBy: s.openedBy,
    openedAt: s.openedAt,
    closedBy: s.closedBy ?? null,
    closedAt: s.closedAt ?? null,
    counted: s.counted ?? null,
    approvedBy: s.approvedBy ?? null,
    approvedAt: s.approvedAt ?? null,
    approvalNote: s.approvalNote ?? null,
    ...(withExpected && { expected: s.expected ?? expectedNow ?? null, difference: s.difference ?? null }),
  };
}
