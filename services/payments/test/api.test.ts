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
import { addUser, roleId } from '../../identity/test/harness.ts';

let h: PaymentsHarness;
let b: Business;
beforeAll(async () => {
  h = await startPayments();
  b = await business(h);
}, 90000);
afterAll(() => h.close());

/** A one-time code the payer shows at the counter (POST /wallets/me/payer-codes). */
const codeOf = async (payerToken: string) =>
  (await h.agent.post(`${API}/wallets/me/payer-codes`).set(bearer(payerToken))).body.data.code as string;

/** A wallet payment staff take for `payer` (its payer code fetched unless the body names one). */
const walletPayment = async (
  token: string,
  key: string,
  body: Record<string, unknown> = {},
  payer: { id: string; token: string } = b.client,
) =>
  h.agent
    .post(`${API}/payments`)
    .set(bearer(token))
    .set('Idempotency-Key', key)
    .send({
      amount: 1,
      currency: 'CLP',
      method: 'wallet',
      payerId: payer.id,
      purpose: 'service',
      reference: 'ref-1',
      ...(token !== payer.token && { payerCode: await codeOf(payer.token) }),
      ...body,
    });

const walletBalance = async (userId: string, currency = 'CLP') => {
  const res = await h.agent.get(`${API}/accounts?ownerId=${userId}`).set(bearer(b.owner));
  return res.body.data.find(
    (a: { kind: string; currency: string }) => a.kind === 'customer_wallet' && a.currency === currency,
  )?.balance as string | undefined;
};

describe('wallet payments', () => {
  it('50 concurrent debits of 1 against a balance of 10: exactly 10 succeed and the balance ends at 0', async () => {
    // A fresh wallet, of a client of the business.
    const payer = await addUser(h.identity, b.biz, [{ roleId: await roleId(h.identity, b.biz, 'client') }]);
    await deposit(h, b, payer.id, 10);
    expect(await walletBalance(payer.id)).toBe('10');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        walletPayment(b.owner, newKey(`debit-${i}`), { reference: `debit-${i}` }, payer),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 422)).toHaveLength(40);
    expect(results.find((r) => r.status === 422)!.body.errors[0]).toMatchObject({
      code: 'INSUFFICIENT_BALANCE',
      field: 'amount',
    });
    expect(await walletBalance(payer.id)).toBe('0');
    // A failed debit leaves nothing behind: no payment row, no journal entry.
    const rows = await h.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ n: string }>>(
        `select count(*)::text as n from payments.payments where payer_id = ? and purpose = 'service'`,
        [payer.id],
      );
    expect(rows[0]!.n).toBe('10');
  }, 60000);

  it('refuses a payment above the balance with INSUFFICIENT_BALANCE', async () => {
    await deposit(h, b, b.client.id, 500);
    const res = await walletPayment(b.owner, newKey(), { amount: 1_000_000 });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].code).toBe('INSUFFICIENT_BALANCE');
  });
});

