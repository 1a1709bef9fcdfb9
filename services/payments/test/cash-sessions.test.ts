/**
 * Cash drawers and cash sessions (issue 14: cash reaches a wallet only through an open drawer;
 * issue 17 and gym reception use the same sessions), as a cashier and a manager of one branch.
 * Real payments and identity over HTTP, real PostgreSQL (the ledger's invariants are its triggers).
 */
import { addBranch, addUser, roleId } from '../../identity/test/harness.ts';
import {
  API,
  bearer,
  business,
  newKey,
  openDrawer,
  startPayments,
  type Business,
  type PaymentsHarness,
} from './harness.ts';

let h: PaymentsHarness;
let b: Business;
let cashier: string;
let manager: string;
let otherBranch: string;

beforeAll(async () => {
  h = await startPayments();
  b = await business(h);
  otherBranch = await addBranch(h.identity, b.biz, 'Norte', 'America/Santiago');
  const at = async (role: string, branchId = b.branchId) =>
    (await addUser(h.identity, b.biz, [{ roleId: await roleId(h.identity, b.biz, role), branchId }])).token;
  cashier = await at('cashier');
  manager = await at('manager');
}, 90000);
afterAll(() => h.close());

const post = (token: string, path: string, body: unknown) =>
  h.agent
    .post(`${API}${path}`)
    .set(bearer(token))
    .set('Idempotency-Key', newKey('cash'))
    .send(body as object);
const get = (token: string, path: string) => h.agent.get(`${API}${path}`).set(bearer(token));
const code = (res: { status: number; body: { errors?: Array<{ code: string }> } }) => [
  res.status,
  res.body.errors?.[0]?.code,
];
const drawerBalance = async (drawerId: string) => {
  const accounts = (await get(b.owner, '/accounts')).body.data as Array<{
    kind: string;
    ownerId: string;
    branchId: string | null;
    balance: string;
  }>;
  return accounts.find((a) => a.kind === 'cash_drawer' && a.ownerId === drawerId);
};
const newDrawer = async (name: string) => {
  const res = await post(manager, '/drawers', { branchId: b.branchId, name });
  expect(res.status).toBe(201);
  return res.body.data.id as string;
};
const sale = (token: string, body: Record<string, unknown>) =>
  post(token, '/payments', {
    amount: 1000,
    currency: 'CLP',
    payerId: b.client.id,
    purpose: 'sale',
    reference: 'ticket',
    branchId: b.branchId,
    ...body,
  });

