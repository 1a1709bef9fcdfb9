/**
 * Gym store sales as a chaos process, through the public HTTP APIs only: a gym business with one
 * product of which there are fewer units than buyers (the last units are fought over), members who
 * log in (the `client` role), each buying one unit at the desk — from their wallet (a deposit made
 * before the faults, the payer code they show) or in cash into the branch's open drawer — at a
 * seeded moment, all while workers die and Temporal/PostgreSQL restart. A sale answered 5xx is
 * retried with the same Idempotency-Key (the settle phase retries one still `pending_payment`).
 *
 * The check reads the gym's and payments' tables: per sale, one row per key, a paid sale captured
 * once in payments and a failed one never (0 lost, 0 duplicated); for the product, stock never
 * negative, the units gone equal to the units paid for, the kardex adding up to the stock, and its
 * low-stock crossing alerted once with its process started (the run's ledger check is global).
 */
import { sleep } from '../http.ts';
import {
  CURRENCY,
  GYM,
  PAYMENTS,
  clientRoleId,
  invitedUser,
  must,
  openDrawer,
  signUpGym,
  type User,
} from '../gym.ts';
import type { Case, ChaosProcess, Expectation, RunContext, Verdict } from '../process.ts';
import { temporalProbe } from '../temporal.ts';
import { lowStockWorkflowId } from '../../../workflows/src/stock/contract.ts';

export type StoreScenario = 'wallet' | 'cash';

const PRICE = 1500;
/** Buyers beyond the units: that many sales must be refused OUT_OF_STOCK. */
const SHORT_BY = 2;
/** The product's low-stock threshold: the sale that leaves this many crosses it. */
const THRESHOLD = 1;

interface SaleCase {
  buyer?: User;
  memberId?: string;
  payerCode?: string;
  saleId?: string;
  status?: string;
  outOfStock?: boolean;
}
interface World {
  owner: User;
  tenantId: string;
  branchId: string;
  drawerId: string;
  productId: string;
  units: number;
}

const data = (c: Case) => c.data as SaleCase;
const EXPECTED: Expectation = { states: ['paid', 'out of stock'] };