describe('Idempotency-Key on money-moving POSTs', () => {
  it('the same request twice, also concurrently, has one effect and identical answers; another body is 409', async () => {
    await deposit(h, b, b.client.id, 100);
    const before = BigInt((await walletBalance(b.client.id))!);
    const key = newKey('idem');
    // A retry is the same request: the same body, the same payer code.
    const payerCode = await codeOf(b.client.token);
    const [a, c] = await Promise.all([
      walletPayment(b.owner, key, { amount: 7, payerCode }),
      walletPayment(b.owner, key, { amount: 7, payerCode }),
    ]);
    const again = await walletPayment(b.owner, key, { amount: 7, payerCode });
    expect([a.status, c.status, again.status]).toEqual([201, 201, 201]);
    expect(c.body).toEqual(a.body);
    expect(again.body).toEqual(a.body);
    expect(BigInt((await walletBalance(b.client.id))!)).toBe(before - 7n);
    const other = await walletPayment(b.owner, key, { amount: 8, payerCode });
    expect(other.status).toBe(409);
    expect(other.body.errors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it("is the caller's and the route's: another user's key and body, or the key on another route, is another request", async () => {
    await deposit(h, b, b.client.id, 100);
    const colleague = await addUser(h.identity, b.biz, [
      { roleId: await roleId(h.identity, b.biz, 'admin') },
    ]);
    const key = newKey('shared');
    const mine = await walletPayment(b.owner, key, { amount: 5 });
    expect(mine.status).toBe(201);
    // Before: the colleague got the owner's payment back (201, Idempotent-Replayed: true).
    const theirs = await walletPayment(colleague.token, key, { amount: 5 });
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.data.id).not.toBe(mine.body.data.id);
    // Before: the same key on the deposits route answered the wallet payment.
    const deposited = await h.agent
      .post(`${API}/wallets/${b.client.id}/deposits`)
      .set(bearer(b.owner))
      .set('Idempotency-Key', key)
      .send({ amount: 5, currency: 'CLP', drawerId: b.drawerId });
    expect(deposited.status).toBe(201);
    expect(deposited.body.data).toMatchObject({ method: 'cash', purpose: 'wallet_topup' });
    expect(deposited.body.data.id).not.toBe(mine.body.data.id);
  });
});

describe('refunds', () => {
  it('refuses more than was captured (422) and a refund of a refunded payment (409); partial refunds add up', async () => {
    await deposit(h, b, b.client.id, 1000);
    const paid = await walletPayment(b.owner, newKey(), { amount: 300 });
    expect(paid.body.data.status).toBe('captured');
    const id = paid.body.data.id as string;
    const refund = (amount: number) =>
      h.agent
        .post(`${API}/payments/${id}/refunds`)
        .set(bearer(b.owner))
        .set('Idempotency-Key', newKey('refund'))
        .send({ amount, reason: 'customer request' });

    const tooMuch = await refund(301);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors[0]).toMatchObject({ code: 'REFUND_EXCEEDS_CAPTURED', field: 'amount' });
    const part = await refund(100);
    expect(part.body.data).toMatchObject({ status: 'partially_refunded', refundedAmount: '100' });
    expect((await refund(201)).status).toBe(422);
    const rest = await refund(200);
    expect(rest.body.data).toMatchObject({ status: 'refunded', refundedAmount: '300' });
    const again = await refund(1);
    expect(again.status).toBe(409);
    expect(again.body.errors[0].code).toBe('INVALID_STATE_TRANSITION');
  });
});

describe('partially_refunded in the API', () => {
  it('a partially refunded payment is listed by that status, and the OpenAPI document names it', async () => {
    await deposit(h, b, b.client.id, 400);
    const paid = await walletPayment(b.owner, newKey(), { amount: 400, reference: 'partial-list' });
    await h.agent
      .post(`${API}/payments/${paid.body.data.id}/refunds`)
      .set(bearer(b.owner))
      .set('Idempotency-Key', newKey('refund'))
      .send({ amount: 150, reason: 'one item missing' });
    const listed = await h.agent
      .get(`${API}/payments?status=partially_refunded&reference=partial-list`)
      .set(bearer(b.owner));
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ id: paid.body.data.id, status: 'partially_refunded', refundedAmount: '150' }),
    ]);
    const doc = (await h.agent.get('/openapi.json')).body;
    const one =
      doc.paths['/api/payments/v1/payments/{id}'].get.responses['200'].content['application/json'].schema
        .properties.data;
    expect(one.properties.status.enum).toEqual(expect.arrayContaining(['partially_refunded', 'refunded']));
    expect(one.properties.refundedAmount).toBeDefined();
  });

  it('says what each operation requires: its permission and the headers its middleware reads', async () => {
    const doc = (await h.agent.get('/openapi.json')).body;
    const create = doc.paths['/api/payments/v1/payments'].post;
    expect(create['x-permission']).toBe('payments.create');
    expect(create.description).toContain('`payments.create`');
    const header = (name: string) =>
      create.parameters.find((p: { in: string; name: string }) => p.in === 'header' && p.name === name);
    expect(header('Idempotency-Key')).toMatchObject({
      required: true,
      schema: { minLength: 8, maxLength: 255 },
    });
    expect(header('X-CSRF-Token')).toMatchObject({ required: false });
    // And the API does what the document says: without the header the request is refused.
    const refused = await h.agent
      .post(`${API}/payments`)
      .set(bearer(b.owner))
      .send({ amount: 100, currency: 'CLP', method: 'cash', purpose: 'sale', reference: 'doc check' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].field).toBe('headers.idempotency-key');
    // A file download is documented as the file, not as the JSON envelope.
    const csv = doc.paths['/api/payments/v1/accounts/{id}/statement.csv'].get.responses['200'].content;
    expect(Object.keys(csv)).toEqual(['text/csv']);
    // An operation open to any signed-in user names no permission.
    expect(doc.paths['/api/payments/v1/wallets/me'].get['x-permission']).toBeUndefined();
  });
});