describe('cash sessions', () => {
  it('opens, takes cash/card/transfer, moves cash in and out, and closes with exact expected amounts per method', async () => {
    const drawerId = await newDrawer('Caja 2');
    const opened = await post(cashier, `/drawers/${drawerId}/sessions`, {
      openingFloat: 10000,
      currency: 'CLP',
    });
    expect(opened.status).toBe(201);
    const sessionId = opened.body.data.id as string;
    // Blind count: the cashier never sees what the drawer should hold.
    expect(opened.body.data).not.toHaveProperty('expected');

    const cash = await sale(cashier, { method: 'cash', amount: 2500, drawerId });
    expect(cash.status).toBe(201);
    expect(cash.body.data).toMatchObject({ drawerId, cashSessionId: sessionId, branchId: b.branchId });
    expect((await sale(cashier, { method: 'card', amount: 4000, drawerId })).status).toBe(201);
    expect((await sale(cashier, { method: 'transfer', amount: 700, drawerId })).status).toBe(201);
    // A card at the counter that names no drawer is not the session's.
    expect((await sale(cashier, { method: 'card', amount: 99 })).body.data.cashSessionId).toBeNull();
    const refunded = await post(b.owner, `/payments/${cash.body.data.id}/refunds`, {
      amount: 500,
      reason: 'change',
    });
    expect(refunded.status).toBe(200);
    expect(
      (
        await post(cashier, `/cash-sessions/${sessionId}/movements`, {
          type: 'cash_in',
          amount: 3000,
          reason: 'coins',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await post(cashier, `/cash-sessions/${sessionId}/movements`, {
          type: 'cash_out',
          amount: 1000,
          reason: 'bank',
        })
      ).status,
    ).toBe(201);

    // The manager sees the expected amounts while it is open; the cashier does not.
    const managerView = (await get(manager, `/cash-sessions/${sessionId}`)).body.data;
    // cash = float 10000 + 2500 − 500 refund + 3000 in − 1000 out
    expect(managerView.expected).toEqual({ cash: '14000', card: '4000', transfer: '700' });
    const cashierView = (await get(cashier, `/cash-sessions/${sessionId}`)).body.data;
    expect(cashierView).not.toHaveProperty('expected');
    expect(cashierView).not.toHaveProperty('difference');
    const listed = (await get(cashier, `/cash-sessions?drawerId=${drawerId}`)).body.data;
    expect(listed.map((s: { id: string }) => s.id)).toEqual([sessionId]);
    expect(listed[0]).not.toHaveProperty('expected');
    expect((await drawerBalance(drawerId))?.balance).toBe('-14000');

    // Exact count: closed at once (the default threshold is 0).
    const closed = await post(cashier, `/cash-sessions/${sessionId}/close`, {
      counted: { cash: 14000, card: 4000, transfer: 700 },
    });
    expect(closed.status).toBe(200);
    expect(closed.body.data).toMatchObject({
      status: 'closed',
      counted: { cash: '14000', card: '4000', transfer: '700' },
    });
    expect(closed.body.data).not.toHaveProperty('difference');
    expect((await get(manager, `/cash-sessions/${sessionId}`)).body.data.difference).toEqual({
      cash: '0',
      card: '0',
      transfer: '0',
    });
    // Closed for good: no more cash, no second close, and a cash payment needs a new session.
    expect(code(await post(cashier, `/cash-sessions/${sessionId}/close`, { counted: { cash: 1 } }))).toEqual([
      409,
      'SESSION_CLOSED',
    ]);
    expect(
      code(
        await post(cashier, `/cash-sessions/${sessionId}/movements`, {
          type: 'cash_in',
          amount: 1,
          reason: 'x',
        }),
      ),
    ).toEqual([409, 'SESSION_CLOSED']);
    expect(code(await sale(cashier, { method: 'cash', drawerId }))).toEqual([422, 'DRAWER_NOT_OPEN']);
    expect((await drawerBalance(drawerId))?.balance).toBe('-14000');
  });

  it('a count beyond the threshold waits for a manager, posts the difference so the drawer holds what was counted, and never reopens', async () => {
    const drawerId = await newDrawer('Caja 3');
    const sessionId = (
      await post(cashier, `/drawers/${drawerId}/sessions`, { openingFloat: 5000, currency: 'CLP' })
    ).body.data.id as string;
    expect((await sale(cashier, { method: 'cash', amount: 2000, drawerId })).status).toBe(201);
    expect((await sale(cashier, { method: 'card', amount: 1500, drawerId })).status).toBe(201);
    // 300 short in cash, 100 over on card.
    const closed = await post(cashier, `/cash-sessions/${sessionId}/close`, {
      counted: { cash: 6700, card: 1600 },
    });
    expect(closed.body.data.status).toBe('pending_approval');
    const seen = (await get(manager, `/cash-sessions/${sessionId}`)).body.data;
    expect(seen).toMatchObject({
      expected: { cash: '7000', card: '1500' },
      counted: { cash: '6700', card: '1600' },
      difference: { cash: '-300', card: '100' },
    });
    expect((await drawerBalance(drawerId))?.balance).toBe('-6700');
    // Only an approver approves, with a note; then it is closed and stays closed.
    expect((await post(cashier, `/cash-sessions/${sessionId}/approve`, { note: 'ok' })).status).toBe(403);
    expect((await post(manager, `/cash-sessions/${sessionId}/approve`, {})).status).toBe(400);
    const approved = await post(manager, `/cash-sessions/${sessionId}/approve`, { note: 'counted twice' });
    expect(approved.body.data).toMatchObject({ status: 'closed', approvalNote: 'counted twice' });
    expect(code(await post(manager, `/cash-sessions/${sessionId}/approve`, { note: 'again' }))).toEqual([
      409,
      'SESSION_CLOSED',
    ]);
    expect(
      code(await post(cashier, `/cash-sessions/${sessionId}/close`, { counted: { cash: 6700 } })),
    ).toEqual([409, 'SESSION_CLOSED']);
    // The next session starts from its own float: the drawer is brought to it from the safe.
    const next = await post(cashier, `/drawers/${drawerId}/sessions`, {
      openingFloat: 5000,
      currency: 'CLP',
    });
    expect(next.status).toBe(201);
    expect((await drawerBalance(drawerId))?.balance).toBe('-5000');
    const accounts = (await get(b.owner, '/accounts')).body.data as Array<{ kind: string; balance: string }>;
    expect(accounts.find((a) => a.kind === 'cash_over_short')?.balance).toBeDefined();
  });

  it('within the tenant threshold a difference closes at once', async () => {
    expect(
      (await h.agent.put(`${API}/cash-settings`).set(bearer(b.owner)).send({ approvalThreshold: 100 }))
        .status,
    ).toBe(200);
    const drawerId = await newDrawer('Caja 4');
    const sessionId = (
      await post(cashier, `/drawers/${drawerId}/sessions`, { openingFloat: 1000, currency: 'CLP' })
    ).body.data.id as string;
    const closed = await post(cashier, `/cash-sessions/${sessionId}/close`, { counted: { cash: 950 } });
    expect(closed.body.data.status).toBe('closed');
    expect((await drawerBalance(drawerId))?.balance).toBe('-950');
    expect((await get(b.owner, '/cash-settings')).body.data).toEqual({ approvalThreshold: '100' });
    await h.agent.put(`${API}/cash-settings`).set(bearer(b.owner)).send({ approvalThreshold: 0 });
  });

  it('one open session per drawer, also when two open at once (one 201, one 409)', async () => {
    const drawerId = await newDrawer('Caja 5');
    const results = await Promise.all(
      [0, 1].map(() =>
        post(cashier, `/drawers/${drawerId}/sessions`, { openingFloat: 100, currency: 'CLP' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.errors[0].code).toBe('SESSION_ALREADY_OPEN');
    expect((await get(manager, `/cash-sessions?drawerId=${drawerId}&status=open`)).body.data).toHaveLength(1);
    // The float moved once.
    expect((await drawerBalance(drawerId))?.balance).toBe('-100');
  });

  it('concurrent cash into one open drawer waits for the session lock: every deposit and sale lands', async () => {
    // The session row is locked FOR UPDATE (not SKIP LOCKED: that answered DRAWER_NOT_OPEN to whoever came second).
    const before = BigInt((await drawerBalance(b.drawerId))!.balance);
    const results = await Promise.all([
      ...[0, 1, 2, 3].map(() =>
        post(cashier, `/wallets/${b.client.id}/deposits`, {
          amount: 7,
          currency: 'CLP',
          drawerId: b.drawerId,
          branchId: b.branchId,
        }),
      ),
      ...[0, 1, 2, 3].map(() => sale(cashier, { method: 'cash', drawerId: b.drawerId, amount: 11 })),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(BigInt((await drawerBalance(b.drawerId))!.balance) - before).toBe(-(4n * 7n + 4n * 11n));
  });

  it('cash without a drawer, or into a drawer with no open session, is refused; so is a cash deposit', async () => {
    expect(code(await sale(cashier, { method: 'cash' }))).toEqual([422, 'DRAWER_REQUIRED']);
    const drawerId = await newDrawer('Caja 6');
    expect(code(await sale(cashier, { method: 'cash', drawerId }))).toEqual([422, 'DRAWER_NOT_OPEN']);
    expect(
      code(
        await post(cashier, `/wallets/${b.client.id}/deposits`, {
          amount: 5,
          currency: 'CLP',
          drawerId,
          branchId: b.branchId,
        }),
      ),
    ).toEqual([422, 'DRAWER_NOT_OPEN']);
    // A deactivated drawer opens no session.
    expect(
      (await h.agent.patch(`${API}/drawers/${drawerId}`).set(bearer(manager)).send({ active: false })).body
        .data,
    ).toMatchObject({ active: false, name: 'Caja 6' });
    expect(
      code(await post(cashier, `/drawers/${drawerId}/sessions`, { openingFloat: 0, currency: 'CLP' })),
    ).toEqual([422, 'DRAWER_INACTIVE']);
    // The branch named must be the drawer's.
    expect(
      code(await sale(b.owner, { method: 'cash', drawerId: b.drawerId, branchId: otherBranch })),
    ).toEqual([422, 'DRAWER_BRANCH_MISMATCH']);
    // A cash deposit into the open drawer tops the wallet up, in the drawer's branch.
    const deposited = await post(cashier, `/wallets/${b.client.id}/deposits`, {
      amount: 5,
      currency: 'CLP',
      drawerId: b.drawerId,
      branchId: b.branchId,
    });
    expect(deposited.body.data).toMatchObject({ method: 'cash', branchId: b.branchId, drawerId: b.drawerId });
  });

  it("a grant in one branch cannot see or use another branch's drawer; another business's is not found", async () => {
    const { drawerId: northDrawer, sessionId: northSession } = await openDrawer(h, b.owner, otherBranch, {
      name: 'Norte 1',
    });
    expect(code(await sale(cashier, { method: 'cash', drawerId: northDrawer, branchId: undefined }))).toEqual(
      [403, 'FORBIDDEN'],
    );
    const drawers = (await get(cashier, '/drawers?limit=100')).body.data.map((d: { id: string }) => d.id);
    expect(drawers).toContain(b.drawerId);
    expect(drawers).not.toContain(northDrawer);
    expect((await get(cashier, `/cash-sessions/${northSession}`)).status).toBe(404);
    expect(
      (await post(manager, `/drawers/${northDrawer}/sessions`, { openingFloat: 0, currency: 'CLP' })).status,
    ).toBe(404);
    expect((await post(manager, '/drawers', { branchId: otherBranch, name: 'x' })).status).toBe(403);
    const stranger = await business(h);
    expect((await get(stranger.owner, `/cash-sessions/${northSession}`)).status).toBe(404);
    expect(
      code(
        await h.agent.patch(`${API}/drawers/${b.drawerId}`).set(bearer(stranger.owner)).send({ name: 'y' }),
      ),
    ).toEqual([404, 'NOT_FOUND']);
    expect(
      code(
        await post(stranger.owner, '/payments', {
          amount: 10,
          currency: 'CLP',
          method: 'cash',
          payerId: stranger.client.id,
          purpose: 'sale',
          reference: 'x',
          drawerId: b.drawerId,
        }),
      ),
    ).toEqual([404, 'NOT_FOUND']);
  });
});
