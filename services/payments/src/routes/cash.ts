/**
 * Cash drawers and cash sessions (domain/cash.ts). Permissions: `drawers.manage` creates, renames and
 * deactivates drawers and sets the approval threshold; `cash_sessions.operate` lists drawers and
 * sessions, opens a session, moves cash in/out and submits the blind count; `cash_sessions.approve`
 * sees expected amounts and differences and approves a count beyond the threshold. Drawers and
 * sessions are branch records: another branch's (or tenant's) is not found.
 */
import Joi from 'joi';
import type { Context } from 'koa';
import {
  assertMembers,
  authOf,
  branchFilter,
  coversBranch,
  currency,
  currentEm,
  defineRoute,
  findPage,
  idempotency,
  listQuery,
  notFound,
  reply,
  scopedIdempotencyKey,
  uuid as id,
  type Route,
} from '@faena/platform';
import {
  CASH_SESSION_STATUSES,
  CashSession,
  Drawer,
  PAYMENT_METHODS,
  type PerMethod,
} from '../domain/entities.ts';
import {
  approveSession,
  cashSettings,
  closeSession,
  createDrawer,
  expectedOf,
  findDrawer,
  moveCash,
  openSession,
  presentDrawer,
  presentSession,
  setCashSettings,
} from '../domain/cash.ts';
import type { PaymentsDeps } from '../deps.ts';
import { BASE_PATH } from '../constants.ts';

const em = () => currentEm();
const money = Joi.number().integer().min(0).max(Number.MAX_SAFE_INTEGER).description('minor units');
const positive = money.min(1);
const minor = Joi.string()
  .pattern(/^-?\d+$/)
  .description('minor units as a decimal string');
const perMethodOut = Joi.object(Object.fromEntries(PAYMENT_METHODS.map((m) => [m, minor])));

const drawerOut = Joi.object({
  id: id.required(),
  branchId: id.allow(null).required(),
  name: Joi.string().required(),
  active: Joi.boolean().required(),
  createdAt: Joi.string().isoDate(),
  updatedAt: Joi.string().isoDate(),
});
const sessionOut = Joi.object({
  id: id.required(),
  drawerId: id.required(),
  branchId: id.allow(null).required(),
  currency: currency.required(),
  status: Joi.string()
    .valid(...CASH_SESSION_STATUSES)
    .required(),
  openingFloat: minor.required(),
  openedBy: id.required(),
  openedAt: Joi.string().isoDate().required(),
  closedBy: id.allow(null).required(),
  closedAt: Joi.string().isoDate().allow(null).required(),
  counted: perMethodOut.allow(null).required(),
  approvedBy: id.allow(null).required(),
  approvedAt: Joi.string().isoDate().allow(null).required(),
  approvalNote: Joi.string().allow(null).required(),
  expected: perMethodOut
    .allow(null)
    .description('only with cash_sessions.approve in its branch (blind count): what the drawer should hold'),
  difference: perMethodOut.allow(null).description('only with cash_sessions.approve: counted − expected'),
});

const OPERATE = 'cash_sessions.operate';
const APPROVE = 'cash_sessions.approve';
const MANAGE = 'drawers.manage';

