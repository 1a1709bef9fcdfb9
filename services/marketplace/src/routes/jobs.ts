import Joi from 'joi';
import type { Context } from 'koa';
import type { UpdateDefinition } from '@temporalio/client';
import {
  DomainError,
  findPage,
  notFound,
  paginationQuery,
  reply,
  type Route,
  defineRoute,
  errorMessage,
} from '@faena/platform';
import {
  approve,
  cancel,
  dispute,
  markCompleted,
  resolveDispute,
  retry,
  type EscrowStatus,
} from '@faena/workflows/escrow/contract';
import type { MarketplaceDeps } from '../deps.ts';
import { Dispute, JOB_STATUSES, Job, JobEvent, Review, type JobStatus } from '../domain/entities.ts';
import { assertNotParty, presentDispute, presentEvent, presentJob, presentJobAs } from '../domain/jobs.ts';
import { loadProfessional } from '../domain/professionals.ts';
import { presentReview, replyToReview, writeReview } from '../domain/reviews.ts';
import { escrowError, queryEscrow } from '../escrow.ts';
import { em, id, isOperator, me, nonNegativeAmount } from './common.ts';
import { dealOut, disputeOut, escrowOut, jobEventOut, jobOut, reviewOut } from './responses.ts';

const TERMINAL: readonly JobStatus[] = ['paid_out', 'resolved', 'cancelled'];

