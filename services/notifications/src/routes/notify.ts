import Joi from 'joi';
import {
  DomainError,
  currentEm,
  findPage,
  reply,
  type Route,
  defineRoute,
  errorMessage,
} from '@faena/platform';
import { Notification, NOTIFICATION_STATUSES, CHANNELS, TenantSettings } from '../domain/entities.ts';
import { notify, notifyInputSchema } from '../domain/notify.ts';
import { EVENT_TYPES } from '../domain/templates.ts';
import { EVENT_NAME } from '../realtime/rooms.ts';
import type { NotificationsDeps } from '../deps.ts';
import { id, idParams, list, requireService } from './schemas.ts';

const notificationOut = Joi.object({
  id,
  key: Joi.string(),
  eventType: Joi.string(),
  channel: Joi.string(),
  userId: Joi.string().allow(null),
  locale: Joi.string(),
  subject: Joi.string(),
  body: Joi.string(),
  status: Joi.string(),
  attempts: Joi.number(),
  lastError: Joi.string().allow(null),
  sentAt: Joi.string().isoDate().allow(null),
  readAt: Joi.string().isoDate().allow(null),
  attachments: Joi.array().items(
    Joi.object({ filename: Joi.string(), contentType: Joi.string(), size: Joi.number().integer() }),
  ),
  createdAt: Joi.string().isoDate(),
});
/** A notification of the history as the API answers it (`notificationOut`; its variables stay inside). */
const presentNotification = (n: Notification) => ({
  id: n.id,
  key: n.key,
  eventType: n.eventType,
  channel: n.channel,
  userId: n.userId ?? null,
  locale: n.locale,
  subject: n.subject,
  body: n.body,
  status: n.status,
  attempts: n.attempts,
  lastError: n.lastError ?? null,
  sentAt: n.sentAt?.toISOString() ?? null,
  readAt: n.readAt?.toISOString() ?? null,
  attachments: n.attachments,
  createdAt: n.createdAt.toISOString(),
});

export function notifyRoutes(deps: NotificationsDeps): Route[] {
  const { guard } = deps;
  const service = requireService(deps.serviceToken);
  return [
    defineRoute({
      method: 'post',
      path: '/notify',
      summary:
        'Notify someone of an event (services; X-Service-Token). Idempotent by key: 201 first time, 200 after',
      tags: ['notify'],
      status: 201,
      middleware: [service],
      schemas: {
        body: notifyInputSchema.keys({ tenantId: id.required() }).required(),
        response: Joi.object({
          replayed: Joi.boolean(),
          notifications: Joi.array().items(
            Joi.object({ id, channel: Joi.string(), status: Joi.string(), attempts: Joi.number() }),
          ),
          webhookDeliveries: Joi.number(),
        }),
      },
      handler: async (_ctx, input) => {
        const result = await notify(deps.notify, input.body);
        return reply(result, { status: result.replayed ? 200 : 201 });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/realtime/events',
      summary: 'Publish a real-time event to a room (services; X-Service-Token)',
      tags: ['realtime'],
      status: 202,
      middleware: [service],
      schemas: {
        response: Joi.object({ published: Joi.boolean().valid(true).required() }),
        body: Joi.object<{
          tenantId: string;
          room: string;
          event: string;
          data: Record<string, unknown>;
        }>({
          tenantId: id.required(),
          room: Joi.string().max(300).required(),
          event: Joi.string().pattern(EVENT_NAME).required(),
          data: Joi.object().unknown(true).default({}),
        }).required(),
      },
      handler: async (_ctx, input) => {
        const body = input.body;
        try {
          await deps.realtime.publish(body);
        } catch (err) {
          throw new DomainError('VALIDATION_FAILED', errorMessage(err), { field: 'body.room' });
        }
        return reply({ published: true }, { status: 202 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/notifications',
      summary: "The business's notification history, filtered by status, event, channel or user",
      tags: ['history'],
      auth: true,
      middleware: [guard.requirePermission('notifications.manage', 'tenant')],
      schemas: {
        query: list<{
          limit: number;
          cursor?: string;
          status?: string;
          event?: string;
          channel?: string;
          userId?: string;
          key?: string;
        }>({
          status: Joi.string().valid(...NOTIFICATION_STATUSES),
          event: Joi.string().valid(...EVENT_TYPES),
          channel: Joi.string().valid(...CHANNELS),
          userId: id,
          key: Joi.string().max(200),
        }),
        response: Joi.array().items(notificationOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = {};
        if (q.status) where.status = q.status;
        if (q.event) where.eventType = q.event;
        if (q.channel) where.channel = q.channel;
        if (q.userId) where.userId = q.userId;
        if (q.key) where.key = q.key;
        const { items, meta } = await findPage(currentEm(), Notification, where, q);
        return reply(items.map(presentNotification), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/notifications/:id',
      summary: 'One notification of the history',
      tags: ['history'],
      auth: true,
      middleware: [guard.requirePermission('notifications.manage', 'tenant')],
      schemas: { params: idParams, response: notificationOut },
      handler: async (_ctx, input) =>
        presentNotification(await currentEm().findOneOrFail(Notification, { id: input.params.id })),
    }),
    {
      method: 'get',
      path: '/settings',
      summary: "The business's notification settings (the locale messages fall back to)",
      tags: ['settings'],
      auth: true,
      middleware: [guard.requirePermission('notifications.manage', 'tenant')],
      schemas: { response: Joi.object({ locale: Joi.string().required() }) },
      handler: async () => {
        const settings = await currentEm().findOne(TenantSettings, {});
        return { locale: settings?.locale ?? deps.notify.defaultLocale };
      },
    },
    defineRoute({
      method: 'put',
      path: '/settings',
      summary: "Set the business's notification locale",
      tags: ['settings'],
      auth: true,
      middleware: [guard.requirePermission('notifications.manage', 'tenant')],
      schemas: {
        response: Joi.object({ locale: Joi.string().required() }),
        body: Joi.object<{ locale: string }>({
          locale: Joi.string()
            .pattern(/^(es|en)(-[A-Z]{2})?$/)
            .required(),
        }).required(),
      },
      handler: async (_ctx, input) => {
        const { locale } = input.body;
        const em = currentEm();
        const settings = (await em.findOne(TenantSettings, {})) ?? em.create(TenantSettings, { locale });
        settings.locale = locale;
        await em.flush();
        return { locale };
      },
    }),
  ];
}
