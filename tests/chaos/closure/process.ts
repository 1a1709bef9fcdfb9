/**
 * The nightly cash closure as a chaos process, through the public HTTP APIs only: a restaurant
 * with one branch per case, each in its own IANA zone, each with a cash drawer whose session took a
 * cash sale of the POS before the faults. When the drive begins every branch's closing time is set
 * (`PUT /branches/:id/closure-settings`) to the same coming minute on its own wall clock, so all
 * the branches' Schedules fire at one instant within the run — and the run's plan gets a Temporal
 * restart pinned half a second before it (ChaosProcess.faults): the firing happens while Temporal
 * is down and is taken by the schedule's catch-up when it is back. Scenarios:
 *
 *   counted         the session counted exactly: the closure ends `closed`;
 *   short           counted 100 short (threshold 0): `awaiting_approval`, the driver approves it
 *                   through the API (`approved`);
 *   open            the session left open: `closed`, flagged `needsCount` in the report;
 *   after-midnight  `closesNextDay`: the firing closes the previous local date (none of the sales).
 *
 * The check, per branch: exactly one `cash_closures` row (the business date `calendar.ts` says the
 * firing closes), in the expected state, its report stored with the branch's sale(s) of that date;
 * on the chaos Temporal server exactly one `cashClosure` execution for the branch and date
 * (completed); the report mailed once per reader (notifications rows `…/report/<user>`, sent), and
 * maildev holding no more of those mails than the rows say were sent.
 */
import { DateTime } from 'luxon';
import { PORTS, url } from '../config.ts';
import { CURRENCY, PAYMENTS, must, type User } from '../gym.ts';
import { sleep } from '../http.ts';
import { POS, menuOf, openOrder, sendOrder, signUpRestaurant } from '../pos.ts';
import type { PlannedFault } from '../faults.ts';
import type { Case, ChaosProcess, Expectation, RunContext, Verdict } from '../process.ts';
import { temporalProbe } from '../temporal.ts';
import { latestDueDate, type ClosureClock } from '../../../services/pos/src/closure/calendar.ts';
import {
  cashClosureScheduleId,
  cashClosureWorkflowId,
} from '../../../workflows/src/cash-closure/contract.ts';

export type ClosureScenario = 'counted' | 'short' | 'open' | 'after-midnight';

const ZONES: Record<ClosureScenario, string> = {
  counted: 'America/Santiago',
  short: 'Asia/Kolkata',
  open: 'Pacific/Chatham',
  'after-midnight': 'America/Bogota',
};
const FINAL: Record<ClosureScenario, string> = {
  counted: 'closed',
  short: 'approved',
  open: 'closed',
  'after-midnight': 'closed',
};
const SHORT_BY = 100;
/** The firing is the first whole minute at least this far into the drive (the PUTs come first). */
const FIRING_LEAD_S = 20;

interface BranchCase {
  branchId?: string;
  drawerId?: string;
  sessionId?: string;
  orderId?: string;
  total?: string;
  paidAt?: number;
  closingTime?: string;
  businessDate?: string;
  closureId?: string;
  state?: string;
}
interface World {
  owner: User & { email: string };
  tenantId: string;
  /** Epoch ms of the firing (a whole minute). */
  firingAt?: number;
}

const data = (c: Case) => c.data as BranchCase;
const expectation = (c: Case): Expectation => ({
  states: [FINAL[c.scenario as ClosureScenario]],
  ...(data(c).businessDate && { values: { businessDate: data(c).businessDate! } }),
});
const clockOf = (c: Case, closingTime: string): ClosureClock => ({
  timeZone: ZONES[c.scenario as ClosureScenario],
  closingTime,
  closesNextDay: c.scenario === 'after-midnight',
});