describe('history, ledger and isolation', () => {
  it('filters the history; a client sees only their own payments; another tenant gets 404', async () => {
    await deposit(h, b, b.client.id, 50);
    const mine = await walletPayment(b.owner, newKey(), { amount: 5, reference: 'order-777' });
    const byRef = await h.agent.get(`${API}/payments?reference=order-777`).set(bearer(b.owner));
    expect(byRef.body.data.map((p: { id: string }) => p.id)).toEqual([mine.body.data.id]);
    const asClient = await h.agent.get(`${API}/payments?limit=100`).set(bearer(b.client.token));
    expect(asClient.status).toBe(200);
    expect(
      asClient.body.data.every(
        (p: { payerId: string; payeeId: string }) => p.payerId === b.client.id || p.payeeId === b.client.id,
      ),
    ).toBe(true);
    const proView = await h.agent.get(`${API}/payments/${mine.body.data.id}`).set(bearer(b.pro.token));
    expect(proView.status).toBe(404);

    const stranger = await business(h);
    expect(
      (await h.agent.get(`${API}/payments/${mine.body.data.id}`).set(bearer(stranger.owner))).status,
    ).toBe(404);
    const refund = await h.agent
      .post(`${API}/payments/${mine.body.data.id}/refunds`)
      .set(bearer(stranger.owner))
      .set('Idempotency-Key', newKey())
      .send({ amount: 1, reason: 'x' });
    expect(refund.status).toBe(404);
    const accounts = await h.agent.get(`${API}/accounts`).set(bearer(b.owner));
    const wallet = accounts.body.data.find(
      (a: { kind: string; ownerId: string }) => a.kind === 'customer_wallet' && a.ownerId === b.client.id,
    );
    expect(
      (await h.agent.get(`${API}/accounts/${wallet.id}/statement`).set(bearer(stranger.owner))).status,
    ).toBe(404);
  });

  it('serves an account statement, filterable by entry kind, and as CSV', async () => {
    const accounts = await h.agent.get(`${API}/accounts`).set(bearer(b.owner));
    const wallet = accounts.body.data.find(
      (a: { kind: string; ownerId: string }) => a.kind === 'customer_wallet' && a.ownerId === b.client.id,
    );
    const statement = await h.agent
      .get(`${API}/accounts/${wallet.id}/statement?limit=3`)
      .set(bearer(b.owner));
    expect(statement.status).toBe(200);
    expect(statement.body.data).toHaveLength(3);
    expect(statement.body.meta.balance).toBe(wallet.balance);
    // Timestamps are ISO 8601 in UTC, like everywhere else in the API (not PostgreSQL's text form).
    const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    for (const line of statement.body.data as Array<{ createdAt: string }>)
      expect(line.createdAt).toMatch(ISO);
    const next = await h.agent
      .get(`${API}/accounts/${wallet.id}/statement?limit=3&cursor=${statement.body.meta.nextCursor}`)
      .set(bearer(b.owner));
    expect(next.body.data[0].postingId < statement.body.data[2].postingId).toBe(true);
    const refunds = await h.agent
      .get(`${API}/accounts/${wallet.id}/statement?kind=refund&limit=100`)
      .set(bearer(b.owner));
    expect(refunds.body.data.length).toBeGreaterThan(0);
    expect(refunds.body.data.every((l: { kind: string }) => l.kind === 'refund')).toBe(true);
    const csv = await h.agent
      .get(`${API}/accounts/${wallet.id}/statement.csv?limit=1000`)
      .set(bearer(b.owner));
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('posting_id,entry_id,created_at,kind,description,payment_id,amount,currency');
    for (const l of lines.slice(1)) expect(l.split(',')[2]).toMatch(ISO);
    const total = lines.slice(1).reduce((s, l) => s + BigInt(l.split(',')[6]!), 0n);
    expect(total.toString()).toBe(wallet.balance);
  });

  it('validates input and needs permissions', async () => {
    const bad = await h.agent
      .post(`${API}/payments`)
      .set(bearer(b.owner))
      .set('Idempotency-Key', newKey())
      .send({ amount: 1.5, currency: 'pesos', method: 'barter' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining([
        'body.amount',
        'body.currency',
        'body.method',
        'body.payerId',
        'body.purpose',
        'body.reference',
      ]),
    );
    expect((await walletPayment(b.client.token, newKey())).status).toBe(403);
    expect((await h.agent.post(`${API}/payments`).send({})).status).toBe(401);
  });
});

describe('other methods', () => {
  it('records card and transfer payments taken outside as captured, through provider clearing', async () => {
    for (const method of ['card', 'transfer']) {
      const res = await h.agent
        .post(`${API}/payments`)
        .set(bearer(b.owner))
        .set('Idempotency-Key', newKey(method))
        .send({
          amount: 2500,
          currency: 'CLP',
          method,
          payerId: b.client.id,
          purpose: 'table-4',
          reference: `pos-${method}`,
        });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ method, status: 'captured', capturedAmount: '2500' });
    }
    const accounts = (await h.agent.get(`${API}/accounts`).set(bearer(b.owner))).body.data as Array<{
      kind: string;
      balance: string;
    }>;
    expect(BigInt(accounts.find((a) => a.kind === 'provider_clearing')!.balance)).toBeLessThanOrEqual(-5000n);
  });
});
