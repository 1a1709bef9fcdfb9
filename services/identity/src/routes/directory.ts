import Joi from 'joi';
import { authOf, currentEm, defineRoute, uuid, type Route } from '@faena/platform';
import { Branch, Tenant, User } from '../domain/entities.ts';
import type { IdentityDeps } from '../deps.ts';

const ids = Joi.array().items(uuid).max(100).default([]);

/**
 * What other services ask of the caller's business before they record a reference to it (a
 * payer, a payee, a branch, an offer's client): which of these ids are its active users and open
 * branches, the currency it charges in and its SaaS plan (services enforce its limits). Only the
 * caller's own business is answered (the tenant filter), so nothing of another business is
 * disclosed; ids not found are simply absent.
 */
export function directoryRoutes({ guard }: IdentityDeps): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/directory/lookup',
      summary:
        "Which of these ids are active users and open branches of the caller's business (for other services)",
      tags: ['directory'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        body: Joi.object<{ users: string[]; branches: string[] }>({ users: ids, branches: ids }).required(),
        response: Joi.object({
          users: Joi.array().items(uuid).required(),
          branches: Joi.array().items(uuid).required(),
          currency: Joi.string().length(3).required().description('the currency the business charges in'),
          plan: Joi.string()
            .required()
            .description("the business's SaaS plan (limits: @faena/platform/plans)"),
        }),
      },
      handler: async (ctx, input) => {
        const em = currentEm();
        const { tid } = authOf(ctx).claims;
        const [tenant, users, branches] = await Promise.all([
          em.findOneOrFail(Tenant, { id: tid }, { fields: ['currency', 'plan'] }),
          input.body.users.length
            ? em.find(
                User,
                { tenantId: tid, id: { $in: input.body.users }, status: 'active' },
                { fields: ['id'] },
              )
            : [],
          input.body.branches.length
            ? em.find(Branch, { tenantId: tid, id: { $in: input.body.branches } }, { fields: ['id'] })
            : [],
        ]);
        return {
          users: users.map((u) => u.id),
          branches: branches.map((b) => b.id),
          currency: tenant.currency,
          plan: tenant.plan,
        };
      },
    }),
  ];
}
