/**
 * Kitchen printing as a chaos process, through the public HTTP APIs only: a restaurant's branch
 * with four printing stations whose printers are real TCP listeners the harness runs on loopback
 * (services/pos/test/support/tcp-printer.ts, what POS tests print to; the POS worker connects
 * through its SSRF guard, which lets loopback through only because the chaos env, from
 * `.env.example`, sets TENANT_URL_ALLOW_CIDRS=127.0.0.1/32):
 *
 *   Cocina   dies and returns: refuses connections for a seeded window (its breaker opens, the
 *            half-open probe prints the backlog);
 *   Barra    cuts connections mid-write for a while (bytes out, completion not recorded: the
 *            at-least-once boundary, so what follows carries the REIMPRESIÓN / REPRINT mark), later
 *            stalls (accepts, never answers its status) for a while, and returns;
 *   Postres  always up: its tickets print on time whatever the others do (one process per printer);
 *   Terraza  dead until its tickets have expired (2 minutes): they fall back (kitchen screen event
 *            + PDF mail), then it comes back and must print none of them.
 *
 * Each case is one order (its lines and their stations by scenario) made before the faults and
 * sent at a seeded moment while the run's faults kill pos-worker and workflows mid-send, restart
 * Temporal, crash PostgreSQL and flush Redis (a dead printer's orders are sent at the end of the
 * setup, so their 2-minute expiry ends within the run's bound; printing is set up first for that). The check, per ticket: printed (its bytes received,
 * cut, parsed back to its order number and its lines) or fallen back (`print_jobs.state`, the ticket
 * `failed`, the fallback mail's notification sent, the screen event when Redis still has it) —
 * anything else is lost; a second print without the reprint mark, or a print of a fallen-back
 * ticket without it, is duplicated.
 */
import { Redis } from 'ioredis';
import { PORTS } from '../config.ts';
import { must, type User } from '../gym.ts';
import { sleep } from '../http.ts';
import { POS, menuOf, openOrder, sendOrder, signUpRestaurant } from '../pos.ts';
import type { Case, ChaosProcess, RunContext, Verdict } from '../process.ts';
import { rng } from '../rng.ts';
import { temporalProbe } from '../temporal.ts';
import {
  parseEscPos,
  startTestPrinter,
  type PrinterMode,
  type TestPrinter,
} from '../../../services/pos/test/support/tcp-printer.ts';
import { printJobWorkflowId } from '../../../workflows/src/printing/contract.ts';

export type PrintingScenario = 'kitchen' | 'bar' | 'steady' | 'split' | 'fallback';
type StationKey = 'kitchen' | 'bar' | 'steady' | 'dead';

const STATIONS: Record<StationKey, { name: string; category: string; dish: string; price: number }> = {
  kitchen: { name: 'Cocina', category: 'Fondos', dish: 'Bife con ñoquis', price: 9900 },
  bar: { name: 'Barra', category: 'Bebidas', dish: 'Pisco sour', price: 4500 },
  steady: { name: 'Postres', category: 'Postres', dish: 'Leche asada', price: 3500 },
  dead: { name: 'Terraza', category: 'Parrilla', dish: 'Empanada de pino', price: 2500 },
};
const ROUTES: Record<PrintingScenario, StationKey[]> = {
  kitchen: ['kitchen'],
  bar: ['bar'],
  steady: ['steady'],
  split: ['kitchen', 'bar', 'steady'],
  fallback: ['dead'],
};
/** What the renderer prints on a ticket that may have come out before (render.ts REPRINT_MARK). */
const REPRINT_MARK = '*** REIMPRESIÓN / REPRINT ***';

interface OrderCase {
  orderId?: string;
  lines?: Array<{ station: StationKey; quantity: number; notes?: string }>;
  /** Drive seconds it is sent at. */
  sendAt?: number;
  sentAt?: number;
}
interface World {
  owner: User;
  tenantId: string;
  branchId: string;
  printers: Record<StationKey, TestPrinter>;
  stationIds: Record<StationKey, string>;
  products: Record<StationKey, string>;
  /** The printers' seeded misbehaviour: [drive seconds, station, mode]. */
  plan: Array<{ at: number; station: StationKey; mode: PrinterMode }>;
  events: string[];
  timeline?: Promise<void>;
  deadBack: boolean;
}

const data = (c: Case) => c.data as OrderCase;
/** What a case must end as: its tickets printed, or (the dead printer's) fallen back. */
const expectation = (c: Case<PrintingScenario>) => ({
  states: c.scenario === 'fallback' ? ['fallen_back'] : ['printed'],
});

