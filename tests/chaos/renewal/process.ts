/**
 * Membership renewal as a chaos process, through the public HTTP APIs only: a gym business with a
 * monthly plan, members who log in (the `client` role), each buying a membership at the desk that
 * ends today (renewed at once when they turn auto-renew on) or ended four days ago with an empty
 * wallet (every dunning day already due: three declined tries, then expired), or ending today with
 * the next month already bought at the desk (`taken`: charged, the next period refused, the charge
 * refunded; a refund that a fault kept failing waits in `refund_pending`, and the harness, as the
 * operator, retries it like escrow's blocked steps). The check reads the gym's renewal view and the
 * payments database: every case at its final result (0 lost) and at most one renewal charge per
 * membership and cycle, refunded at most once (0 duplicated).
 */
import { send } from '../http.ts';
import { CURRENCY, GYM, PAYMENTS, clientRoleId, invitedUser, must, openDrawer, signUpGym } from '../gym.ts';
import type { Case, ChaosProcess, Expectation, RunContext, Verdict } from '../process.ts';

const PRICE = 25_000;
/** What each member's wallet gets: the purchase, and the renewal (`taken`: the next month bought too). */
const DEPOSIT: Record<'renewed' | 'declined' | 'taken', number> = {
  renewed: 2 * PRICE,
  declined: PRICE,
  taken: 3 * PRICE,
};

export type RenewalScenario = 'renewed' | 'declined' | 'taken';
/** The final result each scenario must reach (the cycle-1 row of `GET /memberships/:id/renewal`). */
export const RENEWAL_EXPECTED: Record<RenewalScenario, string> = {
  renewed: 'renewed',
  declined: 'expired',
  taken: 'cancelled',
};
/** The renewal charge's final status in payments per scenario (none: no charge row). */
const CHARGE_EXPECTED: Record<RenewalScenario, string | null> = {
  renewed: 'captured',
  declined: null,
  taken: 'refunded',
};

interface User {
  id: string;
  token: string;
}
interface Renewal {
  member?: User;
  memberId?: string;
  membershipId?: string;
  result?: string | null;
}
interface World {
  owner: User;
  branchId: string;
  drawerId: string;
  planId: string;
}

const data = (c: Case) => c.data as Renewal;
const day = (d: Date) => d.toISOString().slice(0, 10);
/** `YYYY-MM-DD` plus months (day clamped to the month's end, as the gym's luxon does). */
function addMonths(iso: string, months: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return day(new Date(Date.UTC(y, m - 1 + months, Math.min(d, last))));
}
const addDays = (iso: string, n: number) => day(new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000));

