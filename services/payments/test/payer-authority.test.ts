/**
 * Who may move whose money (issue 14, item 1), as the staff who take payments: a cashier and a
 * receptionist of one branch, against a client's wallet. Each case failed before: a cashier
 * recorded a card "wallet top-up" (the client's wallet grew by 100000), a receptionist did it with
 * a transfer, and anyone with payments.create debited someone else's wallet.
 */
import { PAYER_CODES_PER_WINDOW } from '../src/domain/payer-authority.ts';
import { addBranch, addUser, roleId } from '../../identity/test/harness.ts';
import {
  API,
  bearer,
  business,
  deposit,
  newKey,
  startPayments,
  type Business,
  type PaymentsHarness,
} from './harness.ts';

let h: PaymentsHarness;
let b: Business;
let cashier: { id: string; token: string };
let receptionist: { id: string; token: string };
let otherBranch: string;

beforeAll(async () => {
  h = await startPayments();
  b = await business(h);
  otherBranch = await addBranch(h.identity, b.biz, 'Norte', 'America/Santiago');
  const at = async (role: string) =>
    addUser(h.identity, b.biz, [{ roleId: await roleId(h.identity, b.biz, role), branchId: b.branchId }]);
  cashier = await at('cashier');
  receptionist = await at('receptionist');
}, 90000);
afterAll(() => h.close());

const pay = (token: string, body: Record<string, unknown>) =>
  h.agent
    .post(`${API}/payments`)
    .set(bearer(token))
    .set('Idempotency-Key', newKey('authority'))
    .send({
      amount: 100000,
      currency: 'CLP',
      payerId: b.client.id,
      purpose: 'sale',
      reference: 'mesa 4',
      branchId: b.branchId,
      ...(body.method === 'cash' && { drawerId: b.drawerId }),
      ...body,
    });
const codeOf = async (token: string) =>
  (await h.agent.post(`${API}/wallets/me/payer-codes`).set(bearer(token))).body.data.code as string;
const wallet = async () => {
  const res = await h.agent.get(`${API}/wallets/me`).set(bearer(b.client.token));
  return (res.body.data as Array<{ kind: string; balance: string }>).find((a) => a.kind === 'customer_wallet')
    ?.balance;
};
const codeAndStatus = (res: { status: number; body: { errors?: Array<{ code: string }> } }) => [
  res.status,
  res.body.errors?.[0]?.code,
];