export function storeProcess(): ChaosProcess<StoreScenario> {
  let world: World | undefined;
  const note = (ctx: RunContext, c: Case, step: string, result: string) =>
    c.steps.push({ at: Math.round(ctx.clock() * 10) / 10, step, result });
  const key = (ctx: RunContext, c: Case) => `chaos-${ctx.runId}-${c.id}-sale`;

  /** The sale's request (the same body and key every time: a retry is the same sale). */
  const post = (ctx: RunContext, c: Case) => {
    const r = data(c);
    const w = world!;
    return must(
      ctx,
      ctx.urls.gym,
      'POST',
      `${GYM}/store/sales`,
      {
        token: w.owner.token,
        idempotencyKey: key(ctx, c),
        body: {
          branchId: w.branchId,
          memberId: r.memberId,
          lines: [{ productId: w.productId, quantity: 1 }],
          ...(c.scenario === 'cash'
            ? { method: 'cash', drawerId: w.drawerId }
            : { method: 'wallet', payerCode: r.payerCode }),
        },
      },
      [200, 201, 409],
    );
  };
  const take = (
    c: Case,
    a: { status: number; body: { data?: Record<string, unknown>; error?: { code?: string } } },
  ) => {
    const r = data(c);
    if (a.status === 409) {
      // The same request is still held by an instance that died: asked again in a moment.
      if (a.body.error?.code === 'IDEMPOTENCY_REQUEST_IN_PROGRESS') return null;
      if (a.body.error?.code !== 'OUT_OF_STOCK') throw new Error(`409 ${a.body.error?.code ?? ''}`);
      r.outOfStock = true;
      return 'out of stock';
    }
    r.saleId = a.body.data!.id as string;
    r.status = a.body.data!.status as string;
    return `${r.saleId} ${r.status}`;
  };

  return {
    name: 'store',
    // A handful on top of the deals: enough buyers for the last units to be fought over.
    cases: (deals) => Math.min(6, Math.max(4, Math.round(deals / 5))),
    scenarios: { wallet: 1, cash: 1 },

    async prepare(ctx, cases) {
      const { slug, owner, tenantId, branchId } = await signUpGym(ctx, 'store', {
        name: 'Chaos Tienda',
        address: 'Av. Caos 5',
      });
      const token = owner.token;
      const drawerId = await openDrawer(ctx, token, branchId, 'Caja tienda');
      const product = await must(
        ctx,
        ctx.urls.gym,
        'POST',
        `${GYM}/store/products`,
        {
          token,
          body: {
            sku: `CHAOS-${ctx.runId}`,
            name: 'Bebida isotónica',
            category: 'bebidas',
            price: PRICE,
            currency: CURRENCY,
            lowStockThreshold: THRESHOLD,
          },
        },
        [201],
      );
      const productId = product.body.data.id as string;
      const units = Math.max(1, cases.length - SHORT_BY);
      await must(
        ctx,
        ctx.urls.gym,
        'POST',
        `${GYM}/store/products/${productId}/movements`,
        { token, body: { branchId, quantity: units, reason: 'received' } },
        [201],
      );
      world = { owner, tenantId, branchId, drawerId, productId, units };
      const roleId = await clientRoleId(ctx, token);
      // Invitations and members are not idempotent: made before any fault. Deposits one at a time
      // (a drawer's open session is taken with SKIP LOCKED).
      for (const c of cases) {
        const r = data(c);
        const email = `buyer-${c.id}-${ctx.runId}@chaos.example`;
        r.buyer = await invitedUser(ctx, { slug, token, roleId }, email, `Comprador ${c.id}`);
        const m = await must(
          ctx,
          ctx.urls.gym,
          'POST',
          `${GYM}/members`,
          { token, body: { branchId, firstName: 'Comprador', lastName: c.id, userId: r.buyer.id } },
          [201],
        );
        r.memberId = m.body.data.id as string;
        if (c.scenario === 'wallet') {
          await must(
            ctx,
            ctx.urls.payments,
            'POST',
            `${PAYMENTS}/wallets/${r.buyer.id}/deposits`,
            {
              token,
              idempotencyKey: `chaos-${ctx.runId}-${c.id}-deposit`,
              body: { amount: PRICE, currency: CURRENCY, drawerId },
            },
            [201],
          );
          const code = await must(
            ctx,
            ctx.urls.payments,
            'POST',
            `${PAYMENTS}/wallets/me/payer-codes`,
            { token: r.buyer.token, body: {} },
            [201],
          );
          r.payerCode = code.body.data.code as string;
        }
      }
    },

    plan() {},

    async drive(ctx, c) {
      try {
        // Seeded moments close together, so the sales of the last units race each other among the faults.
        await sleep(c.rng.int(3000, 30000), ctx.signal);
        for (;;) {
          const result = take(c, await post(ctx, c));
          if (result) {
            note(ctx, c, 'sale', result);
            break;
          }
          note(ctx, c, 'sale', 'in progress elsewhere: again');
          if (Date.now() >= ctx.deadline) throw new Error('the sale stayed in progress until the deadline');
          await sleep(1500, ctx.signal);
        }
      } catch (err) {
        c.driverError = (err as Error).message;
        note(ctx, c, 'sale', c.driverError);
      }
    },

    expected: () => EXPECTED,

    async settled(ctx, c) {
      const r = data(c);
      if (c.driverError || r.outOfStock) return true;
      if (!r.saleId || Date.now() >= ctx.deadline) return true;
      if (r.status === 'pending_payment') {
        // Payments was unreachable: the retry of the same request settles it (never a second charge).
        const a = await post(ctx, c).catch(() => null);
        if (a) take(c, a);
      }
      if (r.status === 'pending_payment') return false;
      // Its crossing (if it made one) has its alert's process started (by the API or the sweeper).
      const db = await ctx.db();
      try {
        const open = await db.query<{ n: number }>(
          `select count(*)::int as n from gym.low_stock_alerts where tenant_id = $1 and product_id = $2
             and process_started_at is null`,
          [world!.tenantId, world!.productId],
        );
        return (open.rows[0]?.n ?? 0) === 0;
      } finally {
        await db.end().catch(() => undefined);
      }
    },

    async check(ctx, cases): Promise<Verdict[]> {
      const w = world!;
      const db = await ctx.db();
      const verdicts: Verdict[] = [];
      try {
        let paidUnits = 0;
        for (const c of cases) {
          const r = data(c);
          const v: Verdict = {
            caseId: c.id,
            scenario: c.scenario,
            expected: EXPECTED,
            final: null,
            lost: [],
            duplicated: [],
            notes: c.driverError ? [`driver: ${c.driverError}`] : [],
          };
          verdicts.push(v);
          // Each buyer buys once: every sale of their member is this case's (the key is stored scoped).
          const sales = await db.query<{ id: string; status: string; method: string }>(
            `select id, status, payment_method as method from gym.sales where tenant_id = $1 and member_id = $2`,
            [w.tenantId, r.memberId],
          );
          if (sales.rows.length > 1) v.duplicated.push(`${sales.rows.length} sales for one Idempotency-Key`);
          const sale = sales.rows[0];
          if (!sale) {
            v.final = r.outOfStock ? 'out of stock' : null;
            if (!r.outOfStock) v.lost.push(`never became a sale (${c.driverError ?? 'no row'})`);
            continue;
          }
          v.final = sale.status;
          if (r.outOfStock) v.notes.push(`answered OUT_OF_STOCK, yet a sale ${sale.status} exists`);
          if (sale.method !== c.scenario) v.notes.push(`paid by ${sale.method}, driven as ${c.scenario}`);
          if (sale.status === 'pending_payment') v.lost.push('the sale is still pending its payment');
          const charges = await db.query<{ status: string; n: number }>(
            `select status, count(*)::int as n from payments.payments where purpose = 'gym_store_sale'
               and reference = $1 group by status`,
            [`sale:${sale.id}`],
          );
          const captured = charges.rows.find((p) => p.status === 'captured')?.n ?? 0;
          const all = charges.rows.reduce((n, p) => n + p.n, 0);
          if (all > 1)
            v.duplicated.push(
              `${all} payments for one sale (${charges.rows.map((p) => p.status).join(', ')})`,
            );
          if (sale.status === 'paid') {
            paidUnits++;
            if (captured === 0) v.lost.push('paid, but no captured payment in payments');
          } else if (captured > 0) v.duplicated.push(`a ${sale.status} sale has a captured payment`);
          if (sale.status === 'failed') v.notes.push('the payment was refused: its unit went back');
        }

        // The product, over every case (reported on the first case's verdict).
        const first = verdicts[0];
        if (first) {
          const stock = await db.query<{ quantity: number }>(
            `select quantity from gym.stock_levels where tenant_id = $1 and product_id = $2 and branch_id = $3`,
            [w.tenantId, w.productId, w.branchId],
          );
          const left = stock.rows[0]?.quantity ?? 0;
          if (left < 0) first.lost.push(`stock is negative: ${left}`);
          const gone = w.units - left;
          if (gone > paidUnits) first.lost.push(`${gone} units left the stock, ${paidUnits} were paid for`);
          if (gone < paidUnits) first.duplicated.push(`${paidUnits} units paid for, ${gone} left the stock`);
          if (paidUnits > w.units) first.duplicated.push(`${paidUnits} units sold of ${w.units}`);
          const kardex = await db.query<{ total: number; negative: number }>(
            `select coalesce(sum(quantity), 0)::int as total, count(*) filter (where balance_after < 0)::int as negative
               from gym.stock_movements where tenant_id = $1 and product_id = $2 and branch_id = $3`,
            [w.tenantId, w.productId, w.branchId],
          );
          const k = kardex.rows[0]!;
          if (k.total !== left) first.lost.push(`the kardex adds up to ${k.total}, the stock is ${left}`);
          if (k.negative) first.lost.push(`${k.negative} kardex lines left a negative balance`);
          // Low stock: each crossing of the threshold alerted once, its process started (or settled).
          const crossings = await db.query<{ n: number }>(
            `select count(*)::int as n from gym.stock_movements where tenant_id = $1 and product_id = $2
               and branch_id = $3 and quantity < 0 and balance_after <= $4 and balance_after - quantity > $4`,
            [w.tenantId, w.productId, w.branchId, THRESHOLD],
          );
          const alerts = await db.query<{ id: string; started: boolean }>(
            `select id, process_started_at is not null as started from gym.low_stock_alerts
               where tenant_id = $1 and product_id = $2`,
            [w.tenantId, w.productId],
          );
          const crossed = crossings.rows[0]?.n ?? 0;
          if (alerts.rows.length > crossed)
            first.duplicated.push(`${alerts.rows.length} low-stock alerts for ${crossed} crossing(s)`);
          if (alerts.rows.length < crossed)
            first.lost.push(`${crossed} low-stock crossing(s), ${alerts.rows.length} alert(s)`);
          const probe = temporalProbe();
          try {
            for (const a of alerts.rows) {
              if (!a.started) {
                first.lost.push(`low-stock alert ${a.id} never started its process`);
                continue;
              }
              const status = await probe
                .describe(lowStockWorkflowId(w.tenantId, a.id))
                .then((d) => d.status)
                .catch(() => 'not found (settled: its units came back)');
              first.notes.push(`low-stock alert ${a.id}: process ${status.toLowerCase()}`);
              if (status === 'FAILED' || status === 'TERMINATED' || status === 'TIMED_OUT')
                first.lost.push(`low-stock alert ${a.id}: its process is ${status}`);
            }
          } finally {
            await probe.close().catch(() => undefined);
          }
          first.notes.push(`${paidUnits} of ${w.units} units sold, ${left} left`);
        }
      } finally {
        await db.end().catch(() => undefined);
      }
      return verdicts;
    },
  };
}