export function jobRoutes(deps: MarketplaceDeps): Route[] {
  const { guard } = deps;
  const read = guard.requirePermission('jobs.read', 'self');
  /** A job the caller is a party of, or any job for an operator; otherwise not found. */
  const load = async (ctx: Context, jobId: string, as?: 'client' | 'professional') => {
    const j = await em().findOne(Job, { id: jobId });
    const user = me(ctx);
    const party = j && (j.clientId === user || j.professionalId === user);
    if (!j || (!party && !isOperator(ctx))) throw notFound('Job');
    if (as === 'client' && j.clientId !== user)
      throw new DomainError('FORBIDDEN', 'Only the job’s client can do this');
    if (as === 'professional' && j.professionalId !== user)
      throw new DomainError('FORBIDDEN', 'Only the job’s professional can do this');
    return j;
  };
  /**
   * Runs an escrow Update and answers with the state it moved the deal to: the Update's result
   * (the escrow), and the job as that state shows it (its row follows a moment later, when the
   * workflow records the step).
   */
  const update = async <A>(job: Job, def: UpdateDefinition<EscrowStatus, [A]>, arg: A) => {
    try {
      const escrow = await deps.temporal.workflow
        .getHandle(job.workflowId)
        .executeUpdate(def, { args: [arg] });
      return { job: presentJobAs(job, escrow), escrow };
    } catch (err) {
      const mapped = escrowError(err);
      if (mapped.code === 'NOT_FOUND' && TERMINAL.includes(job.status))
        throw new DomainError(
          'INVALID_STATE_TRANSITION',
          `The job is ${job.status}: its escrow process is over`,
        );
      if (mapped.code === 'SERVICE_UNAVAILABLE')
        deps.logger.error('escrow update failed', {
          workflowId: job.workflowId,
          error: errorMessage(err),
        });
      throw mapped;
    }
  };
  const params = Joi.object<{ id: string }>({ id: id.required() });

  return [
    defineRoute({
      method: 'get',
      path: '/jobs',
      summary: 'My jobs as client or professional (operators: all), newest first, by status',
      tags: ['jobs'],
      auth: true,
      middleware: [read],
      schemas: {
        response: Joi.array().items(jobOut),
        query: Joi.object<{ limit: number; cursor?: string; role?: string; status?: JobStatus }>({
          ...paginationQuery,
          role: Joi.string().valid('professional', 'client'),
          status: Joi.string().valid(...JOB_STATUSES),
        }),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = {};
        if (q.role === 'professional') where.professionalId = me(ctx);
        else if (q.role === 'client') where.clientId = me(ctx);
        else if (!isOperator(ctx)) where.$or = [{ professionalId: me(ctx) }, { clientId: me(ctx) }];
        if (q.status) where.status = q.status;
        const { items, meta } = await findPage(em(), Job, where, q);
        return reply(items.map(presentJob), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/jobs/:id',
      summary: 'One job',
      tags: ['jobs'],
      auth: true,
      middleware: [read],
      schemas: { response: jobOut, params },
      handler: async (ctx, input) => presentJob(await load(ctx, input.params.id)),
    }),
    defineRoute({
      method: 'get',
      path: '/jobs/:id/timeline',
      summary: 'Every status change of the job: who, when and why (both sides and operators)',
      tags: ['jobs'],
      auth: true,
      middleware: [read],
      schemas: { response: Joi.array().items(jobEventOut), params },
      handler: async (ctx, input) => {
        const j = await load(ctx, input.params.id);
        const events = await em().find(
          JobEvent,
          { jobId: j.id },
          { orderBy: { createdAt: 'asc', id: 'asc' } },
        );
        return events.map(presentEvent);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/jobs/:id/escrow',
      summary: 'The escrow process’s live state (a query of the workflow)',
      tags: ['jobs'],
      auth: true,
      middleware: [read],
      schemas: { response: escrowOut, params },
      handler: async (ctx, input) => {
        const j = await load(ctx, input.params.id);
        return queryEscrow(deps.temporal, j.workflowId);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/jobs/:id/complete',
      summary: 'The professional marks the job done (starts the client’s approval window)',
      tags: ['jobs'],
      auth: true,
      middleware: [read],
      schemas: {
        response: dealOut,
        params,
        body: Joi.object<{ note?: string }>({ note: Joi.string().trim().max(1000) }).default({}),
      },
      handler: async (ctx, input) => {
        const j = await load(ctx, input.params.id, 'professional');
        const { note } = input.body;
        return update(j, markCompleted, { professionalId: me(ctx), ...(note && { note }) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/jobs/:id/approve',
      summary: 'The client approves the completed job (releases the payout)',
      tags: ['jobs'],
      auth: true,
      middleware: [guard.requirePermission('offers.respond', 'self')],
      schemas: { response: dealOut, params, body: Joi.object({}).default({}) },
      handler: async (ctx, input) => {
        const j = await load(ctx, input.params.id, 'client');
        return update(j, approve, { clientId: me(ctx) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/jobs/:id/dispute',
      summary: 'The client disputes the completed job within the approval window, with a reason and evidence',
      tags: ['disputes'],
      auth: true,
      middleware: [guard.requirePermission('offers.respond', 'self')],
      schemas: {
        response: dealOut,
        params,
        body: Joi.object<{ reason: string; evidence: string[] }>({
          reason: Joi.string().trim().min(5).max(1000).required(),
          evidence: Joi.array()
            .items(
              Joi.string()
                .trim()
                .uri({ scheme: ['https', 'http'] })
                .max(500),
            )
            .max(20)
            .default([]),
        }).required(),
      },
      handler: async (ctx, input) => {
        const j = await load(ctx, input.params.id, 'client');
        const b = input.body;
        return update(j, dispute, { clientId: me(ctx), reason: b.reason, evidence: b.evidence });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/jobs/:id/resolve',
      summary: 'An operator resolves the dispute: refund + payout must equal the held amount',
      tags: ['disputes'],
      auth: true,
      middleware: [guard.requirePermission('disputes.resolve', 'tenant')],
      schemas: {
        response: dealOut,
        params,
        body: Joi.object<{ refund: number | string; payout: number | string; note: string }>({
          refund: nonNegativeAmount.required(),
          payout: nonNegativeAmount.required(),
          note: Joi.string().trim().min(1).max(1000).required(),
        }).required(),
      },
      handler: async (ctx, input) => {
        const j = await load(ctx, input.params.id);
        assertNotParty(j, me(ctx));
        const b = input.body;
        const refund = BigInt(b.refund);
        const payout = BigInt(b.payout);
        if (refund + payout !== j.amount)
          throw new DomainError(
            'SPLIT_MISMATCH',
            `refund + payout must equal the held amount ${j.amount.toString()}`,
            { field: 'body.payout' },
          );
        return update(j, resolveDispute, {
          operatorId: me(ctx),
          refund: refund.toString(),
          payout: payout.toString(),
          note: b.note,
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/jobs/:id/retry',
      summary:
        'An operator retries the refund or payout a deal is blocked on (refund_blocked / payout_blocked), after fixing its cause; the same idempotency keys, so money never moves twice',
      tags: ['disputes'],
      auth: true,
      middleware: [guard.requirePermission('disputes.resolve', 'tenant')],
      schemas: {
        response: dealOut,
        params,
        body: Joi.object<{ note?: string }>({ note: Joi.string().trim().max(1000) }).default({}),
      },
      handler: async (ctx, input) => {
        const j = await load(ctx, input.params.id);
        const { note } = input.body;
        return update(j, retry, { operatorId: me(ctx), ...(note && { note }) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/jobs/:id/cancel',
      summary: 'Either side cancels before completion: the client is refunded in full',
      tags: ['jobs'],
      auth: true,
      middleware: [read],
      schemas: {
        response: dealOut,
        params,
        body: Joi.object<{ reason: string }>({
          reason: Joi.string().trim().min(1).max(1000).required(),
        }).required(),
      },
      handler: async (ctx, input) => {
        const j = await load(ctx, input.params.id);
        const by = j.clientId === me(ctx) ? 'client' : j.professionalId === me(ctx) ? 'professional' : null;
        if (!by) throw new DomainError('FORBIDDEN', 'Only the job’s client or professional can cancel it');
        return update(j, cancel, { by, actorId: me(ctx), reason: input.body.reason });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/disputes',
      summary: 'Disputes of the business, newest first (operators)',
      tags: ['disputes'],
      auth: true,
      middleware: [guard.requirePermission('disputes.resolve', 'tenant')],
      schemas: {
        response: Joi.array().items(disputeOut),
        query: Joi.object<{ limit: number; cursor?: string; status?: Dispute['status'] }>({
          ...paginationQuery,
          status: Joi.string().valid('open', 'resolved'),
        }),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const { items, meta } = await findPage(em(), Dispute, q.status ? { status: q.status } : {}, q);
        return reply(items.map(presentDispute), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/jobs/:id/review',
      summary: 'The client reviews an approved, paid-out or resolved job: rating 1-5 and text, once',
      tags: ['reviews'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('reviews.write', 'self')],
      schemas: {
        response: reviewOut,
        params,
        body: Joi.object<{ rating: number; text?: string }>({
          rating: Joi.number().integer().min(1).max(5).required(),
          text: Joi.string().trim().max(2000).allow(''),
        }).required(),
      },
      handler: async (ctx, input) => {
        const r = await writeReview(em(), input.params.id, me(ctx), input.body);
        return reply(presentReview(r), { status: 201 });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/reviews/:id/reply',
      summary: 'The professional replies to a review of their work, once',
      tags: ['reviews'],
      auth: true,
      middleware: [guard.requirePermission('reviews.write', 'self')],
      schemas: {
        response: reviewOut,
        params,
        body: Joi.object<{ reply: string }>({
          reply: Joi.string().trim().min(1).max(2000).required(),
        }).required(),
      },
      handler: async (ctx, input) =>
        presentReview(await replyToReview(em(), input.params.id, me(ctx), input.body.reply)),
    }),
    defineRoute({
      method: 'get',
      path: '/professionals/:id/reviews',
      summary: "A professional's reviews, newest first",
      tags: ['reviews'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        response: Joi.array().items(reviewOut),
        params,
        query: Joi.object<{ limit: number; cursor?: string }>(paginationQuery),
      },
      handler: async (_ctx, input) => {
        // Not found for a professional who is not this business's (not an empty list).
        await loadProfessional(em(), input.params.id);
        const { items, meta } = await findPage(
          em(),
          Review,
          { professionalId: input.params.id },
          input.query,
        );
        return reply(items.map(presentReview), { meta });
      },
    }),
  ];
}
