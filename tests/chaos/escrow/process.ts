/**
 * The escrow deal as a chaos process. Everything goes through the public HTTP APIs, like the
 * client and professional apps and the operator console would: identity sign-up and invitations,
 * a professional with approved KYC, an offer, its acceptance, the payment (MercadoPago sandbox
 * checkout or wallet), completion, approval / dispute + resolution / cancellation.
 * The check reads the deal's escrow state and job, the payments ledger and the sandbox's state file.
 */
import { existsSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { call, send, sleep, type Answer } from '../http.ts';
import type { Case, ChaosProcess, Expectation, RunContext, Verdict } from '../process.ts';
import {
  EXPECTED,
  FINAL_STATES,
  SCENARIO_WEIGHTS,
  operatorAction,
  type DealPlan,
  type Scenario,
} from './expectations.ts';
import type { TemporalProbe } from '../temporal.ts';

const IDENTITY = '/api/identity/v1';
const PAYMENTS = '/api/payments/v1';
const MARKETPLACE = '/api/marketplace/v1';
const NOTIFICATIONS = '/api/notifications/v1';
const PASSWORD = 'chaos-monkey-password-2026';
const CURRENCY = 'CLP';
/** Subscribed when the notifications API does not list its event types (its OpenAPI document does). */
const ESCROW_EVENTS = [
  'escrow.funded',
  'escrow.payment_expired',
  'escrow.completed',
  'escrow.disputed',
  'escrow.resolved',
  'escrow.cancelled',
  'escrow.released',
];

interface User {
  id: string;
  email: string;
  token: string;
}

interface EscrowView {
  state: string;
  paymentId: string | null;
  checkoutUrl: string | null;
  amount: string;
  refunded: string;
  /** Gross payout; net of the commission where the status also reports `commission`. */
  paidOut: string;
  commission?: string;
  /** The operator Update that applies now (newer workflows say it themselves). */
  operatorAction?: string | null;
}

export interface Deal extends DealPlan {
  pro: number;
  client?: User;
  startDelayMs: number;
  /** How long the payer takes at checkout. */
  payDelayMs: number;
  /** Pauses between steps, drawn with the plan. */
  thinks: number[];
  offerId?: string;
  jobId?: string;
  workflowId?: string;
  providerPaymentId?: string;
  last?: EscrowView;
  seen: string[];
}

interface World {
  tenantId: string;
  slug: string;
  owner: User;
  branchId: string;
  /** A drawer of the branch with an open cash session: deposits are cash into it. */
  drawerId: string;
  merchantToken: string;
  pros: User[];
}

export interface EscrowDeps {
  temporal: TemporalProbe;
  /** Tells the webhook receiver the signing secret of the endpoint the world registered. */
  onWebhookSecret: (secret: string) => void;
}

const deal = (c: Case) => c.data as unknown as Deal;

export function escrowProcess(deps: EscrowDeps): ChaosProcess<Scenario> & {
  world: () => World | undefined;
} {
  let world: World | undefined;

  const note = (ctx: RunContext, c: Case, step: string, result: string) =>
    c.steps.push({ at: Math.round(ctx.clock() * 10) / 10, step, result });

  /** A call that must answer one of `ok`; retried through faults until the run's deadline. */
  async function must(
    ctx: RunContext,
    base: string,
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; idempotencyKey?: string },
    ok: number[],
  ): Promise<Answer> {
    const a = await send(base, method, path, { ...opts, deadline: ctx.deadline, signal: ctx.signal });
    if (!ok.includes(a.status))
      throw new Error(
        `${method} ${path} answered ${a.status} ${a.body.error?.code ?? ''} ${a.body.error?.message ?? JSON.stringify(a.body).slice(0, 200)}`,
      );
    return a;
  }

  const roleIds = new Map<string, string>();
  /** Invites a user (before any fault: invitations are not idempotent) and accepts for them. */
  async function invite(ctx: RunContext, w: Pick<World, 'owner' | 'slug'>, role: string, label: string) {
    const email = `${label}-${ctx.runId}@chaos.example`;
    if (!roleIds.has(role)) {
      const roles = await must(
        ctx,
        ctx.urls.identity,
        'GET',
        `${IDENTITY}/roles?q=${role}&limit=100`,
        { token: w.owner.token },
        [200],
      );
      const found = (roles.body.data as Array<{ id: string; name: string }>).find((r) => r.name === role);
      if (!found) throw new Error(`no role ${role}`);
      roleIds.set(role, found.id);
    }
    const invited = await must(
      ctx,
      ctx.urls.identity,
      'POST',
      `${IDENTITY}/users`,
      { token: w.owner.token, body: { email, name: label, roles: [{ roleId: roleIds.get(role)! }] } },
      [201],
    );
    const session = await must(
      ctx,
      ctx.urls.identity,
      'POST',
      `${IDENTITY}/auth/invitations/accept`,
      {
        body: {
          tenant: w.slug,
          email,
          token: invited.body.data.invitationToken as string,
          password: PASSWORD,
        },
      },
      [200],
    );
    return { id: invited.body.data.id as string, email, token: session.body.data.accessToken as string };
  }

  /** The escrow event types the business can subscribe to, from the notifications API's OpenAPI document. */
  async function escrowEvents(ctx: RunContext): Promise<string[]> {
    const doc = await send(ctx.urls.notifications, 'GET', '/openapi.json', {
      deadline: Date.now() + 10000,
    }).catch(() => null);
    type Schema = { properties?: Record<string, { items?: { enum?: string[] } }> };
    const paths = (doc?.body as { paths?: Record<string, Record<string, unknown>> } | undefined)?.paths;
    const post = paths?.[`${NOTIFICATIONS}/webhooks`]?.post as
      { requestBody?: { content?: Record<string, { schema?: Schema }> } } | undefined;
    const listed = post?.requestBody?.content?.['application/json']?.schema?.properties?.events?.items?.enum;
    const escrow = listed?.filter((e) => e.startsWith('escrow.'));
    return escrow?.length ? escrow : ESCROW_EVENTS;
  }

  /** The user id behind an access token (the accept answer carries only the session). */
  async function whoAmI(ctx: RunContext, u: User): Promise<User> {
    const me = await must(ctx, ctx.urls.identity, 'GET', `${IDENTITY}/auth/me`, { token: u.token }, [200]);
    return { ...u, id: me.body.data.user.id as string };
  }

  async function escrow(ctx: RunContext, c: Case): Promise<EscrowView | null> {
    const d = deal(c);
    // Past the run's deadline nothing is asked any more: the last state read stands.
    const until = Math.min(ctx.deadline, Date.now() + 20000);
    if (until - Date.now() < 500) return null;
    const a = await send(ctx.urls.marketplace, 'GET', `${MARKETPLACE}/jobs/${d.jobId}/escrow`, {
      token: d.client!.token,
      deadline: until,
      timeoutMs: 10000,
    }).catch(() => null);
    if (a?.status !== 200) return null;
    const s = a.body.data as EscrowView;
    d.last = s;
    if (d.seen[d.seen.length - 1] !== s.state) d.seen.push(s.state);
    return s;
  }

  /** The job's status as its client sees it (undefined when the API did not answer in time). */
  async function jobStatus(ctx: RunContext, c: Case): Promise<string | undefined> {
    const d = deal(c);
    if (Date.now() >= ctx.deadline) return undefined;
    const job = await send(ctx.urls.marketplace, 'GET', `${MARKETPLACE}/jobs/${d.jobId}`, {
      token: d.client!.token,
      deadline: Math.min(ctx.deadline, Date.now() + 15000),
    }).catch(() => null);
    return job?.body.data?.status as string | undefined;
  }

  /** Polls the deal's escrow until `until` holds or the deadline; the last state read, or null. */
  async function waitEscrow(
    ctx: RunContext,
    c: Case,
    until: (s: EscrowView) => boolean,
  ): Promise<EscrowView | null> {
    for (let polls = 1; Date.now() < ctx.deadline && !ctx.signal.aborted; polls++) {
      const s = await escrow(ctx, c);
      if (s && until(s)) return s;
      // A workflow that closed (failed, terminated) will never get there: stop waiting for it.
      if (polls % 5 === 0) {
        const wf = await deps.temporal.describe(deal(c).workflowId!).catch(() => null);
        if (wf && wf.status !== 'RUNNING') {
          note(ctx, c, 'wait', `workflow ${wf.status}${wf.failure ? `: ${wf.failure}` : ''}`);
          return s;
        }
      }
      await sleep(600 + Math.random() * 800, ctx.signal); // polling jitter: not part of the seeded plan
    }
    return null;
  }

  /**
   * One party's action on the deal (a workflow Update behind the marketplace API). Retried through
   * faults; a 409 counts as done when the deal is already where the step leads, or when an earlier
   * attempt of this step may have landed (it timed out or failed with 5xx).
   */
  async function act(
    ctx: RunContext,
    c: Case,
    step: string,
    path: string,
    token: string,
    body: unknown,
    done: string[],
  ): Promise<boolean> {
    const d = deal(c);
    let a: Answer;
    try {
      a = await send(ctx.urls.marketplace, 'POST', `${MARKETPLACE}/jobs/${d.jobId}${path}`, {
        token,
        body,
        deadline: ctx.deadline,
        signal: ctx.signal,
        // An action's Update may wait (bounded) for the money it set in motion before answering.
        timeoutMs: 30000,
      });
    } catch (err) {
      c.driverError = `${step}: ${(err as Error).message}`;
      note(ctx, c, step, c.driverError);
      return false;
    }
    if (a.status < 300) {
      note(ctx, c, step, `${a.status}${a.retried ? ` after ${a.retried} retries` : ''}`);
      return true;
    }
    if (a.status === 409) {
      const s = await escrow(ctx, c);
      if ((s && done.includes(s.state)) || a.retried > 0) {
        note(ctx, c, step, `409 counted as done (${s?.state ?? '?'}; ${a.body.error?.message ?? ''})`);
        return true;
      }
    }
    c.driverError = `${step}: ${a.status} ${a.body.error?.code ?? ''} ${a.body.error?.message ?? ''}`;
    note(ctx, c, step, c.driverError);
    return false;
  }

  /**
   * Accepting is safe to retry. Once the deal runs, another accept answers 409 DEAL_EXISTS with the
   * job's Location (the step already happened: done); older versions answer 202 with the job again.
   */
  async function accept(ctx: RunContext, c: Case): Promise<{ id: string; workflowId: string }> {
    const d = deal(c);
    const a = await send(ctx.urls.marketplace, 'POST', `${MARKETPLACE}/offers/${d.offerId}/accept`, {
      token: d.client!.token,
      body: { method: d.method, version: 1 },
      deadline: ctx.deadline,
      signal: ctx.signal,
    });
    if (a.status === 202)
      return { id: a.body.data.job.id as string, workflowId: a.body.data.workflowId as string };
    const location = a.headers.get('location');
    if (a.status === 409 && location && (a.body.error?.code === 'DEAL_EXISTS' || a.retried > 0)) {
      note(ctx, c, 'accept', `409 counted as done (${a.body.error?.message ?? ''})`);
      const job = await must(
        ctx,
        ctx.urls.marketplace,
        'GET',
        location.replace(/^.*\/api\//, '/api/'),
        { token: d.client!.token },
        [200],
      );
      return job.body.data as { id: string; workflowId: string };
    }
    throw new Error(`accept: ${a.status} ${a.body.error?.code ?? ''} ${a.body.error?.message ?? ''}`);
  }

  /** Offers are not idempotent: after an ambiguous failure, look for ours before sending again. */
  async function sendOffer(ctx: RunContext, c: Case, pro: User): Promise<string> {
    const d = deal(c);
    const description = `chaos ${ctx.runId} deal ${c.id}: ${c.scenario}`;
    for (let attempt = 0; Date.now() < ctx.deadline; attempt++) {
      if (attempt > 0) {
        const mine = await send(
          ctx.urls.marketplace,
          'GET',
          `${MARKETPLACE}/offers?role=professional&status=pending&limit=100`,
          { token: pro.token, deadline: ctx.deadline, signal: ctx.signal },
        );
        const found = (mine.body.data as Array<{ id: string; description: string }> | undefined)?.find(
          (o) => o.description === description,
        );
        if (found) return found.id;
      }
      // One attempt per round (not `send`): after an ambiguous failure the next round looks first.
      const a = await call(ctx.urls.marketplace, 'POST', `${MARKETPLACE}/offers`, {
        token: pro.token,
        body: {
          clientId: d.client!.id,
          description,
          amount: d.amount,
          currency: CURRENCY,
          expiresAt: new Date(Date.now() + 2 * 3600_000).toISOString(),
        },
      });
      if (a.status === 201) return a.body.data.id as string;
      if (a.status !== 0 && a.status < 500 && a.status !== 429)
        throw new Error(`offer: ${a.status} ${a.body.error?.code} ${a.body.error?.message}`);
      await sleep(300 + Math.random() * 1200, ctx.signal);
    }
    throw new Error('offer: deadline');
  }

  /** The next of the deal's seeded pauses between steps (a person taking their time). */
  const think = (ctx: RunContext, c: Case, scale = 1) =>
    sleep((deal(c).thinks.shift() ?? 1000) * scale, ctx.signal);

  return {
    name: 'escrow',
    scenarios: SCENARIO_WEIGHTS,
    world: () => world,

    plan(c) {
      const r = c.rng;
      const amount = r.int(1, 2000) * 100; // CLP has no minor unit: whole pesos
      const wallet =
        c.scenario === 'wallet-empty' ||
        ((c.scenario === 'happy' || c.scenario === 'dispute' || c.scenario === 'cancel') && r.chance(0.35));
      const d: Deal = {
        amount,
        method: wallet ? 'wallet' : 'mercadopago',
        funded: wallet && c.scenario !== 'wallet-empty',
        pro: r.int(0, 3),
        startDelayMs: r.int(0, 25000),
        payDelayMs: c.scenario === 'late-approval' ? r.int(8000, 30000) : r.int(200, 2500),
        thinks: Array.from({ length: 6 }, () => r.int(300, 3000)),
        seen: [],
      };
      if (c.scenario === 'dispute') {
        const cut = r.next();
        const refund = cut < 0.15 ? 0 : cut > 0.85 ? amount : r.int(1, amount - 1);
        d.split = { refund, payout: amount - refund };
      }
      c.data = d as unknown as Record<string, unknown>;
    },

    async prepare(ctx, cases) {
      const slug = `chaos-${ctx.runId}`;
      const owner = {
        email: `owner-${ctx.runId}@chaos.example`,
        token: '',
        id: '',
      };
      const signup = await must(
        ctx,
        ctx.urls.identity,
        'POST',
        `${IDENTITY}/signup`,
        {
          body: {
            tenant: {
              name: `Chaos ${ctx.runId}`,
              slug,
              kind: 'marketplace',
              currency: CURRENCY,
              locale: 'es-CL',
              timeZone: 'America/Santiago',
            },
            owner: { name: 'Chaos Operator', email: owner.email, password: PASSWORD },
          },
        },
        [201],
      );
      owner.token = signup.body.data.session.accessToken as string;
      const tenantId = signup.body.data.tenant.id as string;
      const w0 = { owner: await whoAmI(ctx, owner), slug };
      const branch = await must(
        ctx,
        ctx.urls.identity,
        'POST',
        `${IDENTITY}/branches`,
        {
          token: owner.token,
          body: {
            name: 'Chaos HQ',
            timeZone: 'America/Santiago',
            address: { line1: 'Av. Caos 1', city: 'Santiago', country: 'CL' },
          },
        },
        [201],
      );
      // MercadoPago through the sandbox: a merchant, registered for the business.
      const merchant = await must(ctx, ctx.urls.sandbox, 'POST', '/sandbox/accounts', {}, [201]);
      await must(
        ctx,
        ctx.urls.payments,
        'PUT',
        `${PAYMENTS}/providers/mercadopago`,
        { token: owner.token, body: merchant.body },
        [204],
      );
      // The business's webhook endpoint: the harness's receiver (the outbox it must drain).
      const hook = await must(
        ctx,
        ctx.urls.notifications,
        'POST',
        `${NOTIFICATIONS}/webhooks`,
        {
          token: owner.token,
          body: {
            url: `${ctx.urls.receiver}/hooks/${ctx.runId}`,
            description: 'chaos',
            events: await escrowEvents(ctx),
          },
        },
        [201],
      );
      deps.onWebhookSecret(hook.body.data.secret as string);

      const pros: User[] = [];
      for (let i = 0; i < Math.min(4, Math.max(1, cases.length)); i++) {
        const pro = await invite(ctx, w0, 'professional', `pro${i}`);
        await must(
          ctx,
          ctx.urls.marketplace,
          'POST',
          `${MARKETPLACE}/professionals/me`,
          {
            token: pro.token,
            body: {
              displayName: `Chaos Pro ${i}`,
              bio: 'Arreglos bajo fuego',
              categories: ['plumbing'],
              skills: ['leaks'],
              location: { latitude: -33.45 + i / 100, longitude: -70.66 },
              radiusMeters: 10000,
            },
          },
          [201],
        );
        await must(
          ctx,
          ctx.urls.marketplace,
          'POST',
          `${MARKETPLACE}/professionals/${pro.id}/kyc/decision`,
          { token: owner.token, body: { status: 'approved' } },
          [200],
        );
        pros.push(pro);
      }
      // Cash deposits go through a drawer with an open cash session.
      const drawer = await must(
        ctx,
        ctx.urls.payments,
        'POST',
        `${PAYMENTS}/drawers`,
        { token: w0.owner.token, body: { branchId: branch.body.data.id as string, name: 'Caja 1' } },
        [201],
      );
      await must(
        ctx,
        ctx.urls.payments,
        'POST',
        `${PAYMENTS}/drawers/${drawer.body.data.id as string}/sessions`,
        { token: w0.owner.token, body: { openingFloat: 0, currency: CURRENCY } },
        [201],
      );
      world = {
        tenantId,
        slug,
        owner: w0.owner,
        branchId: branch.body.data.id as string,
        drawerId: drawer.body.data.id as string,
        merchantToken: merchant.body.accessToken as string,
        pros,
      };
      // One client per deal: wallets never mix. Two at a time (argon2 on two cores).
      const queue = [...cases];
      await Promise.all(
        [0, 1].map(async () => {
          for (let c = queue.shift(); c; c = queue.shift())
            deal(c).client = await invite(ctx, w0, 'client', `client${c.id}`);
        }),
      );
      for (const c of cases) deal(c).pro %= pros.length;
    },

    async drive(ctx, c) {
      const d = deal(c);
      const w = world!;
      const pro = w.pros[d.pro]!;
      const client = d.client!;
      await sleep(d.startDelayMs, ctx.signal);
      try {
        if (d.funded) {
          await must(
            ctx,
            ctx.urls.payments,
            'POST',
            `${PAYMENTS}/wallets/${client.id}/deposits`,
            {
              token: w.owner.token,
              idempotencyKey: `chaos-${ctx.runId}-${c.id}-deposit`,
              body: { amount: d.amount, currency: CURRENCY, drawerId: w.drawerId },
            },
            [201],
          );
          note(ctx, c, 'deposit', `${d.amount}`);
        }
        d.offerId = await sendOffer(ctx, c, pro);
        note(ctx, c, 'offer', d.offerId);
        await think(ctx, c, 0.5);
        const job = await accept(ctx, c);
        d.jobId = job.id;
        d.workflowId = job.workflowId;
        note(ctx, c, 'accept', `${d.method} job ${d.jobId}`);
      } catch (err) {
        c.driverError = (err as Error).message;
        note(ctx, c, 'setup', c.driverError);
        return;
      }

      if (d.method === 'mercadopago') {
        // The client app opens the checkout URL; the payer approves (or is rejected) there.
        const s = await waitEscrow(ctx, c, (x) => Boolean(x.checkoutUrl) || x.state !== 'awaiting_payment');
        const id = /\/sandbox\/checkout\/(\d+)/.exec(s?.checkoutUrl ?? '')?.[1];
        if (!id) {
          c.driverError = `no checkout URL (state ${s?.state ?? 'unknown'})`;
          note(ctx, c, 'checkout', c.driverError);
          return;
        }
        d.providerPaymentId = id;
        ctx.providerPayments.push({ caseId: c.id, providerPaymentId: id, at: ctx.clock() });
        await sleep(d.payDelayMs, ctx.signal);
        const outcome = c.scenario === 'payment-rejected' ? 'reject' : 'approve';
        const a = await send(ctx.urls.sandbox, 'POST', `/sandbox/payments/${id}/${outcome}`, {
          body: {},
          deadline: ctx.deadline,
          signal: ctx.signal,
        }).catch((err: unknown) => ({ status: 0, body: { error: { message: String(err) } } }) as Answer);
        note(ctx, c, `checkout ${outcome}`, String(a.status));
      }

      const expected = EXPECTED[c.scenario](d);
      if (!expected.charged) {
        await waitEscrow(ctx, c, (s) => FINAL_STATES.includes(s.state));
        return;
      }
      const funded = await waitEscrow(ctx, c, (s) => s.state !== 'awaiting_payment');
      if (funded?.state !== 'in_progress') {
        c.driverError = `expected in_progress after payment, saw ${funded?.state ?? 'nothing'}`;
        note(ctx, c, 'funded', c.driverError);
        return;
      }
      note(ctx, c, 'funded', 'in_progress');
      await think(ctx, c);
      if (c.scenario === 'cancel') {
        await act(ctx, c, 'cancel', '/cancel', client.token, { reason: 'Ya no lo necesito' }, ['cancelled']);
      } else {
        const after = ['completed_by_professional', 'approved', 'disputed', 'paid_out', 'resolved'];
        if (!(await act(ctx, c, 'complete', '/complete', pro.token, { note: 'Listo' }, after))) return;
        await think(ctx, c);
        if (c.scenario === 'dispute') {
          const ok = await act(
            ctx,
            c,
            'dispute',
            '/dispute',
            client.token,
            { reason: 'Sigue goteando', evidence: [] },
            ['disputed', 'resolved'],
          );
          if (!ok) return;
          await think(ctx, c, 2);
          const { refund, payout } = d.split!;
          await act(
            ctx,
            c,
            'resolve',
            '/resolve',
            w.owner.token,
            { refund: String(refund), payout: String(payout), note: `chaos split ${refund}/${payout}` },
            ['resolved'],
          );
        } else {
          await act(ctx, c, 'approve', '/approve', client.token, {}, ['approved', 'paid_out']);
        }
      }
      await waitEscrow(ctx, c, (s) => FINAL_STATES.includes(s.state) || s.state.endsWith('_blocked'));
    },

    expected(c): Expectation {
      const e = EXPECTED[c.scenario](deal(c));
      return {
        states: e.states,
        values: { amount: deal(c).amount, method: deal(c).method, refunded: e.refunded, paidOut: e.paidOut },
      };
    },

    async settled(ctx, c) {
      const d = deal(c);
      if (!d.jobId) return true; // never became a deal: nothing will move
      const s = await escrow(ctx, c);
      if (s?.state.endsWith('_blocked')) return true;
      // Final once the job shows it too: the escrow moves first, then records the step on the job
      // (an activity that may wait for a restarted marketplace worker).
      if (s && FINAL_STATES.includes(s.state)) return (await jobStatus(ctx, c)) === s.state;
      // A closed workflow (failed, terminated) will not move either.
      const described = await deps.temporal.describe(d.workflowId!).catch(() => null);
      return Boolean(described && described.status !== 'RUNNING');
    },

    async check(ctx, cases): Promise<Verdict[]> {
      const db = await ctx.db();
      const sandbox = readSandboxState(ctx.sandboxStateFile);
      const verdicts: Verdict[] = [];
      try {
        for (const c of cases) {
          const d = deal(c);
          const e = EXPECTED[c.scenario](d);
          const v: Verdict = {
            caseId: c.id,
            scenario: c.scenario,
            expected: this.expected(c),
            final: null,
            lost: [],
            duplicated: [],
            notes: [],
          };
          verdicts.push(v);
          if (c.driverError) v.notes.push(`driver: ${c.driverError}`);
          if (!d.jobId) {
            v.lost.push(`never became a deal (${c.driverError ?? 'no job'})`);
            continue;
          }
          const s = await escrow(ctx, c);
          v.final = s?.state ?? d.last?.state ?? null;
          if (!s && d.last) v.notes.push('escrow unreadable at the end: its last state read stands');
          const wf = await deps.temporal.describe(d.workflowId!).catch((err: unknown) => ({
            status: 'UNKNOWN',
            failure: String(err),
          }));
          if (wf.status !== 'RUNNING' && wf.status !== 'COMPLETED')
            v.notes.push(`workflow ${wf.status}${wf.failure ? `: ${wf.failure}` : ''}`);
          const final = v.final ?? 'unknown';
          if (!e.states.includes(final)) {
            const action = s?.operatorAction ?? operatorAction(final);
            if (action && final !== 'disputed') {
              v.waiting = `${final} → ${action}`;
            } else {
              v.lost.push(
                `ended ${final} (workflow ${wf.status}${wf.failure ? `: ${wf.failure}` : ''}), expected ${e.states.join(' | ')}`,
              );
            }
          } else if (s) {
            if (e.states[0] !== final)
              v.notes.push(`ended ${final}, accepted for now instead of ${e.states[0]}`);
            const refunded = Number(s.refunded);
            const paidOut = Number(s.paidOut) + Number(s.commission ?? 0);
            if (refunded !== e.refunded)
              (refunded > e.refunded ? v.duplicated : v.lost).push(
                `escrow says refunded ${refunded}, expected ${e.refunded}`,
              );
            if (paidOut !== e.paidOut)
              (paidOut > e.paidOut ? v.duplicated : v.lost).push(
                `escrow says paid out ${paidOut}, expected ${e.paidOut}`,
              );
          }
          // The job's status follows the escrow (written by the workflow through an activity).
          if (FINAL_STATES.includes(final)) {
            const status = await jobStatus(ctx, c);
            if (!status) v.notes.push('job status not read (the API did not answer in time)');
            else if (status !== final)
              v.lost.push(`job status ${status} does not follow the escrow's ${final}`);
          }
          await checkMoney(db, c, d, e, v, sandbox);
        }
      } finally {
        await db.end();
      }
      return verdicts;
    },
  };
}

interface SandboxState {
  payments: Array<{
    id: number;
    status: string;
    transaction_amount: number;
    external_reference: string | null;
    refunds: Array<{ amount: number }>;
  }>;
}

export function readSandboxState(file: string): SandboxState | null {
  if (!existsSync(file)) return null;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
    return Array.isArray(s.payments) ? s : null;
  } catch {
    return null;
  }
}

