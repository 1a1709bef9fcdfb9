import Joi from 'joi';
import { currentEm, decodeCursor, page, reply, type Route, defineRoute, authOf } from '@faena/platform';
import { Notification } from '../domain/entities.ts';
import type { NotificationsDeps } from '../deps.ts';
import { id, idParams, list } from './schemas.ts';

const itemOut = Joi.object({
  id,
  event: Joi.string(),
  title: Joi.string(),
  data: Joi.object(),
  createdAt: Joi.string().isoDate(),
  readAt: Joi.string().isoDate().allow(null),
});

const view = (n: Notification) => ({
  id: n.id,
  event: n.eventType,
  title: n.body,
  data: n.data,
  createdAt: n.createdAt,
  readAt: n.readAt ?? null,
});

export function inboxRoutes(deps: NotificationsDeps): Route[] {
  const { guard } = deps;
  const read = guard.requirePermission('notifications.read', 'self');
  const me = (ctx: { state: Record<string, unknown> }) => authOf(ctx).claims.sub;
  const mine = (userId: string) => ({ userId, channel: 'in_app' as const, status: 'sent' as const });
  return [
    defineRoute({
      method: 'get',
      path: '/inbox',
      summary: "The caller's in-app notifications, unread first, newest first within each group",
      tags: ['inbox'],
      auth: true,
      middleware: [read],
      schemas: {
        query: list<{ limit: number; cursor?: string; unread?: boolean }>({ unread: Joi.boolean() }),
        response: Joi.array().items(itemOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const em = currentEm();
        const base = mine(me(ctx));
        // Cursor `after`: 0 while in the unread group, 1 in the read group.
        const cursor = decodeCursor(q.cursor);
        const rows: Notification[] = [];
        if (!cursor || cursor.after === 0) {
          rows.push(
            ...(await em.find(
              Notification,
              { ...base, readAt: null, ...(cursor && { id: { $lt: cursor.id } }) },
              { orderBy: { id: 'desc' }, limit: q.limit + 1 },
            )),
          );
        }
        if (!q.unread && rows.length <= q.limit) {
          rows.push(
            ...(await em.find(
              Notification,
              { ...base, readAt: { $ne: null }, ...(cursor?.after === 1 && { id: { $lt: cursor.id } }) },
              { orderBy: { id: 'desc' }, limit: q.limit + 1 - rows.length },
            )),
          );
        }
        const { items, nextCursor } = page(rows, q.limit, (r) => (r.readAt ? 1 : 0));
        const unread = await em.count(Notification, { ...base, readAt: null });
        return reply(items.map(view), { meta: { nextCursor, unread } });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/inbox/:id/read',
      summary: 'Mark one in-app notification read',
      tags: ['inbox'],
      auth: true,
      middleware: [read],
      schemas: { params: idParams, response: itemOut },
      handler: async (ctx, input) => {
        const em = currentEm();
        const n = await em.findOneOrFail(Notification, {
          ...mine(me(ctx)),
          id: input.params.id,
        });
        n.readAt ??= new Date();
        await em.flush();
        return view(n);
      },
    }),
    {
      method: 'post',
      path: '/inbox/read-all',
      summary: 'Mark every in-app notification of the caller read',
      tags: ['inbox'],
      auth: true,
      middleware: [read],
      schemas: { response: Joi.object({ marked: Joi.number().integer().required() }) },
      handler: async (ctx) => {
        const marked = await currentEm().nativeUpdate(
          Notification,
          { ...mine(me(ctx)), readAt: null },
          { readAt: new Date() },
        );
        return { marked };
      },
    },
  ];
}
