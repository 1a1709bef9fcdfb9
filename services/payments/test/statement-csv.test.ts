/**
 * `GET /accounts/:id/statement.csv` through the platform CSV writer: payments whose purpose and
 * reference are hostile come back, parsed by a real CSV parser, as the same text neutralised
 * against spreadsheet formulas, amounts as signed integers.
 */
import { parse } from 'csv-parse/sync';
import {
  API,
  bearer,
  business,
  newKey,
  startPayments,
  type Business,
  type PaymentsHarness,
} from './harness.ts';

/** What the writer promises (OWASP): a leading ' before = + - @ tab CR. */
const neutral = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

let h: PaymentsHarness;
let b: Business;
beforeAll(async () => {
  h = await startPayments();
  b = await business(h);
}, 90000);
afterAll(() => h.close());

const HOSTILE: Array<[purpose: string, reference: string]> = [
  ["=cmd|' /C calc'!A0", 'x'],
  ['+1', 'y'],
  ['@SUM(1)', 'z'],
  ['\t=1', 'tab'],
  ['\r=1', 'cr'],
  ['-2+3', 'minus'],
  ['quotes', 'say "hi", then go'],
  ['lines', 'one\ntwo\r\nthree'],
];

it('writes hostile descriptions neutralised and exactly recoverable, amounts as integers', async () => {
  for (const [purpose, reference] of HOSTILE) {
    const paid = await h.agent
      .post(`${API}/payments`)
      .set(bearer(b.owner))
      .set('Idempotency-Key', newKey('csv'))
      .send({ amount: 100, currency: 'CLP', method: 'card', payerId: b.client.id, purpose, reference });
    expect([purpose, paid.status]).toEqual([purpose, 201]);
  }
  const wallet = (
    (await h.agent.get(`${API}/accounts`).set(bearer(b.owner))).body.data as Array<{
      id: string;
      kind: string;
      ownerId: string | null;
      balance: string;
    }>
  ).find((a) => a.kind === 'provider_clearing')!;
  const res = await h.agent.get(`${API}/accounts/${wallet.id}/statement.csv?limit=1000`).set(bearer(b.owner));
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  const [header, ...records] = parse(res.text);
  expect(header).toEqual([
    'posting_id',
    'entry_id',
    'created_at',
    'kind',
    'description',
    'payment_id',
    'amount',
    'currency',
  ]);
  const json = (await h.agent.get(`${API}/accounts/${wallet.id}/statement?limit=1000`).set(bearer(b.owner)))
    .body.data as Array<{ description: string; amount: string; createdAt: string; postingId: string }>;
  expect(records.length).toBe(json.length);
  // The same lines as the JSON statement, text cells neutralised (a leading ' before = + - @ tab CR).
  expect(records.map((r) => [r[0], r[2], r[4], r[6]])).toEqual(
    json.map((l) => [l.postingId, l.createdAt, neutral(l.description), l.amount]),
  );
  const descriptions = records.map((r) => r[4]);
  for (const [purpose, reference] of HOSTILE)
    expect(descriptions).toContain(neutral(`${purpose} ${reference}`));
  expect(descriptions).toContain("'=cmd|' /C calc'!A0 x");
  expect(descriptions).toContain('lines one\ntwo\r\nthree');
  for (const r of records) expect(r[4]).not.toMatch(/^[=+\-@\t\r]/);
  // Amounts stay numbers (provider clearing is an asset: negative, never prefixed) and add up to the balance.
  for (const r of records) expect(r[6]).toMatch(/^-?\d+$/);
  expect(records.filter((r) => r[6] === '-100')).toHaveLength(HOSTILE.length);
  expect(records.reduce((s, r) => s + BigInt(r[6]!), 0n).toString()).toBe(wallet.balance);
}, 60000);