export function cashRoutes(deps: PaymentsDeps): Route[] {
  const { guard } = deps;
  const idem = idempotency({ redis: deps.redis, scope: 'payments' });
  const me = (ctx: Context) => authOf(ctx).claims.sub;
  /** A drawer of a branch the caller's `permission` covers; any other is not found. */
  const drawer = async (ctx: Context, drawerId: string, permission: string) => {
    const d = await findDrawer(em(), drawerId);
    if (!coversBranch(ctx, permission, d.branchId)) throw notFound('Drawer');
    return d;
  };
  const session = async (ctx: Context, sessionId: string, permission: string) => {
    const s = await em().findOne(CashSession, { id: sessionId });
    if (!s || !coversBranch(ctx, permission, s.branchId)) throw notFound('Cash session');
    return s;
  };
  /** The session as this caller may see it: expected amounts only for an approver of its branch. */
  const view = async (ctx: Context, s: CashSession) => {
    const manager = coversBranch(ctx, APPROVE, s.branchId);
    return presentSession(
      s,
      manager,
      manager && s.status === 'open' ? await expectedOf(em(), s.id) : undefined,
    );
  };
  const sessionParams = Joi.object<{ id: string }>({ id: id.required() });

  return [
    defineRoute({
      method: 'get',
      path: '/drawers',
      summary: "Cash drawers of the branches the caller's cash_sessions.operate covers",
      tags: ['cash'],
      auth: true,
      middleware: [guard.requirePermission(OPERATE, 'records')],
      schemas: {
        query: listQuery<{ limit: number; cursor?: string; branchId?: string; active?: boolean }>({
          branchId: id,
          active: Joi.boolean(),
        }),
        response: Joi.array().items(drawerOut),
      },
      handler: async (ctx, input) => {
        const { branchId, active, ...page } = input.query;
        const where = {
          ...branchFilter(ctx, OPERATE),
          ...(branchId && { $and: [{ branchId }] }),
          ...(active !== undefined && { active }),
        };
        const { items, meta } = await findPage(em(), Drawer, where, page);
        return reply(items.map(presentDrawer), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/drawers',
      summary: 'Add a cash drawer to a branch (its own cash_drawer ledger account)',
      tags: ['cash'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission(MANAGE, { body: 'branchId' })],
      schemas: {
        body: Joi.object<{ branchId: string; name: string }>({
          branchId: id.required(),
          name: Joi.string().trim().min(1).max(100).required(),
        }).required(),
        response: drawerOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { branches: { 'body.branchId': input.body.branchId } });
        const d = await createDrawer(em(), authOf(ctx).claims.tid, input.body.branchId, input.body.name);
        return reply(presentDrawer(d), {
          status: 201,
          headers: { Location: `${BASE_PATH}/drawers/${d.id}` },
        });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/drawers/:id',
      summary: 'Rename or (de)activate a drawer (a deactivated drawer opens no session)',
      tags: ['cash'],
      auth: true,
      middleware: [guard.requirePermission(MANAGE, 'records')],
      schemas: {
        params: Joi.object<{ id: string }>({ id: id.required() }),
        body: Joi.object<{ name?: string; active?: boolean }>({
          name: Joi.string().trim().min(1).max(100),
          active: Joi.boolean(),
        })
          .min(1)
          .required(),
        response: drawerOut,
      },
      handler: async (ctx, input) => {
        const d = await drawer(ctx, input.params.id, MANAGE);
        if (input.body.name !== undefined) d.name = input.body.name;
        if (input.body.active !== undefined) d.active = input.body.active;
        await em().flush();
        return presentDrawer(d);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/drawers/:id/sessions',
      summary:
        'Open a cash session on a drawer with its opening float (one open session per drawer: 409 SESSION_ALREADY_OPEN)',
      tags: ['cash'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission(OPERATE, 'records')],
      schemas: {
        params: Joi.object<{ id: string }>({ id: id.required() }),
        body: Joi.object<{ openingFloat: number; currency: string }>({
          openingFloat: money.required(),
          currency: currency.required(),
        }).required(),
        response: sessionOut,
      },
      handler: async (ctx, input) => {
        const d = await drawer(ctx, input.params.id, OPERATE);
        await assertMembers(guard, ctx, { currency: { 'body.currency': input.body.currency } });
        const s = await openSession(em(), d, {
          openingFloat: BigInt(input.body.openingFloat),
          currency: input.body.currency,
          userId: me(ctx),
        });
        return reply(await view(ctx, s), {
          status: 201,
          headers: { Location: `${BASE_PATH}/cash-sessions/${s.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/cash-sessions',
      summary: "Cash sessions of the caller's branches, newest first (expected amounts for approvers only)",
      tags: ['cash'],
      auth: true,
      middleware: [guard.requirePermission(OPERATE, 'records')],
      schemas: {
        query: listQuery<{
          limit: number;
          cursor?: string;
          drawerId?: string;
          status?: CashSession['status'];
        }>({ drawerId: id, status: Joi.string().valid(...CASH_SESSION_STATUSES) }),
        response: Joi.array().items(sessionOut),
      },
      handler: async (ctx, input) => {
        const { drawerId, status, ...page } = input.query;
        const where = {
          ...branchFilter(ctx, OPERATE),
          ...(drawerId && { drawerId }),
          ...(status && { status }),
        };
        const { items, meta } = await findPage(em(), CashSession, where, page);
        return reply(await Promise.all(items.map((s) => view(ctx, s))), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/cash-sessions/:id',
      summary: 'One cash session (a counter never sees what the drawer should hold: blind count)',
      tags: ['cash'],
      auth: true,
      middleware: [guard.requirePermission(OPERATE, 'records')],
      schemas: { params: sessionParams, response: sessionOut },
      handler: async (ctx, input) => view(ctx, await session(ctx, input.params.id, OPERATE)),
    }),
    defineRoute({
      method: 'post',
      path: '/cash-sessions/:id/movements',
      summary: 'Cash into (cash_in) or out of (cash_out) the drawer, with a reason; Idempotency-Key required',
      tags: ['cash'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission(OPERATE, 'records'), idem],
      schemas: {
        params: sessionParams,
        body: Joi.object<{ type: 'cash_in' | 'cash_out'; amount: number; reason: string }>({
          type: Joi.string().valid('cash_in', 'cash_out').required(),
          amount: positive.required(),
          reason: Joi.string().trim().min(1).max(200).required(),
        }).required(),
        response: sessionOut,
      },
      handler: async (ctx, input) => {
        const s = await session(ctx, input.params.id, OPERATE);
        const moved = await moveCash(em(), s.id, {
          ...input.body,
          amount: BigInt(input.body.amount),
          key: `cash-session:${s.id}:${scopedIdempotencyKey(ctx)}`,
          userId: me(ctx),
        });
        return reply(await view(ctx, moved), { status: 201 });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/cash-sessions/:id/close',
      summary:
        'Close with a blind count per method; a difference beyond the threshold waits for approval (pending_approval)',
      tags: ['cash'],
      auth: true,
      middleware: [guard.requirePermission(OPERATE, 'records')],
      schemas: {
        params: sessionParams,
        body: Joi.object<{ counted: Partial<Record<(typeof PAYMENT_METHODS)[number], number>> }>({
          counted: Joi.object(Object.fromEntries(PAYMENT_METHODS.map((m) => [m, money])))
            .min(1)
            .required()
            .description('what was counted per method, minor units (a method left out counts 0)'),
        }).required(),
        response: sessionOut,
      },
      handler: async (ctx, input) => {
        const s = await session(ctx, input.params.id, OPERATE);
        const counted: PerMethod = Object.fromEntries(
          Object.entries(input.body.counted).map(([m, v]) => [m, String(v)]),
        );
        return view(ctx, await closeSession(em(), s.id, { counted, userId: me(ctx) }));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/cash-sessions/:id/approve',
      summary: 'Approve a count beyond the threshold, with a note: the session is closed for good',
      tags: ['cash'],
      auth: true,
      middleware: [guard.requirePermission(APPROVE, 'records')],
      schemas: {
        params: sessionParams,
        body: Joi.object<{ note: string }>({
          note: Joi.string().trim().min(1).max(500).required(),
        }).required(),
        response: sessionOut,
      },
      handler: async (ctx, input) => {
        const s = await session(ctx, input.params.id, APPROVE);
        return view(ctx, await approveSession(em(), s.id, { note: input.body.note, userId: me(ctx) }));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/cash-settings',
      summary:
        "The business's cash rules: the count difference (minor units, any method) allowed without approval",
      tags: ['cash'],
      auth: true,
      middleware: [guard.requirePermission(MANAGE, 'tenant')],
      schemas: { response: Joi.object({ approvalThreshold: minor.required() }) },
      handler: async (ctx) => {
        const s = await cashSettings(em(), authOf(ctx).claims.tid);
        return { approvalThreshold: s.approvalThreshold.toString() };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/cash-settings',
      summary: 'Set the count difference allowed without approval (default 0: every difference is approved)',
      tags: ['cash'],
      auth: true,
      middleware: [guard.requirePermission(MANAGE, 'tenant')],
      schemas: {
        body: Joi.object<{ approvalThreshold: number }>({ approvalThreshold: money.required() }).required(),
        response: Joi.object({ approvalThreshold: minor.required() }),
      },
      handler: async (ctx, input) => {
        const s = await setCashSettings(em(), authOf(ctx).claims.tid, BigInt(input.body.approvalThreshold));
        return { approvalThreshold: s.approvalThreshold.toString() };
      },
    }),
  ];
}
