import Joi from 'joi';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import {
  DomainError,
  assertMembers,
  branchFilter,
  coversBranch,
  defineRoute,
  findPage,
  notFound,
  paginationQuery,
  reply,
  type Route,
} from '@faena/platform';
import { publishRealtime, rooms } from '@faena/notifications/realtime';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { Member } from '../domain/entities.ts';
import { memberOfUser } from '../domain/members.ts';
import {
  attendFromDoor,
  checkInManually,
  checkInWithToken,
  checkOut,
  consumeToken,
  issuePass,
  loadCheckIn,
  occupancyOf,
  presentCheckIn,
} from '../domain/reception.ts';
import { CheckIn } from '../domain/reception-entities.ts';
import { settingsOf } from '../domain/settings.ts';
import { em, id, me, params, tenant, text } from './common.ts';
import { checkInOut, checkinCodeOut, occupancyOut } from './reception-responses.ts';

const token = Joi.string().trim().max(200).description('what the member’s QR code says');

export function receptionRoutes(deps: GymDeps): Route[] {
  const { guard } = deps;
  const cfg = { secret: deps.checkinToken.secret, ttlSeconds: deps.checkinToken.ttlSeconds };
  const zone = async (ctx: Context) => (await settingsOf(em(), tenant(ctx))).timeZone;

  /** Tells the branch's front-desk room how many are inside (best effort: the visit is recorded). */
  const announce = async (ctx: Context, branchId: string) => {
    const occupancy = await occupancyOf(em(), branchId, new Date());
    try {
      await publishRealtime(deps.redis, {
        tenantId: tenant(ctx),
        room: rooms.gym(tenant(ctx), branchId),
        event: 'occupancy:changed',
        data: { branchId, occupancy },
      });
    } catch (err) {
      deps.logger.warn('occupancy not published', { branchId, error: String(err) });
    }
  };

  return [
    defineRoute({
      method: 'post',
      path: '/members/me/checkin-codes',
      summary:
        'A new single-use check-in code for the door (a member who logs in): the signed token and its QR as SVG and PNG; it expires in CHECKIN_TOKEN_TTL_SECONDS',
      tags: ['reception'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: { response: checkinCodeOut },
      handler: async (ctx) => {
        const member = await memberOfUser(em(), me(ctx));
        const { token: t, expiresAt } = await issuePass(em(), cfg, member, new Date());
        const [svg, png] = await Promise.all([
          QRCode.toString(t, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
          QRCode.toDataURL(t, { type: 'image/png', errorCorrectionLevel: 'M', margin: 2, width: 320 }),
        ]);
        return reply(
          { token: t, expiresAt: expiresAt.toISOString(), svg, png },
          { status: 201, headers: { 'Cache-Control': 'no-store' } },
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/reception/check-ins',
      summary:
        "Check a member in at a branch's door with the code they show (signed, expiring, single use; 422 CHECKIN_TOKEN_INVALID / CHECKIN_TOKEN_EXPIRED, 409 CHECKIN_TOKEN_USED); their membership must cover today",
      tags: ['reception'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('checkins.create', { body: 'branchId' })],
      schemas: {
        body: Joi.object<{ branchId: string; token: string }>({
          branchId: id.required(),
          token: token.required(),
        }).required(),
        response: checkInOut,
      },
      handler: async (ctx, input) => {
        const { branchId } = input.body;
        await assertMembers(guard, ctx, { branches: { 'body.branchId': branchId } });
        const now = new Date();
        const c = await attendFromDoor(
          em(),
          await checkInWithToken(em(), cfg, tenant(ctx), input.body.token, {
            branchId,
            timeZone: await zone(ctx),
            now,
            actor: me(ctx),
          }),
          now,
        );
        await announce(ctx, branchId);
        return reply(presentCheckIn(c), {
          status: 201,
          headers: { Location: `${BASE_PATH}/reception/check-ins/${c.id}` },
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/reception/check-ins/manual',
      summary:
        'Check a member in without their code (checkins.manual), with the reason on record; their membership must cover today',
      tags: ['reception'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('checkins.manual', { body: 'branchId' })],
      schemas: {
        body: Joi.object<{ branchId: string; memberId: string; reason: string }>({
          branchId: id.required(),
          memberId: id.required(),
          reason: text(300).required(),
        }).required(),
        response: checkInOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        await assertMembers(guard, ctx, { branches: { 'body.branchId': b.branchId } });
        // Any member of the business may come to any of its branches.
        const member = await em().findOne(Member, { id: b.memberId });
        if (!member) throw notFound('Member');
        const now = new Date();
        const c = await attendFromDoor(
          em(),
          await checkInManually(em(), member, {
            branchId: b.branchId,
            timeZone: await zone(ctx),
            now,
            actor: me(ctx),
            reason: b.reason,
          }),
          now,
        );
        await announce(ctx, b.branchId);
        return reply(presentCheckIn(c), {
          status: 201,
          headers: { Location: `${BASE_PATH}/reception/check-ins/${c.id}` },
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/reception/check-outs',
      summary:
        "Check a member out at the branch's door: with a new code they show (single use, like check-in) or by member id; 409 NOT_CHECKED_IN when they are not inside",
      tags: ['reception'],
      auth: true,
      middleware: [guard.requirePermission('checkins.create', { body: 'branchId' })],
      schemas: {
        // Exactly one of token and memberId: a rule between two fields (422 EXACTLY_ONE_REQUIRED),
        // which the OpenAPI document cannot say.
        body: Joi.object<{ branchId: string; token?: string; memberId?: string }>({
          branchId: id.required(),
          token: token.description('exactly one of token and memberId'),
          memberId: id.description('exactly one of token and memberId'),
        }).required(),
        response: checkInOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        if (!b.token === !b.memberId)
          throw new DomainError(
            'EXACTLY_ONE_REQUIRED',
            'Name either the code the member shows or the member',
            {
              field: 'body.token',
            },
          );
        const now = new Date();
        const visit = await em().transactional(async (tx) => {
          const memberId = b.token
            ? (await consumeToken(tx, cfg, tenant(ctx), b.token, now)).memberId
            : b.memberId!;
          const open = await tx.findOne(CheckIn, { memberId, checkedOutAt: null });
          if (open && !coversBranch(ctx, 'checkins.create', open.branchId)) throw notFound('Check-in');
          return checkOut(tx, memberId, { now, actor: me(ctx) });
        });
        await announce(ctx, visit.branchId);
        return presentCheckIn(visit);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/reception/check-ins',
      summary:
        "Visits to the branches the caller's checkins.read covers, newest first; inside=true: only those inside now",
      tags: ['reception'],
      auth: true,
      middleware: [guard.requirePermission('checkins.read', 'records')],
      schemas: {
        query: Joi.object<{
          limit: number;
          cursor?: string;
          branchId?: string;
          memberId?: string;
          inside?: boolean;
        }>({
          ...paginationQuery,
          branchId: id,
          memberId: id,
          inside: Joi.boolean(),
        }),
        response: Joi.array().items(checkInOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown>[] = [branchFilter(ctx, 'checkins.read')];
        if (q.branchId) where.push({ branchId: q.branchId });
        if (q.memberId) where.push({ memberId: q.memberId });
        if (q.inside) where.push({ checkedOutAt: null });
        const { items, meta } = await findPage(em(), CheckIn, { $and: where } as Record<string, unknown>, q);
        return reply(items.map(presentCheckIn), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/reception/check-ins/:id',
      summary: 'One visit',
      tags: ['reception'],
      auth: true,
      middleware: [guard.requirePermission('checkins.read', 'records')],
      schemas: { params, response: checkInOut },
      handler: async (ctx, input) => {
        const c = await loadCheckIn(em(), input.params.id);
        if (!coversBranch(ctx, 'checkins.read', c.branchId)) throw notFound('Check-in');
        return presentCheckIn(c);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/reception/occupancy/:branchId',
      summary:
        'How many members are inside a branch now (also pushed as occupancy:changed to the room tenant:<t>:gym:<branch>)',
      tags: ['reception'],
      auth: true,
      middleware: [guard.requirePermission('checkins.read', { param: 'branchId' })],
      schemas: {
        params: Joi.object<{ branchId: string }>({ branchId: id.required() }),
        response: occupancyOut,
      },
      handler: async (ctx, input) => {
        await assertMembers(guard, ctx, { branches: { 'params.branchId': input.params.branchId } });
        const now = new Date();
        return {
          branchId: input.params.branchId,
          occupancy: await occupancyOf(em(), input.params.branchId, now),
          at: now.toISOString(),
        };
      },
    }),
  ];
}
