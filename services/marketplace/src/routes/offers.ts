import Joi from 'joi';
import type { Context } from 'koa';
import {
  DomainError,
  assertMembers,
  findPage,
  notFound,
  paginationQuery,
  reply,
  type Route,
  defineRoute,
} from '@faena/platform';
import type { MarketplaceDeps } from '../deps.ts';
import { OFFER_STATUSES, Offer, PAYMENT_METHODS, Professional, type Job } from '../domain/entities.ts';
import { presentJob } from '../domain/jobs.ts';
import { acceptOffer, closeOffer, editOffer, presentOffer, sendOffer } from '../domain/offers.ts';
import { escrowStateOf, startEscrow } from '../escrow.ts';
import { amount, currency, em, id, me, tenant } from './common.ts';
import { BASE_PATH } from '../constants.ts';
import { acceptedOut, offerOut } from './responses.ts';

export function offerRoutes(deps: MarketplaceDeps): Route[] {
  const { guard } = deps;
  /** An offer the caller is a party of; anyone else's (or another tenant's) is not found. */
  const load = async (ctx: Context, offerId: string) => {
    const o = await em().findOne(Offer, { id: offerId });
    if (!o || (o.clientId !== me(ctx) && o.professionalId !== me(ctx))) throw notFound('Offer');
    return o;
  };
  const params = Joi.object<{ id: string }>({ id: id.required() });
  return [
    defineRoute({
      method: 'post',
      path: '/offers',
      summary: 'Send a client an offer (approved professionals only)',
      tags: ['offers'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('offers.send', 'self')],
      schemas: {
        response: offerOut,
        body: Joi.object<{
          clientId: string;
          description: string;
          amount: number | string;
          currency: string;
          expiresAt: Date;
        }>({
          clientId: id.required(),
          description: Joi.string().trim().min(1).max(4000).required(),
          amount: amount.required(),
          currency: currency.required(),
          expiresAt: Joi.date().iso().required(),
        }).required(),
      },
      handler: async (ctx, input) => {
        const b = input.body;
        // The client must be a user of this business (before: any UUID was offered to).
        await assertMembers(guard, ctx, {
          users: { 'body.clientId': b.clientId },
          currency: { 'body.currency': b.currency },
        });
        const o = await sendOffer(em(), tenant(ctx), me(ctx), { ...b, amount: BigInt(b.amount) });
        return reply(presentOffer(o), { status: 201, headers: { Location: `${BASE_PATH}/offers/${o.id}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/offers',
      summary: 'Offers I sent (as professional) or received (as client), newest first, by status',
      tags: ['offers'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        response: Joi.array().items(offerOut),
        query: Joi.object<{
          limit: number;
          cursor?: string;
          role?: 'professional' | 'client';
          status?: Offer['status'];
        }>({
          ...paginationQuery,
          role: Joi.string().valid('professional', 'client'),
          status: Joi.string().valid(...OFFER_STATUSES),
        }),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = {};
        if (q.role === 'professional') where.professionalId = me(ctx);
        else if (q.role === 'client') where.clientId = me(ctx);
        else where.$or = [{ professionalId: me(ctx) }, { clientId: me(ctx) }];
        if (q.status) where.status = q.status;
        const { items, meta } = await findPage(em(), Offer, where, q);
        const now = new Date();
        return reply(
          items.map((o) => presentOffer(o, now)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/offers/:id',
      summary: 'One offer (its professional or client)',
      tags: ['offers'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { response: offerOut, params },
      handler: async (ctx, input) => presentOffer(await load(ctx, input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/offers/:id',
      summary: 'Change a pending, unexpired offer (its professional)',
      tags: ['offers'],
      auth: true,
      middleware: [guard.requirePermission('offers.send', 'self')],
      schemas: {
        response: offerOut,
        params,
        body: Joi.object<{
          description?: string;
          amount?: number | string;
          currency?: string;
          expiresAt?: Date;
        }>({
          description: Joi.string().trim().min(1).max(4000),
          amount,
          currency,
          expiresAt: Joi.date().iso(),
        })
          .min(1)
          .required(),
      },
      handler: async (ctx, input) => {
        const b = input.body;
        await assertMembers(guard, ctx, { currency: { 'body.currency': b.currency } });
        return presentOffer(
          await editOffer(em(), input.params.id, me(ctx), {
            ...b,
            amount: b.amount === undefined ? undefined : BigInt(b.amount),
          }),
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/offers/:id/withdraw',
      summary: 'Withdraw a pending offer (its professional)',
      tags: ['offers'],
      auth: true,
      middleware: [guard.requirePermission('offers.send', 'self')],
      schemas: { response: offerOut, params },
      handler: async (ctx, input) =>
        presentOffer(await closeOffer(em(), input.params.id, me(ctx), 'withdrawn')),
    }),
    defineRoute({
      method: 'post',
      path: '/offers/:id/reject',
      summary: 'Reject a pending offer (its client)',
      tags: ['offers'],
      auth: true,
      middleware: [guard.requirePermission('offers.respond', 'self')],
      schemas: { response: offerOut, params },
      handler: async (ctx, input) =>
        presentOffer(await closeOffer(em(), input.params.id, me(ctx), 'rejected')),
    }),
    defineRoute({
      method: 'post',
      path: '/offers/:id/accept',
      summary:
        'Accept a pending, unexpired offer (its client), naming the version it saw (changed since: 409 OFFER_CHANGED): creates the job and starts its escrow process; 202 with the job’s Location. Retrying after a failed start starts it; once the deal runs, 409 DEAL_EXISTS names its state. After `payment_failed`, accepting again pays with the method given.',
      tags: ['offers'],
      auth: true,
      status: 202,
      middleware: [guard.requirePermission('offers.respond', 'self')],
      schemas: {
        response: acceptedOut,
        params,
        body: Joi.object<{ method: Job['paymentMethod']; version: number }>({
          method: Joi.string()
            .valid(...PAYMENT_METHODS)
            .default('mercadopago'),
          version: Joi.number()
            .integer()
            .min(1)
            // The column is a PostgreSQL int: no version is larger (and joi refuses unsafe integers).
            .max(2_147_483_647)
            .required()
            .description('the version of the offer the client saw (409 OFFER_CHANGED if it changed since)'),
        }).required(),
      },
      handler: async (ctx, input) => {
        const tid = tenant(ctx);
        const { job, created } = await acceptOffer(
          em(),
          tid,
          input.params.id,
          me(ctx),
          input.body.method,
          input.body.version,
        );
        // After the commit: a failure here leaves the offer accepted and the job waiting; the same
        // accept again reaches the same job and starts the workflow (an already started one is fine).
        const pro = await em().findOne(Professional, { id: job.professionalId });
        const { workflowId, started } = await startEscrow(deps.temporal, deps.escrowTaskQueue, tid, job, {
          ...(pro && { professionalName: pro.displayName }),
          ...(deps.escrowWindows && { windows: deps.escrowWindows }),
        });
        if (!created && !started) {
          // The deal already runs (or ran): say where it is rather than pretend to start it again.
          const state = (await escrowStateOf(deps.temporal, workflowId)) ?? job.status;
          throw new DomainError(
            'DEAL_EXISTS',
            `The offer is already accepted: its deal (job ${job.id}) is ${state}${
              state === 'payment_failed' ? '; accept again to pay with another method' : ''
            }`,
            { headers: { Location: `${BASE_PATH}/jobs/${job.id}` } },
          );
        }
        deps.logger.info('offer accepted', {
          offerId: job.offerId,
          jobId: job.id,
          workflowId,
          created,
          started,
        });
        const location = `${BASE_PATH}/jobs/${job.id}`;
        return reply(
          {
            job: presentJob(job),
            workflowId,
            links: { job: location, escrow: `${location}/escrow`, timeline: `${location}/timeline` },
          },
          { status: 202, headers: { Location: location } },
        );
      },
    }),
  ];
}
