import Joi from 'joi';
import { currentEm, findPage, notFound, reply, type Route } from '@faena/platform';
import { Branch } from '../domain/entities.ts';
import type { IdentityDeps } from '../deps.ts';
import { address, idParams, list, timeZone } from './schemas.ts';

const branchOut = Joi.object({
  id: Joi.string(),
  name: Joi.string(),
  timeZone: Joi.string(),
  address: address,
});

export function branchRoutes({ guard }: IdentityDeps): Route[] {
  const load = async (id: string) =>
    (await currentEm().findOne(Branch, { id })) ?? Promise.reject(notFound('Branch'));
  return [
    {
      method: 'get',
      path: '/branches',
      summary: 'Branches of the business',
      tags: ['branches'],
      auth: true,
      middleware: [guard.requirePermission('branches.read')],
      schemas: { query: list({ q: Joi.string().max(100) }), response: Joi.array().items(branchOut) },
      handler: async (_ctx, input) => {
        const q = input.query as { limit: number; cursor?: string; q?: string };
        const { items, meta } = await findPage(
          currentEm(),
          Branch,
          q.q ? { name: { $ilike: `%${q.q}%` } } : {},
          q,
        );
        return reply(items, { meta });
      },
    },
    {
      method: 'post',
      path: '/branches',
      summary: 'Open a branch',
      tags: ['branches'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('branches.manage')],
      schemas: {
        body: Joi.object({
          name: Joi.string().max(200).required(),
          timeZone: timeZone.required(),
          address: address.required(),
        }).required(),
        response: branchOut,
      },
      handler: async (_ctx, input) => {
        const em = currentEm();
        const branch = em.create(Branch, input.body as Pick<Branch, 'name' | 'timeZone' | 'address'>);
        await em.flush();
        return reply(branch, {
          status: 201,
          headers: { Location: `/api/identity/v1/branches/${branch.id}` },
        });
      },
    },
    {
      method: 'get',
      path: '/branches/:id',
      summary: 'One branch',
      tags: ['branches'],
      auth: true,
      middleware: [guard.requirePermission('branches.read')],
      schemas: { params: idParams, response: branchOut },
      handler: async (_ctx, input) => load(input.params.id as string),
    },
    {
      method: 'patch',
      path: '/branches/:id',
      summary: 'Change a branch',
      tags: ['branches'],
      auth: true,
      middleware: [guard.requirePermission('branches.manage')],
      schemas: {
        params: idParams,
        body: Joi.object({ name: Joi.string().max(200), timeZone, address })
          .min(1)
          .required(),
        response: branchOut,
      },
      handler: async (_ctx, input) => {
        const branch = await load(input.params.id as string);
        currentEm().assign(branch, input.body as Partial<Branch>);
        await currentEm().flush();
        return branch;
      },
    },
    {
      method: 'delete',
      path: '/branches/:id',
      summary: 'Close a branch (soft delete)',
      tags: ['branches'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('branches.manage')],
      schemas: { params: idParams },
      handler: async (_ctx, input) => {
        const em = currentEm();
        em.remove(await load(input.params.id as string));
        await em.flush();
        return reply(null, { status: 204 });
      },
    },
  ];
}