export function closureProcess(): ChaosProcess<ClosureScenario> {
  let world: World | undefined;
  const note = (ctx: RunContext, c: Case, step: string, result: string) =>
    c.steps.push({ at: Math.round(ctx.clock() * 10) / 10, step, result });

  /** The branch's closure as the API shows it (undefined: none yet or no answer). */
  async function closure(ctx: RunContext, c: Case): Promise<{ id: string; state: string } | undefined> {
    const a = await must(
      ctx,
      ctx.urls.pos,
      'GET',
      `${POS}/closures?branchId=${data(c).branchId}`,
      { token: world!.owner.token },
      [200],
    ).catch(() => null);
    const list = (a?.body.data ?? []) as Array<{ id: string; state: string; businessDate: string }>;
    const mine = list.find((x) => x.businessDate === data(c).businessDate) ?? list[0];
    if (mine) Object.assign(data(c), { closureId: mine.id, state: mine.state });
    return mine;
  }

  /** A closure waiting for its manager is approved through the API (a retry that finds it approved is done). */
  async function approve(ctx: RunContext, c: Case): Promise<void> {
    const r = data(c);
    const a = await must(
      ctx,
      ctx.urls.pos,
      'POST',
      `${POS}/closures/${r.closureId}/approve`,
      { token: world!.owner.token, body: { note: 'Diferencia revisada (caos)' } },
      [200, 409],
    );
    r.state = a.status === 200 ? (a.body.data.state as string) : r.state;
    note(ctx, c, 'approve', a.status === 200 ? String(a.body.data.state) : `409 ${a.body.error?.code ?? ''}`);
  }

  return {
    name: 'closure',
    // One branch per scenario, on top of the deals.
    cases: () => 4,
    scenarios: { counted: 1, short: 1, open: 1, 'after-midnight': 1 },

    plan() {},

    async prepare(ctx, cases) {
      const names = cases.map((c) => `Sucursal ${c.id}`);
      const r0 = await signUpRestaurant(
        ctx,
        'closure',
        cases.map((c, i) => ({ name: names[i]!, timeZone: ZONES[c.scenario] })),
      );
      world = { owner: r0.owner, tenantId: r0.tenantId };
      const token = r0.owner.token;
      const menu = await menuOf(ctx, token, 'Cafés', [{ name: 'Cortado', price: 2500 }], r0.branches);
      const cortado = menu.products.Cortado!;
      for (const [i, c] of cases.entries()) {
        const r = data(c);
        const branchId = r0.branches[i]!;
        r.branchId = branchId;
        await must(
          ctx,
          ctx.urls.pos,
          'POST',
          `${POS}/stations`,
          { token, body: { branchId, name: 'Cocina', kind: 'screen', isDefault: true } },
          [201],
        );
        const drawer = await must(
          ctx,
          ctx.urls.payments,
          'POST',
          `${PAYMENTS}/drawers`,
          { token, body: { branchId, name: `Caja ${c.id}` } },
          [201],
        );
        r.drawerId = drawer.body.data.id as string;
        const session = await must(
          ctx,
          ctx.urls.payments,
          'POST',
          `${PAYMENTS}/drawers/${r.drawerId}/sessions`,
          { token, body: { openingFloat: 0, currency: CURRENCY } },
          [201],
        );
        r.sessionId = session.body.data.id as string;
        const order = await openOrder(ctx, token, branchId, [{ productId: cortado, quantity: 2 }]);
        r.orderId = order.id;
        r.total = order.total;
        await sendOrder(ctx, token, order.id);
        await must(
          ctx,
          ctx.urls.pos,
          'POST',
          `${POS}/orders/${order.id}/payments`,
          {
            token,
            idempotencyKey: `chaos-${ctx.runId}-${c.id}-pay`,
            body: { tenders: [{ method: 'cash', amount: order.total, drawerId: r.drawerId }] },
          },
          [201],
        );
        r.paidAt = Date.now();
        if (c.scenario !== 'open') {
          const counted = Number(order.total) - (c.scenario === 'short' ? SHORT_BY : 0);
          await must(
            ctx,
            ctx.urls.payments,
            'POST',
            `${PAYMENTS}/cash-sessions/${r.sessionId}/close`,
            { token, body: { counted: { cash: counted } } },
            [200, 201],
          );
        }
      }
    },

    faults(ctx) {
      if (!world) return [];
      // The first whole minute far enough ahead for the settings to be saved before it.
      const at = Math.ceil((Date.now() + FIRING_LEAD_S * 1000) / 60000) * 60000;
      world.firingAt = at;
      const fault: PlannedFault = {
        at: Math.round(((at - Date.now()) / 1000 - 0.5 + ctx.clock()) * 10) / 10,
        kind: 'restart-temporal',
        pinned: 'closure schedules firing',
      };
      ctx.log(`closure: every branch closes at ${new Date(at).toISOString()} (drive ${fault.at + 0.5} s)`);
      return [fault];
    },

    async drive(ctx, c) {
      const r = data(c);
      const w = world!;
      try {
        const firingAt = w.firingAt ?? Math.ceil((Date.now() + FIRING_LEAD_S * 1000) / 60000) * 60000;
        const zone = ZONES[c.scenario];
        r.closingTime = DateTime.fromMillis(firingAt, { zone }).toFormat('HH:mm');
        r.businessDate = latestDueDate(new Date(firingAt), clockOf(c, r.closingTime));
        const a = await must(
          ctx,
          ctx.urls.pos,
          'PUT',
          `${POS}/branches/${r.branchId}/closure-settings`,
          {
            token: w.owner.token,
            body: { closingTime: r.closingTime, closesNextDay: c.scenario === 'after-midnight' },
          },
          [200],
        );
        note(ctx, c, 'closure-settings', `${r.closingTime} ${zone} (${a.body.data.closingTime ?? ''})`);
        const wait = firingAt - Date.now();
        if (wait > 0) await sleep(wait, ctx.signal);
        // The closure of the date appears once Temporal is back and its schedule has caught up.
        while (Date.now() < ctx.deadline && !ctx.signal.aborted) {
          const found = await closure(ctx, c);
          if (found && found.state !== 'reporting') {
            note(ctx, c, 'closure', `${found.state} (${r.businessDate})`);
            if (found.state === 'awaiting_approval') await approve(ctx, c);
            if (r.state !== 'awaiting_approval') break;
          }
          await sleep(1000, ctx.signal);
        }
      } catch (err) {
        c.driverError = (err as Error).message;
        note(ctx, c, 'drive', c.driverError);
      }
    },

    expected: expectation,

    async settled(ctx, c) {
      const r = data(c);
      if (c.driverError || Date.now() >= ctx.deadline) return true;
      const found = await closure(ctx, c);
      if (!found) return false;
      if (found.state === 'awaiting_approval') await approve(ctx, c).catch(() => undefined);
      if (r.state !== 'closed' && r.state !== 'approved' && r.state !== 'not_configured') return false;
      // Its report mailed to every reader (notifications' rows), not only stored.
      const db = await ctx.db();
      try {
        const mails = await db.query<{ status: string }>(
          `select status from notifications.notifications where tenant_id = $1 and channel = 'email'
             and key like $2`,
          [
            world!.tenantId,
            `${cashClosureWorkflowId(world!.tenantId, r.branchId!, r.businessDate!)}/report/%`,
          ],
        );
        return mails.rows.length > 0 && mails.rows.every((m) => m.status === 'sent');
      } finally {
        await db.end().catch(() => undefined);
      }
    },

    async check(ctx, cases): Promise<Verdict[]> {
      const w = world!;
      const verdicts: Verdict[] = [];
      const probe = temporalProbe();
      const db = await ctx.db();
      /** Report mails sent per business date (rows), against what maildev received. */
      const sentByDate = new Map<string, number>();
      try {
        for (const c of cases) {
          const r = data(c);
          const v: Verdict = {
            caseId: c.id,
            scenario: c.scenario,
            expected: expectation(c),
            final: null,
            lost: [],
            duplicated: [],
            notes: c.driverError ? [`driver: ${c.driverError}`] : [],
          };
          verdicts.push(v);
          if (!r.businessDate) {
            v.lost.push(`the closing time was never set (${c.driverError ?? 'no drive'})`);
            continue;
          }
          const rows = await db.query<{
            id: string;
            business_date: string;
            state: string;
            workflow_id: string;
            reported_at: Date | null;
            report: {
              sales?: { totals?: { orders?: number; sales?: string } };
              sessions?: Array<{
                id: string;
                needsCount?: boolean;
                difference?: Record<string, string> | null;
              }>;
              needsApproval?: boolean;
              sessionsNeedingCount?: number;
            } | null;
          }>(
            `select id, business_date, state, workflow_id, reported_at, report from pos.cash_closures
              where tenant_id = $1 and branch_id = $2 order by business_date`,
            [w.tenantId, r.branchId],
          );
          const mine = rows.rows.filter((x) => x.business_date === r.businessDate);
          const others = rows.rows.filter((x) => x.business_date !== r.businessDate);
          if (mine.length > 1) v.duplicated.push(`${mine.length} closures of ${r.businessDate}`);
          if (others.length)
            v.notes.push(
              `closures of other dates too: ${others.map((x) => `${x.business_date} ${x.state}`).join(', ')}`,
            );
          const row = mine[0];
          if (!row) {
            v.lost.push(
              `no closure of ${r.businessDate} (firing at ${new Date(w.firingAt ?? 0).toISOString()})`,
            );
            continue;
          }
          v.final = row.state;
          if (row.state !== FINAL[c.scenario])
            (row.state === 'reporting' || row.state === 'awaiting_approval' ? v.lost : v.notes).push(
              `closure ${row.state}, expected ${FINAL[c.scenario]}`,
            );
          if (!row.report || !row.reported_at) v.lost.push('the closure has no stored report');
          // The report lists the branch's sale when it is of the closed date (calendar day of the zone).
          const saleDate = DateTime.fromMillis(r.paidAt ?? 0, { zone: ZONES[c.scenario] }).toISODate();
          const want = saleDate === r.businessDate ? 1 : 0;
          const totals = row.report?.sales?.totals;
          if (row.report && (totals?.orders ?? -1) !== want)
            v.lost.push(`the report lists ${totals?.orders ?? '?'} orders, ${want} sold that date`);
          if (row.report && want && totals?.sales !== r.total)
            v.lost.push(`the report's sales are ${totals?.sales ?? '?'}, the sale was ${r.total}`);
          const session = row.report?.sessions?.find((s) => s.id === r.sessionId);
          if (want && row.report && !session) v.lost.push(`the report lacks session ${r.sessionId}`);
          if (c.scenario === 'open' && session && !session.needsCount)
            v.lost.push('the open session is not flagged needsCount');
          if (c.scenario === 'short' && session && session.difference?.cash !== `-${SHORT_BY}`)
            v.lost.push(`the short session's difference is ${JSON.stringify(session.difference)}`);
          // Temporal: one execution of the date's closure, completed.
          const id = cashClosureWorkflowId(w.tenantId, r.branchId!, r.businessDate);
          if (row.workflow_id !== id) v.notes.push(`the row names workflow ${row.workflow_id}`);
          const runs = await probe
            .list(`WorkflowId = '${id}'`)
            .catch((err: unknown) => (err as Error).message);
          if (typeof runs === 'string') v.notes.push(`Temporal not listed: ${runs}`);
          else {
            if (runs.length > 1) v.duplicated.push(`${runs.length} executions of ${id}`);
            if (!runs.length) v.lost.push(`no execution of ${id} on Temporal`);
            for (const x of runs)
              if (x.status !== 'COMPLETED' && !(x.status === 'RUNNING' && row.state === 'awaiting_approval'))
                v.lost.push(`${id}: ${x.status}`);
          }
          const firings = await probe
            .list(`TemporalScheduledById = '${cashClosureScheduleId(w.tenantId, r.branchId!)}'`)
            .catch(() => null);
          if (firings)
            v.notes.push(`${firings.length} schedule firing(s): ${firings.map((x) => x.status).join(', ')}`);
          // The mails: one per reader and kind, sent; nothing but the report (no reminder: minutes, not hours).
          const mails = await db.query<{ key: string; status: string; attempts: number }>(
            `select key, status, attempts from notifications.notifications where tenant_id = $1 and channel = 'email'
               and key like $2 order by key`,
            [w.tenantId, `${id}/%`],
          );
          const reports = mails.rows.filter((m) => m.key.startsWith(`${id}/report/`));
          if (!reports.length) v.lost.push('the report was mailed to nobody');
          for (const m of reports) if (m.status !== 'sent') v.lost.push(`report mail ${m.key}: ${m.status}`);
          const keys = new Set(mails.rows.map((m) => m.key));
          if (keys.size !== mails.rows.length) v.duplicated.push('two notification rows for one mail key');
          const extra = mails.rows.filter((m) => !m.key.startsWith(`${id}/report/`));
          if (extra.length)
            v.notes.push(`other mails: ${extra.map((m) => m.key.slice(id.length + 1)).join(', ')}`);
          sentByDate.set(
            r.businessDate,
            (sentByDate.get(r.businessDate) ?? 0) + reports.filter((m) => m.status === 'sent').length,
          );
          v.notes.push(
            `closed ${r.businessDate} at ${r.closingTime} ${ZONES[c.scenario]}; ${reports.length} report mail(s); ${totals?.orders ?? '?'} order(s)`,
          );
        }
        // What reached the SMTP server: no report mail more often than notifications sent it.
        const first = verdicts[0];
        if (first) {
          const got = await fetch(`${url(PORTS.smtpWeb)}/api/email`, { signal: AbortSignal.timeout(5000) })
            .then(
              (x) =>
                x.json() as Promise<Array<{ attachments?: Array<{ fileName?: string; filename?: string }> }>>,
            )
            .catch((err: unknown) => (err as Error).message);
          if (!Array.isArray(got))
            first.notes.push(
              `maildev not read: ${typeof got === 'string' ? got : JSON.stringify(got).slice(0, 200)}`,
            );
          else
            for (const [date, sent] of sentByDate) {
              const n = got.filter((m) =>
                (m.attachments ?? []).some((a) => (a.fileName ?? a.filename) === `cash-closure-${date}.pdf`),
              ).length;
              if (n > sent) first.duplicated.push(`${n} report mails of ${date} received, ${sent} sent`);
              if (n < sent) first.lost.push(`${sent} report mails of ${date} sent, ${n} received`);
              first.notes.push(`maildev: ${n} report mail(s) of ${date}`);
            }
        }
      } finally {
        await db.end().catch(() => undefined);
        await probe.close().catch(() => undefined);
      }
      return verdicts;
    },
  };
}
