import Joi from 'joi';
import {
  authOf,
  branchFilter,
  containsPattern,
  currentEm,
  findPage,
  notFound,
  reply,
  type Route,
  defineRoute,
} from '@faena/platform';
import { bumpPermissionVersion } from '../domain/access.ts';
import { Branch } from '../domain/entities.ts';
import { enforceIdentityLimit } from '../domain/plans.ts';
import type { IdentityDeps } from '../deps.ts';
import { address, idParams, list, timeZone } from './schemas.ts';
import { BASE_PATH } from '../constants.ts';

const branchOut = Joi.object({
  id: Joi.string(),
  name: Joi.string(),
  timeZone: Joi.string(),
  address: address,
  createdAt: Joi.string().isoDate(),
  updatedAt: Joi.string().isoDate(),
});
/** A branch as the API answers it (`branchOut`). */
const presentBranch = (b: Branch) => ({
  id: b.id,
  name: b.name,
  timeZone: b.timeZone,
  address: b.address,
  createdAt: b.createdAt.toISOString(),
  updatedAt: b.updatedAt.toISOString(),
});

export function branchRoutes({ guard, redis }: IdentityDeps): Route[] {
  const load = async (id: string) =>
    (await currentEm().findOne(Branch, { id })) ?? Promise.reject(notFound('Branch'));
  return [
    defineRoute({
      method: 'get',
      path: '/branches',
      summary: 'Branches of the business',
      tags: ['branches'],
      auth: true,
      middleware: [guard.requirePermission('branches.read', 'records')],
      schemas: {
        query: list<{ limit: number; cursor?: string; q?: string }>({ q: Joi.string().max(100) }),
        response: Joi.array().items(branchOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const { items, meta } = await findPage(
          currentEm(),
          Branch,
          {
            ...branchFilter(ctx, 'branches.read', 'id'),
            ...(q.q && { name: { $ilike: containsPattern(q.q) } }),
          },
          q,
        );
        return reply(items.map(presentBranch), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/branches',
      summary: 'Open a branch',
      tags: ['branches'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('branches.manage', 'tenant')],
      schemas: {
        body: Joi.object<Pick<Branch, 'name' | 'timeZone' | 'address'>>({
          name: Joi.string().max(200).required(),
          timeZone: timeZone.required(),
          address: address.required(),
        }).required(),
        response: branchOut,
      },
      handler: async (ctx, input) => {
        const branch = await currentEm().transactional(async (tx) => {
          await enforceIdentityLimit(tx, authOf(ctx).claims.tid, 'branches');
          return tx.create(Branch, input.body);
        });
        return reply(presentBranch(branch), {
          status: 201,
          headers: { Location: `${BASE_PATH}/branches/${branch.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/branches/:id',
      summary: 'One branch',
      tags: ['branches'],
      auth: true,
      middleware: [guard.requirePermission('branches.read', { param: 'id' })],
      schemas: { params: idParams, response: branchOut },
      handler: async (_ctx, input) => presentBranch(await load(input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/branches/:id',
      summary: 'Change a branch',
      tags: ['branches'],
      auth: true,
      middleware: [guard.requirePermission('branches.manage', { param: 'id' })],
      schemas: {
        params: idParams,
        body: Joi.object<Partial<Branch>>({ name: Joi.string().max(200), timeZone, address })
          .min(1)
          .required(),
        response: branchOut,
      },
      handler: async (_ctx, input) => {
        const branch = await load(input.params.id);
        currentEm().assign(branch, input.body);
        await currentEm().flush();
        return presentBranch(branch);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/branches/:id',
      summary: 'Close a branch (soft delete)',
      tags: ['branches'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('branches.manage', 'tenant')],
      schemas: { params: idParams },
      handler: async (ctx, input) => {
        const em = currentEm();
        em.remove(await load(input.params.id));
        await em.flush();
        // Grants scoped to the branch end with it (computeGrants skips closed branches): every guard
        // and socket of the business re-resolves at once.
        await bumpPermissionVersion(redis, authOf(ctx).claims.tid);
        return reply(null, { status: 204 });
      },
    }),
  ];
}
