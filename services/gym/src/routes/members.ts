import Joi from 'joi';
import type { Context } from 'koa';
import {
  assertMembers,
  branchFilter,
  coversBranch,
  defineRoute,
  notFound,
  paginationQuery,
  reply,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { Member, type EmergencyContact } from '../domain/entities.ts';
import {
  createMember,
  healthOf,
  memberOfUser,
  presentMember,
  removeMember,
  searchMembers,
  setHealth,
  updateMember,
} from '../domain/members.ts';
import { day, em, id, me, params, text } from './common.ts';
import { healthOut, memberOut } from './responses.ts';

const emergencyContact = Joi.object<EmergencyContact>({
  name: text(120).required(),
  phone: text(40).required(),
  relation: text(60),
});
const profile = {
  firstName: text(100),
  lastName: text(100),
  email: Joi.string().trim().email({ tlds: false }).max(254).allow(null),
  phone: text(40).allow(null),
  document: text(40).allow(null),
  birthDate: day.allow(null),
  emergencyContact: emergencyContact.allow(null),
  userId: id.allow(null).description('the identity user who logs in as this member (client role)'),
};
interface Profile {
  firstName: string;
  lastName: string;
  email?: string | null;
  phone?: string | null;
  document?: string | null;
  birthDate?: string | null;
  emergencyContact?: EmergencyContact | null;
  userId?: string | null;
}

/**
 * A member the caller may act on with `permission`: one of a branch their grant covers; any other
 * (another branch's, another business's, a removed one) is not found.
 */
export async function loadMember(ctx: Context, memberId: string, permission: string): Promise<Member> {
  const m = await em().findOne(Member, { id: memberId });
  if (!m || !coversBranch(ctx, permission, m.branchId)) throw notFound('Member');
  return m;
}

export function memberRoutes(deps: GymDeps): Route[] {
  const { guard } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/members',
      summary: 'Enrol a member in a branch (optionally linked to the identity user who logs in as them)',
      tags: ['members'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('members.manage', { body: 'branchId' })],
      schemas: {
        body: Joi.object<Profile & { branchId: string }>({
          ...profile,
          branchId: id.required(),
          firstName: profile.firstName.required(),
          lastName: profile.lastName.required(),
        }).required(),
        response: memberOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        await assertMembers(guard, ctx, {
          users: { 'body.userId': b.userId },
          branches: { 'body.branchId': b.branchId },
        });
        const m = await createMember(em(), b);
        return reply(presentMember(m), {
          status: 201,
          headers: { Location: `${BASE_PATH}/members/${m.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members',
      summary:
        "Members of the branches the caller's members.read covers, newest first; q finds name, email or document",
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; q?: string; branchId?: string }>({
          ...paginationQuery,
          q: text(100),
          branchId: id,
        }),
        response: Joi.array().items(memberOut),
      },
      handler: async (ctx, input) => {
        const { items, meta } = await searchMembers(em(), branchFilter(ctx, 'members.read'), input.query);
        return reply(items.map(presentMember), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/me',
      summary: 'My own member record (a member who logs in)',
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: { response: memberOut },
      handler: async (ctx) => presentMember(await memberOfUser(em(), me(ctx))),
    }),
    defineRoute({
      method: 'get',
      path: '/members/:id',
      summary: 'One member (no health notes: GET /members/:id/health)',
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: { params, response: memberOut },
      handler: async (ctx, input) => presentMember(await loadMember(ctx, input.params.id, 'members.read')),
    }),
    defineRoute({
      method: 'patch',
      path: '/members/:id',
      summary: "Change a member's profile, emergency contact or identity link",
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.manage', 'records')],
      schemas: { params, body: Joi.object<Partial<Profile>>(profile).min(1).required(), response: memberOut },
      handler: async (ctx, input) => {
        const m = await loadMember(ctx, input.params.id, 'members.manage');
        await assertMembers(guard, ctx, { users: { 'body.userId': input.body.userId } });
        return presentMember(await updateMember(em(), m, input.body));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/members/:id',
      summary: 'Remove a member (soft delete: memberships and bookings stay as history)',
      tags: ['members'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('members.manage', 'records')],
      schemas: { params },
      handler: async (ctx, input) => {
        await removeMember(em(), await loadMember(ctx, input.params.id, 'members.manage'));
        return reply(null, { status: 204 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/:id/health',
      summary: "A member's health notes (members.health only)",
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.health', 'records')],
      schemas: { params, response: healthOut },
      handler: async (ctx, input) => healthOf(em(), await loadMember(ctx, input.params.id, 'members.health')),
    }),
    defineRoute({
      method: 'put',
      path: '/members/:id/health',
      summary: "Record a member's health notes (members.health only; null clears them)",
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.health', 'records')],
      schemas: {
        params,
        body: Joi.object<{ healthNotes: string | null }>({
          healthNotes: Joi.string().max(4000).allow('', null).required(),
        }).required(),
        response: healthOut,
      },
      handler: async (ctx, input) =>
        setHealth(em(), await loadMember(ctx, input.params.id, 'members.health'), input.body.healthNotes),
    }),
  ];
}
