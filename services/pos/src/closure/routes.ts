/**
 * The nightly cash closure's routes: a branch's closure settings (its closing time; saving them
 * creates or updates the branch's schedule), its closures with their stored report, and the
 * approval of a day's differences — through the running process's `approveClosure` Update, after
 * the route checked `closures.approve` in the closure's branch.
 */
import Joi from 'joi';
import type { Context } from 'koa';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  DomainError,
  assertMembers,
  authOf,
  branchFilter,
  coversBranch,
  defineRoute,
  errorMessage,
  findPage,
  notFound,
  paginationQuery,
  processCallError,
  reply,
  uuid,
  type Route,
} from '@faena/platform';
import { approveClosure } from '@faena/workflows/cash-closure/contract';
import type { PosDeps } from '../deps.ts';
import { em, iso, params, text } from '../routes/common.ts';
import {
  closureClock,
  closureSettings,
  loadClosure,
  presentClosure,
  presentClosureSettings,
  setClosureSettings,
  type ClosureSettingsInput,
} from './domain.ts';
import { CLOSURE_STATES, CashClosure } from './entities.ts';
import { syncClosureSchedule } from './schedule.ts';
import { branchSettings } from '../domain/menu.ts';

const branchParams = Joi.object<{ branchId: string }>({ branchId: uuid.required() });
const minutes = Joi.number().integer().min(1).max(10_080);
const settingsOut = Joi.object({
  branchId: uuid.required(),
  closingTime: Joi.string().required(),
  closesNextDay: Joi.boolean().required(),
  timeZone: Joi.string().required(),
  remindAfterMinutes: Joi.number().integer().required(),
  escalateAfterMinutes: Joi.number().integer().required(),
  updatedAt: iso.required(),
});
const closureOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  businessDate: Joi.string().required(),
  state: Joi.string()
    .valid(...CLOSURE_STATES)
    .required(),
  timeZone: Joi.string().required(),
  windowFrom: iso.required(),
  windowTo: iso.required(),
  needsApproval: Joi.boolean().required(),
  reportedAt: iso.allow(null).required(),
  approvedBy: uuid.allow(null).required(),
  approvedAt: iso.allow(null).required(),
  approvalNote: Joi.string().allow(null).required(),
  workflowId: Joi.string().required(),
  report: Joi.object().unknown(true).allow(null),
});
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Keeps the branch's schedule in step with its settings and zone (called after they are saved). */
export async function syncBranchClosureSchedule(
  deps: Pick<PosDeps, 'temporal' | 'logger'>,
  ctx: Context,
  branchId: string,
) {
  const clock = await closureClock(em(), branchId);
  if (!clock) return null;
  try {
    return await syncClosureSchedule(deps.temporal, authOf(ctx).claims.tid, branchId, clock);
  } catch (err) {
    deps.logger.warn('closure schedule not synced', { branchId, error: errorMessage(err) });
    throw new DomainError(
      'SERVICE_UNAVAILABLE',
      "The settings are saved but the branch's closure schedule could not be updated: send them again",
    );
  }
}

export function closureRoutes(deps: PosDeps): Route[] {
  const { guard } = deps;
  const closureIn = async (ctx: Context, permission: string, id: string) => {
    const c = await loadClosure(em(), id);
    if (!coversBranch(ctx, permission, c.branchId)) throw notFound('Closure');
    return c;
  };
  return [
    defineRoute({
      method: 'put',
      path: '/branches/:branchId/closure-settings',
      summary:
        "Set a branch's nightly cash closure: its local closing time, whether it closes after midnight, the approval reminder and escalation (creates or updates its schedule)",
      tags: ['closures'],
      auth: true,
      middleware: [guard.requirePermission('closures.configure', { param: 'branchId' })],
      schemas: {
        params: branchParams,
        body: Joi.object<ClosureSettingsInput>({
          closingTime: Joi.string()
            .pattern(/^([01]\d|2[0-3]):[0-5]\d$/)
            .required(),
          closesNextDay: Joi.boolean(),
          remindAfterMinutes: minutes,
          escalateAfterMinutes: minutes,
        }).required(),
        response: settingsOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { branches: { 'params.branchId': input.params.branchId } });
        const { settings, timeZone } = await setClosureSettings(em(), input.params.branchId, input.body);
        await syncBranchClosureSchedule(deps, ctx, input.params.branchId);
        return presentClosureSettings(settings, timeZone);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/branches/:branchId/closure-settings',
      summary: "A branch's nightly cash closure settings",
      tags: ['closures'],
      auth: true,
      middleware: [guard.requirePermission('closures.read', { param: 'branchId' })],
      schemas: { params: branchParams, response: settingsOut },
      handler: async (_ctx, input) => {
        const s = await closureSettings(em(), input.params.branchId);
        return presentClosureSettings(s, (await branchSettings(em(), input.params.branchId)).timeZone);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/closures',
      summary: "The nightly cash closures of the caller's branches, newest first (without their report)",
      tags: ['closures'],
      auth: true,
      middleware: [guard.requirePermission('closures.read', 'records')],
      schemas: {
        query: Joi.object<{
          limit: number;
          cursor?: string;
          branchId?: string;
          state?: string;
          from?: string;
          to?: string;
        }>({
          ...paginationQuery,
          branchId: uuid,
          state: Joi.string().valid(...CLOSURE_STATES),
          from: Joi.string().pattern(DAY),
          to: Joi.string().pattern(DAY),
        }),
        response: Joi.array().items(closureOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = { ...branchFilter(ctx, 'closures.read') };
        const and: Array<Record<string, unknown>> = [];
        if (q.branchId) and.push({ branchId: q.branchId });
        if (q.from) and.push({ businessDate: { $gte: q.from } });
        if (q.to) and.push({ businessDate: { $lte: q.to } });
        if (and.length) where.$and = and;
        if (q.state) where.state = q.state;
        const { items, meta } = await findPage(em(), CashClosure, where, q);
        return reply(
          items.map((c) => presentClosure(c, false)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/closures/:id',
      summary: 'One nightly cash closure with its stored report (sales, sessions and differences)',
      tags: ['closures'],
      auth: true,
      middleware: [guard.requirePermission('closures.read', 'records')],
      schemas: { params, response: closureOut },
      handler: async (ctx, input) =>
        presentClosure(await closureIn(ctx, 'closures.read', input.params.id), true),
    }),
    defineRoute({
      method: 'post',
      path: '/closures/:id/approve',
      summary:
        "Approve a closure's differences beyond the threshold, with a note (only while it awaits approval: 409 otherwise)",
      tags: ['closures'],
      auth: true,
      middleware: [guard.requirePermission('closures.approve', 'records')],
      schemas: {
        params,
        body: Joi.object<{ note: string }>({ note: text(500).required() }).required(),
        response: closureOut,
      },
      handler: async (ctx, input) => {
        const c = await closureIn(ctx, 'closures.approve', input.params.id);
        if (c.state !== 'awaiting_approval')
          throw new DomainError(
            'INVALID_STATE_TRANSITION',
            `This closure is ${c.state}: there is nothing to approve`,
          );
        try {
          await deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(approveClosure, {
            args: [{ userId: authOf(ctx).claims.sub, note: input.body.note }],
          });
        } catch (err) {
          const notWaiting = new DomainError(
            'INVALID_STATE_TRANSITION',
            'This closure is not waiting for an approval',
          );
          if (err instanceof WorkflowUpdateFailedError) throw notWaiting;
          throw processCallError(err, 'cash closure', notWaiting);
        }
        em().clear();
        return presentClosure(await loadClosure(em(), c.id), false);
      },
    }),
  ];
}