export function printingProcess(): ChaosProcess<PrintingScenario> {
  let world: World | undefined;
  const note = (ctx: RunContext, c: Case, step: string, result: string) =>
    c.steps.push({ at: Math.round(ctx.clock() * 10) / 10, step, result });

  const setMode = async (ctx: RunContext, station: StationKey, mode: PrinterMode) => {
    const w = world!;
    await w.printers[station].setMode(mode);
    const line = `${ctx.clock().toFixed(1)} s: ${STATIONS[station].name} printer ${mode}`;
    w.events.push(line);
    ctx.log(`printing: ${line}`);
  };

  /** The printers' misbehaviour, on the drive's clock (started by the first drive). */
  async function timeline(ctx: RunContext): Promise<void> {
    for (const e of world!.plan) {
      const wait = e.at - ctx.clock();
      if (wait > 0) await sleep(wait * 1000, ctx.signal);
      if (ctx.signal.aborted) return;
      await setMode(ctx, e.station, e.mode);
    }
  }

  /** The order's tickets with their print job rows (the database is the POS's record). */
  async function tickets(ctx: RunContext, orderId: string) {
    const db = await ctx.db();
    try {
      const rows = await db.query<{
        id: string;
        station_id: string;
        order_number: string;
        print_status: string;
        created_at: Date;
        printed_at: Date | null;
        state: string | null;
        attempts: number | null;
        writes: number | null;
        last_error: string | null;
        mail: string | null;
      }>(
        `select t.id, t.station_id, t.order_number, t.print_status, t.created_at, t.printed_at,
                j.state, j.attempts, j.writes, j.last_error,
                (select string_agg(n.status, ',') from notifications.notifications n
                  where n.tenant_id = t.tenant_id and n.channel = 'email'
                    and n.key like 'print/' || t.tenant_id || '/' || t.id || '/fallback/%') as mail
           from pos.kitchen_tickets t
           left join pos.print_jobs j on j.tenant_id = t.tenant_id and j.ticket_id = t.id
          where t.tenant_id = $1 and t.order_id = $2 order by t.created_at, t.id`,
        [world!.tenantId, orderId],
      );
      return rows.rows;
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  return {
    name: 'printing',
    // On top of the deals: enough orders for every printer's misbehaviour to meet some.
    cases: (deals) => Math.min(10, Math.max(6, Math.round(deals / 3))),
    scenarios: { kitchen: 3, bar: 3, steady: 2, split: 2, fallback: 1 },

    plan(c) {
      const r = data(c);
      r.lines = ROUTES[c.scenario].map((station) => ({
        station,
        quantity: c.rng.int(1, 3),
        ...(c.rng.chance(0.5) && {
          notes: c.rng.pick(['sin sal', 'bien cocido', 'sin hielo', 'para compartir']),
        }),
      }));
      // A dead printer's tickets go first: they must expire (2 min) and fall back within the run.
      r.sendAt =
        Math.round((c.scenario === 'fallback' ? c.rng.between(0.5, 2) : c.rng.between(2, 60)) * 10) / 10;
    },

    async prepare(ctx, cases) {
      const { owner, tenantId, branches } = await signUpRestaurant(ctx, 'print', [
        { name: 'Centro', timeZone: 'America/Santiago' },
      ]);
      const branchId = branches[0]!;
      const token = owner.token;
      const keys = Object.keys(STATIONS) as StationKey[];
      const printers = {} as Record<StationKey, TestPrinter>;
      for (const k of keys)
        printers[k] = await startTestPrinter({ mode: k === 'dead' ? 'refuse' : 'accept' });
      const stationIds = {} as Record<StationKey, string>;
      const products = {} as Record<StationKey, string>;
      for (const k of keys) {
        const s = STATIONS[k];
        const station = await must(
          ctx,
          ctx.urls.pos,
          'POST',
          `${POS}/stations`,
          {
            token,
            body: {
              branchId,
              name: s.name,
              kind: 'printer',
              printerAddress: printers[k].address,
              isDefault: k === 'kitchen',
            },
          },
          [201],
        );
        stationIds[k] = station.body.data.id as string;
        const menu = await menuOf(ctx, token, s.category, [{ name: s.dish, price: s.price }], [branchId]);
        products[k] = menu.products[s.dish]!;
        await must(
          ctx,
          ctx.urls.pos,
          'PUT',
          `${POS}/stations/${stationIds[k]}/categories`,
          { token, body: { categoryIds: [menu.categoryId] } },
          [200],
        );
      }
      // The printers' misbehaviour, seeded: Cocina refuses, Barra cuts writes then stalls.
      const p = rng(ctx.seed).fork('printing-printers');
      const refuseAt = Math.round(p.between(6, 20));
      const dropAt = Math.round(p.between(4, 10));
      const stallAt = Math.round(p.between(50, 60));
      const plan: World['plan'] = [
        { at: refuseAt, station: 'kitchen', mode: 'refuse' },
        { at: refuseAt + p.int(5, 15), station: 'kitchen', mode: 'accept' },
        { at: dropAt, station: 'bar', mode: 'drop' },
        { at: dropAt + p.int(3, 6), station: 'bar', mode: 'accept' },
        { at: stallAt, station: 'bar', mode: 'stall' },
        { at: stallAt + p.int(5, 8), station: 'bar', mode: 'accept' },
      ];
      plan.sort((a, b) => a.at - b.at);
      world = {
        owner,
        tenantId,
        branchId,
        printers,
        stationIds,
        products,
        plan,
        events: [],
        deadBack: false,
      };
      // Orders and their lines before any fault (lines are not idempotent); each is sent later.
      for (const c of cases) {
        const r = data(c);
        const order = await openOrder(
          ctx,
          token,
          branchId,
          r.lines!.map((l) => ({
            productId: products[l.station],
            quantity: l.quantity,
            ...(l.notes && { notes: l.notes }),
          })),
        );
        r.orderId = order.id;
      }
      // A dead printer's tickets are sent now, before the other processes' setup and the faults:
      // they must expire (2 minutes) and fall back well within the run.
      for (const c of cases.filter((x) => x.scenario === 'fallback')) {
        const r = data(c);
        note(ctx, c, 'send (setup)', await sendOrder(ctx, token, r.orderId!));
        r.sentAt = Date.now();
      }
      ctx.log(
        `printing: printers ${keys.map((k) => `${STATIONS[k].name} ${printers[k].address}`).join(', ')}; ${plan
          .map((e) => `${e.at} s ${STATIONS[e.station].name} ${e.mode}`)
          .join(', ')}`,
      );
    },

    async drive(ctx, c) {
      const r = data(c);
      world!.timeline ??= timeline(ctx);
      try {
        if (r.sentAt) return;
        const wait = r.sendAt! - ctx.clock();
        if (wait > 0) await sleep(wait * 1000, ctx.signal);
        const result = await sendOrder(ctx, world!.owner.token, r.orderId!);
        r.sentAt = Date.now();
        note(ctx, c, 'send', result);
      } catch (err) {
        c.driverError = (err as Error).message;
        note(ctx, c, 'send', c.driverError);
      } finally {
        await world!.timeline;
      }
    },

    expected: expectation,

    async settled(ctx, c) {
      const r = data(c);
      if (c.driverError || Date.now() >= ctx.deadline) return true;
      const rows = await tickets(ctx, r.orderId!).catch(() => null);
      if (!rows?.length) return false;
      const done = rows.every(
        (t) =>
          t.state === 'printed' ||
          t.state === 'cancelled' ||
          (t.state === 'fallen_back' && !!t.mail && t.mail.split(',').every((s) => s === 'sent')),
      );
      // Once every ticket of the dead printer has fallen back it comes back: nothing may print later.
      if (done && c.scenario === 'fallback' && !world!.deadBack) {
        world!.deadBack = true;
        await setMode(ctx, 'dead', 'accept');
      }
      return done;
    },

    async check(ctx, cases): Promise<Verdict[]> {
      const w = world!;
      const verdicts: Verdict[] = [];
      const stationOf = new Map(Object.entries(w.stationIds).map(([k, id]) => [id, k as StationKey]));
      // The kitchen screen's events the fallbacks published (Redis may have been flushed since).
      const screen = new Set<string>();
      let screenNote: string | null = null;
      const redis = new Redis(`redis://127.0.0.1:${PORTS.redis}`, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        connectTimeout: 3000,
      });
      try {
        await redis.connect();
        for (const [, fields] of await redis.xrange('faena:realtime:intake', '-', '+')) {
          for (let i = 1; i < fields.length; i += 2) {
            try {
              const e = JSON.parse(fields[i]!) as { event?: string; data?: { id?: string } };
              if (e.event === 'kitchen:print_failed' && e.data?.id) screen.add(e.data.id);
            } catch {
              // another field
            }
          }
        }
      } catch (err) {
        screenNote = `screen events not read: ${(err as Error).message}`;
      } finally {
        redis.disconnect();
      }
      const probe = temporalProbe();
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
          if (c === cases[0]) v.notes.push(`printers: ${w.events.join('; ') || 'no change'}`);
          const rows = await tickets(ctx, r.orderId!);
          if (!rows.length) {
            v.lost.push(`the order never reached the kitchen (${c.driverError ?? 'no ticket'})`);
            continue;
          }
          const expectedStations = new Set(r.lines!.map((l) => l.station));
          if (rows.length !== expectedStations.size)
            v.lost.push(`${rows.length} tickets for ${expectedStations.size} stations`);
          const db = await ctx.db();
          let items: Array<{ ticket_id: string; name: string; quantity: number; notes: string | null }>;
          try {
            items = (
              await db.query<{ ticket_id: string; name: string; quantity: number; notes: string | null }>(
                `select ticket_id, name, quantity, notes from pos.kitchen_ticket_items
                  where tenant_id = $1 and ticket_id = any($2::uuid[])`,
                [w.tenantId, rows.map((t) => t.id)],
              )
            ).rows;
          } finally {
            await db.end().catch(() => undefined);
          }
          const finals: string[] = [];
          for (const t of rows) {
            const station = stationOf.get(t.station_id);
            const name = station ? STATIONS[station].name : t.station_id;
            const mine = items.filter((i) => i.ticket_id === t.id);
            const expectLines = [
              `Pedido / Order #${t.order_number}`,
              ...mine.map((i) => `${i.quantity} x ${i.name}`),
              ...mine.filter((i) => i.notes).map((i) => `! ${i.notes}`),
            ];
            // What came out of its printer: connections with a cut that name this ticket.
            const prints = station
              ? w.printers[station]
                  .printed()
                  .map((j) => ({ lines: parseEscPos(j.bytes).lines, at: j.at }))
                  .filter((p) => p.lines.some((l) => l.endsWith(`Ticket ${t.id.slice(-8)}`)))
              : [];
            const whole = prints.filter((p) => expectLines.every((x) => p.lines.some((l) => l.includes(x))));
            const unmarked = prints.filter((p) => !p.lines.some((l) => l.includes(REPRINT_MARK)));
            finals.push(t.state ?? 'no job');
            const wf = await probe.describe(printJobWorkflowId(w.tenantId, t.id)).catch(() => null);
            if (wf && ['FAILED', 'TERMINATED', 'TIMED_OUT'].includes(wf.status))
              v.lost.push(`${name}: its print process is ${wf.status} (${wf.failure ?? ''})`);
            const tried = `${t.attempts ?? 0} attempt(s), ${t.writes ?? 0} write(s)`;
            if (t.state === 'printed') {
              if (!whole.length)
                v.lost.push(
                  `${name}: printed per the POS, but its printer holds no whole ticket (${prints.length} print(s) naming it)`,
                );
              if (t.print_status !== 'printed') v.lost.push(`${name}: job printed, ticket ${t.print_status}`);
              if (unmarked.length > 1)
                v.duplicated.push(`${name}: printed ${unmarked.length} times without the reprint mark`);
              const took = t.printed_at ? (t.printed_at.getTime() - t.created_at.getTime()) / 1000 : null;
              v.notes.push(
                `${name}: printed ${prints.length} time(s)${prints.length > unmarked.length ? ` (${prints.length - unmarked.length} marked REPRINT)` : ''}, ${took?.toFixed(1) ?? '?'} s after the send, ${tried}`,
              );
              if (station === 'steady' && took !== null && took > 60)
                v.notes.push(`${name}: the always-up printer took ${took.toFixed(1)} s (SLO 60 s)`);
            } else if (t.state === 'fallen_back') {
              const mails = t.mail ? t.mail.split(',') : [];
              if (!mails.length) v.lost.push(`${name}: fallen back without its PDF mail`);
              else if (!mails.every((s) => s === 'sent')) v.lost.push(`${name}: fallback mail ${t.mail}`);
              if (t.print_status !== 'failed' && t.print_status !== 'printed')
                v.lost.push(`${name}: fallen back, ticket ${t.print_status}`);
              // Nothing prints after the fallback (a send begun just before the expiry may: marked).
              if (unmarked.length)
                v.duplicated.push(
                  `${name}: fallen back and printed ${unmarked.length} time(s) without the mark`,
                );
              else if (prints.length)
                v.notes.push(`${name}: fallen back, then printed ${prints.length} time(s) marked REPRINT`);
              v.notes.push(
                `${name}: fallen back (${t.last_error ?? 'no error'}; mail ${t.mail}; screen event ${screen.has(t.id) ? 'seen' : (screenNote ?? 'not in the stream (Redis flushed?)')}), ${tried}`,
              );
            } else if (t.state === 'cancelled') {
              v.notes.push(`${name}: cancelled`);
            } else {
              v.lost.push(
                `${name}: neither printed nor fallen back (job ${t.state ?? 'none'}, ticket ${t.print_status}, ${tried}, ${t.last_error ?? 'no error'})`,
              );
            }
          }
          v.final = [...new Set(finals)].join('+');
        }
      } finally {
        await probe.close().catch(() => undefined);
        for (const p of Object.values(w.printers)) await p.close().catch(() => undefined);
      }
      return verdicts;
    },
  };
}
