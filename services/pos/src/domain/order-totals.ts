/**
 * The arithmetic of an order's money, in `bigint` minor units (no floats anywhere):
 *
 * - a line's **gross** is `unitPrice × quantity` (unit price: the branch's price + the variant's
 *   delta + the chosen modifiers' deltas);
 * - its **discount** is its own (`percent`: gross × bp / 10000, rounded; `amount`: at most the
 *   gross) plus its part of the order's discount;
 * - the **order's discount** (`percent` of the lines' net after their own discounts, rounded, or an
 *   `amount` up to that net) is spread over the item lines in proportion to that net, by largest
 *   remainder (ties to the earlier line), so the parts add up to it exactly;
 * - the line's **tax** is computed on its net (gross − discount) **per line**, at its rate in basis
 *   points: tax-inclusive prices hold `net × rate / (10000 + rate)`, exclusive ones add
 *   `net × rate / 10000`; the line's **total** is the net (inclusive) or net + tax (exclusive);
 * - every division rounds **half away from zero** (amounts are never negative, so: half up);
 * - the order's subtotal, discount and tax are the sums of its lines'; its **total** is the sum of
 *   the lines' totals **plus the tip** (what the customer pays).
 *
 * Share lines (an even part of a split bill) carry fixed amounts: gross = total = their unit price,
 * tax as split, no discount.
 */
import type { DiscountKind, LineKind } from './order-entities.ts';

/** `n / d` rounded half away from zero (d > 0). */
export function roundDiv(n: bigint, d: bigint): bigint {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = (2n * a + d) / (2n * d);
  return neg ? -q : q;
}

/** Splits `amount` into parts proportional to `weights` (all >= 0) that add up to it exactly (largest remainder, ties to the first). */
export function allocate(amount: bigint, weights: bigint[]): bigint[] {
  const sum = weights.reduce((a, b) => a + b, 0n);
  if (!weights.length) return [];
  if (sum === 0n) return evenly(amount, weights.length);
  const parts = weights.map((w) => (amount * w) / sum);
  const rests = weights.map((w, i) => ({ i, rest: (amount * w) % sum }));
  let left = amount - parts.reduce((a, b) => a + b, 0n);
  rests.sort((a, b) => (a.rest === b.rest ? a.i - b.i : a.rest > b.rest ? -1 : 1));
  for (const r of rests) {
    if (left <= 0n) break;
    parts[r.i]! += 1n;
    left -= 1n;
  }
  return parts;
}

/** `amount` in `n` parts differing by at most one cent, the larger parts first: 1000 / 3 = 334, 333, 333. */
export function evenly(amount: bigint, n: number): bigint[] {
  const N = BigInt(n);
  const base = amount / N;
  const extra = Number(amount % N);
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1n : 0n));
}

export interface Discount {
  kind: DiscountKind;
  value: bigint;
}

/** What a discount takes off `base` (percent in basis points, rounded; an amount up to the base). */
export function discountOf(d: Discount | null, base: bigint): bigint {
  if (!d) return 0n;
  if (d.kind === 'percent') return roundDiv(base * d.value, 10_000n);
  return d.value < base ? d.value : base;
}

export interface LineMoneyIn {
  kind: LineKind;
  quantity: number;
  unitPrice: bigint;
  taxRateBp: number;
  taxInclusive: boolean;
  discount: Discount | null;
  /** Share lines only: the tax they carry. */
  fixedTax: bigint;
}
export interface LineMoney {
  gross: bigint;
  discount: bigint;
  tax: bigint;
  total: bigint;
}
export interface OrderMoney {
  lines: LineMoney[];
  subtotal: bigint;
  discount: bigint;
  tax: bigint;
  tip: bigint;
  total: bigint;
  /** The order-level discount's amount (already inside `discount`). */
  orderDiscount: bigint;
}

/** The money of an order from its lines, its own discount and its tip (see the file's comment). */
export function computeOrder(lines: LineMoneyIn[], orderDiscount: Discount | null, tip: bigint): OrderMoney {
  const own = lines.map((l) => {
    const gross = l.unitPrice * BigInt(l.quantity);
    return { gross, own: l.kind === 'item' ? discountOf(l.discount, gross) : 0n };
  });
  const nets = own.map((o, i) => (lines[i]!.kind === 'item' ? o.gross - o.own : 0n));
  const orderAmount = discountOf(
    orderDiscount,
    nets.reduce((a, b) => a + b, 0n),
  );
  const shares = allocate(orderAmount, nets);
  const out = lines.map((l, i): LineMoney => {
    const { gross } = own[i]!;
    if (l.kind === 'share') return { gross, discount: 0n, tax: l.fixedTax, total: gross };
    const discount = own[i]!.own + shares[i]!;
    const net = gross - discount;
    const rate = BigInt(l.taxRateBp);
    const tax = l.taxInclusive ? roundDiv(net * rate, 10_000n + rate) : roundDiv(net * rate, 10_000n);
    return { gross, discount, tax, total: l.taxInclusive ? net : net + tax };
  });
  const sum = (f: (m: LineMoney) => bigint) => out.reduce((a, m) => a + f(m), 0n);
  return {
    lines: out,
    subtotal: sum((m) => m.gross),
    discount: sum((m) => m.discount),
    tax: sum((m) => m.tax),
    tip,
    total: sum((m) => m.total) + tip,
    orderDiscount: orderAmount,
  };
}
