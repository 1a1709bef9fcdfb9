/**
 * Amounts between Faena (integer minor units) and MercadoPago (JSON decimals) stay exact: the
 * adapter against the real sandbox over HTTP, in every currency the product serves, large amounts
 * included, and the sandbox refusing what a currency cannot hold.
 */
import request from 'supertest';
import { mercadoPagoProvider } from '../src/providers/mercadopago.ts';
import { toDecimal, toMinor } from '../src/providers/types.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/server.ts';

let sandbox: Sandbox;
let creds: { accessToken: string; webhookSecret: string };
beforeAll(async () => {
  sandbox = await startSandbox({ webhookDelayMs: 10 });
  creds = (await request(sandbox.url).post('/sandbox/accounts')).body;
});
afterAll(() => sandbox.close());

const raw = async (method: string, path: string, body: unknown) => {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${creds.accessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
};
const SERVED = ['ARS', 'BRL', 'CLP', 'COP', 'MXN', 'PEN', 'UYU', 'USD', 'JPY', 'KWD', 'BHD'];

describe('the MercadoPago adapter against the sandbox', () => {
  it.each(SERVED)(
    '%s: what is charged, read back and refunded is the same number of minor units',
    async (c) => {
      const provider = mercadoPagoProvider({ baseUrl: sandbox.url });
      for (const amount of [1n, 1999n, 100_001n, 999_999_999_999_999n]) {
        const created = await provider.createPayment(
          creds,
          {
            amount,
            currency: c,
            description: `exact ${c}`,
            externalReference: `ref-${c}-${amount}`,
            notificationUrl: 'http://127.0.0.1:9/never',
          },
          `key-${c}-${amount}`,
        );
        expect(created.amount).toBe(amount);
        expect((await provider.getPayment(creds, created.id)).amount).toBe(amount);
        const refund = await provider.refund(creds, created.id, amount, c, `refund-${c}-${amount}`);
        expect(refund.amount).toBe(amount);
      }
    },
  );

  it('sends transaction_amount as the JSON number written as the exact decimal', () => {
    expect(JSON.stringify({ transaction_amount: toDecimal(1999n, 'ARS') })).toBe(
      '{"transaction_amount":19.99}',
    );
    expect(JSON.stringify({ transaction_amount: toDecimal(435n, 'USD') })).toBe(
      '{"transaction_amount":4.35}',
    );
    expect(JSON.stringify({ transaction_amount: toDecimal(1005n, 'KWD') })).toBe(
      '{"transaction_amount":1.005}',
    );
    expect(JSON.stringify({ transaction_amount: toDecimal(BigInt(Number.MAX_SAFE_INTEGER), 'CLP') })).toBe(
      `{"transaction_amount":${Number.MAX_SAFE_INTEGER}}`,
    );
    // More digits than a double holds: refused, not rounded.
    expect(() => toDecimal(BigInt(Number.MAX_SAFE_INTEGER), 'USD')).toThrow(RangeError);
  });

  it('refuses an answer whose amount the currency cannot hold, never rounding it', () => {
    expect(toMinor(19.99, 'ARS')).toBe(1999n);
    expect(() => toMinor(19.999, 'ARS')).toThrow(/decimal places/);
    expect(() => toMinor(1.5, 'CLP')).toThrow(/decimal places/);
  });
});

describe('the sandbox parses amounts exactly', () => {
  it('refuses more decimals than the currency has, and what is not an amount', async () => {
    for (const [amount, currency] of [
      [19.999, 'ARS'],
      [1.5, 'CLP'],
      [0.0001, 'KWD'],
      ['12abc', 'ARS'],
      ['1e3', 'ARS'],
      [null, 'ARS'],
      [true, 'ARS'],
      [10, 'XAU'],
    ] as const) {
      const r = await raw('POST', '/v1/payments', { transaction_amount: amount, currency_id: currency });
      expect([amount, currency, r.status]).toEqual([amount, currency, 400]);
    }
  });

  it('takes decimal text and answers the JSON number of the same decimal', async () => {
    const r = await raw('POST', '/v1/payments', { transaction_amount: '1234567.891', currency_id: 'BHD' });
    expect(r.status).toBe(201);
    expect(r.text).toContain('"transaction_amount":1234567.891,');
  });

  it('refunds in exact minor units: ten refunds of 0.10 refund 1.00 exactly, one more is refused', async () => {
    const paid = JSON.parse(
      (await raw('POST', '/v1/payments', { transaction_amount: 1, currency_id: 'USD' })).text,
    ) as { id: number };
    for (let i = 0; i < 9; i++)
      expect((await raw('POST', `/v1/payments/${paid.id}/refunds`, { amount: 0.1 })).status).toBe(201);
    expect((await raw('POST', `/v1/payments/${paid.id}/refunds`, { amount: 0.001 })).status).toBe(400);
    const got = async () =>
      JSON.parse((await raw('GET', `/v1/payments/${paid.id}`, undefined)).text) as {
        status: string;
        transaction_amount_refunded: number;
      };
    expect(await got()).toMatchObject({ status: 'approved', transaction_amount_refunded: 0.9 });
    expect((await raw('POST', `/v1/payments/${paid.id}/refunds`, { amount: '0.10' })).status).toBe(201);
    expect(await got()).toMatchObject({ status: 'refunded', transaction_amount_refunded: 1 });
    expect((await raw('POST', `/v1/payments/${paid.id}/refunds`, { amount: 0.01 })).status).toBe(400);
  });
});