export function renewalProcess(): ChaosProcess<RenewalScenario> {
  let world: World | undefined;
  const note = (ctx: RunContext, c: Case, step: string, result: string) =>
    c.steps.push({ at: Math.round(ctx.clock() * 10) / 10, step, result });

  /** The cycle-1 result the gym shows (null: not yet), or undefined when the API did not answer. */
  async function result(ctx: RunContext, c: Case): Promise<string | null | undefined> {
    const r = data(c);
    if (!r.membershipId || Date.now() >= ctx.deadline) return undefined;
    const a = await send(ctx.urls.gym, 'GET', `${GYM}/memberships/${r.membershipId}/renewal`, {
      token: world!.owner.token,
      deadline: Math.min(ctx.deadline, Date.now() + 15000),
    }).catch(() => null);
    if (a?.status !== 200) return undefined;
    const cycles = a.body.data.cycles as Array<{ cycle: number; result: string }>;
    r.result = cycles.find((x) => x.cycle === 1)?.result ?? null;
    // A refund the faults kept failing waits for an operator: the harness is one (the owner).
    const state = (a.body.data.process as { state: string } | null)?.state;
    if (!r.result && state === 'refund_pending') {
      const retried = await send(
        ctx.urls.gym,
        'POST',
        `${GYM}/memberships/${r.membershipId}/renewal/retry-refund`,
        {
          token: world!.owner.token,
          body: { note: 'chaos harness' },
          deadline: Math.min(ctx.deadline, Date.now() + 25000),
        },
      ).catch(() => null);
      note(ctx, c, 'retry-refund', String(retried?.status ?? 'no answer'));
    }
    return r.result;
  }

  return {
    name: 'renewal',
    // A small share on top of the deals (3 even in a short run: each scenario once): renewals are quick.
    cases: (deals) => Math.min(4, Math.max(3, Math.round(deals / 10))),
    scenarios: { renewed: 3, declined: 1, taken: 1 },

    async prepare(ctx, cases) {
      const { slug, owner, branchId } = await signUpGym(ctx, 'gym', {
        name: 'Chaos Gym',
        address: 'Av. Caos 2',
      });
      const token = owner.token;
      const drawerId = await openDrawer(ctx, token, branchId, 'Recepción');
      const plan = await must(
        ctx,
        ctx.urls.gym,
        'POST',
        `${GYM}/plans`,
        { token, body: { name: 'Mensual', kind: 'monthly' } },
        [201],
      );
      const planId = plan.body.data.id as string;
      await must(
        ctx,
        ctx.urls.gym,
        'PUT',
        `${GYM}/plans/${planId}/prices/${branchId}`,
        { token, body: { amount: PRICE, currency: CURRENCY } },
        [200, 201],
      );
      world = { owner, branchId, drawerId, planId };
      const roleId = await clientRoleId(ctx, token);
      // Invitations and members are not idempotent: made before any fault.
      for (const c of cases) {
        const email = `member-${c.id}-${ctx.runId}@chaos.example`;
        const member = await invitedUser(ctx, { slug, token, roleId }, email, `Socio ${c.id}`);
        const m = await must(
          ctx,
          ctx.urls.gym,
          'POST',
          `${GYM}/members`,
          { token, body: { branchId, firstName: 'Socio', lastName: c.id, userId: member.id } },
          [201],
        );
        Object.assign(data(c), { member, memberId: m.body.data.id as string });
        // The purchase's money, and for `renewed` the renewal's too. One at a time: payments takes
        // a drawer's open session with SKIP LOCKED, so concurrent cash deposits into one drawer
        // answer 422 DRAWER_NOT_OPEN (found by this harness; reported).
        await must(
          ctx,
          ctx.urls.payments,
          'POST',
          `${PAYMENTS}/wallets/${member.id}/deposits`,
          {
            token,
            idempotencyKey: `chaos-${ctx.runId}-${c.id}-deposit`,
            body: { amount: DEPOSIT[c.scenario], currency: CURRENCY, drawerId },
          },
          [201],
        );
      }
    },

    plan() {},

    async drive(ctx, c) {
      const r = data(c);
      const w = world!;
      try {
        const today = day(new Date());
        const startsOn = c.scenario === 'declined' ? addDays(addMonths(today, -1), -4) : addMonths(today, -1);
        /** A membership bought at the desk from `from`, paid with a fresh payer code of the member. */
        const buy = async (from: string, step: string) => {
          const code = await must(
            ctx,
            ctx.urls.payments,
            'POST',
            `${PAYMENTS}/wallets/me/payer-codes`,
            { token: r.member!.token, body: {} },
            [201],
          );
          const bought = await must(
            ctx,
            ctx.urls.gym,
            'POST',
            `${GYM}/memberships`,
            {
              token: w.owner.token,
              idempotencyKey: `chaos-${ctx.runId}-${c.id}-${step}`,
              body: {
                memberId: r.memberId,
                planId: w.planId,
                branchId: w.branchId,
                startsOn: from,
                method: 'wallet',
                payerCode: code.body.data.code as string,
              },
            },
            [200, 201],
          );
          return bought.body.data.id as string;
        };
        r.membershipId = await buy(startsOn, 'membership');
        note(ctx, c, 'purchase', `${r.membershipId} from ${startsOn}`);
        if (c.scenario === 'taken') {
          // The next month is bought at the desk before auto-renew: the renewal cannot extend into it.
          const next = await buy(today, 'next-membership');
          note(ctx, c, 'purchase', `${next} from ${today} (the next period)`);
        }
        await must(
          ctx,
          ctx.urls.gym,
          'PUT',
          `${GYM}/members/me/memberships/${r.membershipId}/auto-renew`,
          { token: r.member!.token, body: { autoRenew: true } },
          [200],
        );
        note(ctx, c, 'auto-renew', 'on');
      } catch (err) {
        c.driverError = (err as Error).message;
        note(ctx, c, 'drive', c.driverError);
      }
    },

    expected: (c): Expectation => ({ states: [RENEWAL_EXPECTED[c.scenario]] }),

    async settled(ctx, c) {
      if (c.driverError) return true;
      // A GET also starts a chain that a crash kept from starting (renewal_started_at still null).
      return Boolean(await result(ctx, c));
    },

    async check(ctx, cases): Promise<Verdict[]> {
      const db = await ctx.db();
      const verdicts: Verdict[] = [];
      try {
        for (const c of cases) {
          const r = data(c);
          const v: Verdict = {
            caseId: c.id,
            scenario: c.scenario,
            expected: { states: [RENEWAL_EXPECTED[c.scenario]] },
            final: null,
            lost: [],
            duplicated: [],
            notes: c.driverError ? [`driver: ${c.driverError}`] : [],
          };
          verdicts.push(v);
          if (!r.membershipId) {
            v.lost.push(`never became a membership (${c.driverError ?? 'no id'})`);
            continue;
          }
          v.final = (await result(ctx, c)) ?? r.result ?? null;
          if (v.final !== RENEWAL_EXPECTED[c.scenario])
            v.lost.push(`cycle 1 is ${v.final ?? 'not recorded'}, expected ${RENEWAL_EXPECTED[c.scenario]}`);
          const charges = await db.query<{ key: string; status: string; n: string }>(
            `select idempotency_key as key, status, count(*) over (partition by idempotency_key) as n
               from payments.payments where purpose = 'gym_membership_renewal' and reference like $1`,
            [`${r.membershipId}:%`],
          );
          const status = CHARGE_EXPECTED[c.scenario];
          const kept = charges.rows.filter((p) => p.status === 'captured' || p.status === 'refunded');
          const want = status ? 1 : 0;
          if (kept.length > want)
            v.duplicated.push(`${kept.length} renewal charges: ${kept.map((p) => p.key).join(', ')}`);
          if (kept.length < want) v.lost.push('the renewal was not charged');
          if (status && kept.length === 1 && kept[0]!.status !== status)
            v.lost.push(`the renewal charge is ${kept[0]!.status}, expected ${status}`);
          if (kept.some((p) => p.key !== `renewal:${r.membershipId}:1`))
            v.notes.push(`unexpected keys ${kept.map((p) => p.key).join(', ')}`);
          if (c.scenario === 'taken') {
            const refunds = await db.query<{ n: number }>(
              `select count(*)::int as n from payments.journal_entries e join payments.payments p on p.id = e.payment_id
                where e.kind = 'refund' and p.idempotency_key = $1`,
              [`renewal:${r.membershipId}:1`],
            );
            const n = refunds.rows[0]?.n ?? 0;
            if (n > 1) v.duplicated.push(`the renewal charge was refunded ${n} times`);
            if (n < 1) v.lost.push('the renewal charge was not refunded');
          }
        }
      } finally {
        await db.end().catch(() => undefined);
      }
      return verdicts;
    },
  };
}