/** The deal's money in the ledger (and at the provider): one charge, one payout, refunds within what was captured. */
async function checkMoney(
  db: pg.Client,
  c: Case,
  d: Deal,
  e: { charged: boolean; refunded: number; paidOut: number },
  v: Verdict,
  sandbox: SandboxState | null,
) {
  const payments = await db.query<{
    id: string;
    status: string;
    captured: string;
    refunded: string;
    provider_payment_id: string | null;
  }>(
    `select id, status, captured_amount::text as captured, refunded_amount::text as refunded, provider_payment_id
       from payments.payments where reference = $1`,
    [`offer:${d.offerId}`],
  );
  if (payments.rowCount! > 1) v.duplicated.push(`${payments.rowCount} payments for one deal`);
  const p = payments.rows[0];
  if (!p) {
    if (e.charged) v.lost.push('no payment row');
    return;
  }
  if (v.lost.length) {
    // Where a stuck deal's payment is, and whether its provider's notifications ever got in.
    const heard = d.providerPaymentId
      ? await db.query<{ n: number }>(
          `select count(*)::int as n from payments.provider_notifications where provider_payment_id = $1`,
          [d.providerPaymentId],
        )
      : null;
    v.notes.push(
      `payment ${p.status}${p.provider_payment_id ? ` (provider ${p.provider_payment_id}, ${heard?.rows[0]?.n ?? 0} notifications stored)` : ''}`,
    );
  }
  const entries = await db.query<{ kind: string; n: number; escrow: string }>(
    `select e.kind, count(distinct e.id)::int as n,
            coalesce(sum(po.amount) filter (where a.kind = 'platform_escrow'), 0)::text as escrow
       from payments.journal_entries e
       join payments.postings po on po.entry_id = e.id
       join payments.accounts a on a.id = po.account_id
      where e.payment_id = $1
      group by e.kind`,
    [p.id],
  );
  const kind = (k: string) => entries.rows.find((r) => r.kind === k) ?? { n: 0, escrow: '0' };
  const held = kind('escrow_hold');
  const payout = kind('payout');
  const refund = kind('refund');
  if (held.n > 1) v.duplicated.push(`${held.n} escrow charges`);
  if (e.charged && held.n === 0 && !v.lost.length) v.lost.push('never charged into escrow');
  if (!e.charged && held.n > 0) v.duplicated.push(`charged ${held.escrow} although its payment failed`);
  if (payout.n > 1) v.duplicated.push(`${payout.n} payouts`);
  const paidOut = -Number(payout.escrow);
  const refunded = -Number(refund.escrow);
  const captured = Number(p.captured);
  if (refunded > captured) v.duplicated.push(`refunds ${refunded} exceed captured ${captured}`);
  if (FINAL_STATES.includes(v.final ?? '') && !v.waiting) {
    if (paidOut !== e.paidOut && !(v.lost.length && paidOut < e.paidOut))
      (paidOut > e.paidOut ? v.duplicated : v.lost).push(`ledger paid out ${paidOut}, expected ${e.paidOut}`);
    if (refunded !== e.refunded && !(v.lost.length && refunded < e.refunded))
      (refunded > e.refunded ? v.duplicated : v.lost).push(
        `ledger refunded ${refunded}, expected ${e.refunded}`,
      );
  }
  if (sandbox && d.method === 'mercadopago') {
    const mine = sandbox.payments.filter((x) => x.external_reference === p.id);
    if (mine.length > 1)
      v.duplicated.push(`${mine.length} provider payments (${mine.map((x) => x.id).join(', ')})`);
    const atProvider = mine.reduce((s, x) => s + x.refunds.reduce((t, r) => t + r.amount, 0), 0);
    const amount = mine[0]?.transaction_amount ?? 0;
    if (atProvider > amount) v.duplicated.push(`provider refunded ${atProvider} of ${amount}`);
    if (atProvider > e.refunded) v.duplicated.push(`provider refunded ${atProvider}, expected ${e.refunded}`);
    else if (atProvider < refunded)
      v.lost.push(`ledger refunded ${refunded} but the provider only ${atProvider}`);
  } else if (!sandbox && d.method === 'mercadopago') {
    v.notes.push('no sandbox state file: provider side not checked');
  }
  void c;
}