describe('payer authority', () => {
  it('a card or transfer taken outside Faena never tops up a wallet, and needs payments.record_external', async () => {
    await deposit(h, b, b.client.id, 10);
    const before = await wallet();
    expect(codeAndStatus(await pay(cashier.token, { method: 'card', purpose: 'wallet_topup' }))).toEqual([
      422,
      'PURPOSE_NOT_ALLOWED',
    ]);
    // The receptionist takes payments but records no external money.
    expect(
      codeAndStatus(await pay(receptionist.token, { method: 'transfer', purpose: 'wallet_topup' })),
    ).toEqual([403, 'FORBIDDEN']);
    expect(codeAndStatus(await pay(receptionist.token, { method: 'card' }))).toEqual([403, 'FORBIDDEN']);
    expect(await wallet()).toBe(before);
    // A cashier records a card sale in its branch, not in another.
    expect((await pay(cashier.token, { method: 'card' })).status).toBe(201);
    expect(codeAndStatus(await pay(cashier.token, { method: 'card', branchId: otherBranch }))).toEqual([
      403,
      'FORBIDDEN',
    ]);
  });

  it("someone else's wallet is debited only with the payer code they show, once", async () => {
    await deposit(h, b, b.client.id, 1000);
    const before = BigInt((await wallet())!);
    const debit = (payerCode?: string) => pay(cashier.token, { method: 'wallet', amount: 10, payerCode });
    expect(codeAndStatus(await debit())).toEqual([403, 'PAYER_AUTHORIZATION_REQUIRED']);
    expect(codeAndStatus(await debit('00000000'))).toEqual([403, 'PAYER_AUTHORIZATION_REQUIRED']);
    // Another user's code does not open the client's wallet.
    expect(codeAndStatus(await debit(await codeOf(b.pro.token)))).toEqual([
      403,
      'PAYER_AUTHORIZATION_REQUIRED',
    ]);
    expect(BigInt((await wallet())!)).toBe(before);

    const code = await codeOf(b.client.token);
    expect(code).toMatch(/^\d{8}$/);
    expect((await debit(code)).status).toBe(201);
    expect(BigInt((await wallet())!)).toBe(before - 10n);
    // Used up.
    expect(codeAndStatus(await debit(code))).toEqual([403, 'PAYER_AUTHORIZATION_REQUIRED']);
    expect(BigInt((await wallet())!)).toBe(before - 10n);
  });

  it("payer, payee and branch must be the business's own (422 UNKNOWN_REFERENCE, nothing recorded)", async () => {
    const stranger = await business(h); // another business: its client and branch
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ method: 'cash', payerId: '01900000-0000-7000-8000-00000000dead' }, 'body.payerId'],
      [{ method: 'cash', payerId: stranger.client.id }, 'body.payerId'],
      [{ method: 'card', payeeId: stranger.pro.id }, 'body.payeeId'],
      [{ method: 'card', branchId: '01900000-0000-7000-8000-00000000beef' }, 'body.branchId'],
    ];
    for (const [body, field] of cases) {
      const res = await pay(b.owner, body);
      expect([res.status, res.body.errors[0].code, res.body.errors[0].field]).toEqual([
        422,
        'UNKNOWN_REFERENCE',
        field,
      ]);
    }
    // A deposit into another business's drawer is not found; to another business's user, refused.
    const deposit = (userId: string, drawerId: string) =>
      h.agent
        .post(`${API}/wallets/${userId}/deposits`)
        .set(bearer(b.owner))
        .set('Idempotency-Key', newKey('deposit'))
        .send({ amount: 5, currency: 'CLP', drawerId });
    expect((await deposit(b.client.id, stranger.drawerId)).body.errors[0]).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await deposit(stranger.client.id, b.drawerId)).body.errors[0]).toMatchObject({
      code: 'UNKNOWN_REFERENCE',
      field: 'params.userId',
    });
    const drawers = await h.agent.get(`${API}/accounts`).set(bearer(b.owner));
    expect(
      (drawers.body.data as Array<{ kind: string; ownerId: string }>).filter(
        (a) => a.kind === 'cash_drawer' && a.ownerId === stranger.drawerId,
      ),
    ).toEqual([]);
  });

  it('money is in the currency the business charges in (422 CURRENCY_NOT_ACCEPTED)', async () => {
    // Before: any ISO currency was recorded (a CLP business took 100000 ARS at its drawer).
    for (const res of [
      await pay(cashier.token, { method: 'cash', currency: 'ARS' }),
      await h.agent
        .post(`${API}/wallets/${b.client.id}/deposits`)
        .set(bearer(cashier.token))
        .set('Idempotency-Key', newKey('deposit'))
        .send({ amount: 5, currency: 'USD', drawerId: b.drawerId, branchId: b.branchId }),
    ])
      expect([res.status, res.body.errors[0].code, res.body.errors[0].field]).toEqual([
        422,
        'CURRENCY_NOT_ACCEPTED',
        'body.currency',
      ]);
  });

  it('a user asks for a bounded number of payer codes (429 beyond, with Retry-After)', async () => {
    const someone = await addUser(h.identity, b.biz, [{ roleId: await roleId(h.identity, b.biz, 'client') }]);
    const ask = () => h.agent.post(`${API}/wallets/me/payer-codes`).set(bearer(someone.token));
    for (let i = 0; i < PAYER_CODES_PER_WINDOW; i++) expect((await ask()).status).toBe(201);
    const refused = await ask();
    expect([refused.status, refused.body.errors[0].code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another user's codes are their own.
    expect((await h.agent.post(`${API}/wallets/me/payer-codes`).set(bearer(b.pro.token))).status).toBe(201);
  });

  it("cash names the drawer that takes it (its branch is the payment's)", async () => {
    // (A request naming no branch acts for the whole business: the owner's.)
    expect(
      codeAndStatus(await pay(b.owner, { method: 'cash', branchId: undefined, drawerId: undefined })),
    ).toEqual([422, 'DRAWER_REQUIRED']);
    const taken = await pay(cashier.token, { method: 'cash' });
    expect(taken.status).toBe(201);
    expect(taken.body.data).toMatchObject({ method: 'cash', branchId: b.branchId, status: 'captured' });
  });
});
