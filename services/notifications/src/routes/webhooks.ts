import Joi from 'joi';
import {
  DomainError,
  OutboundUrlError,
  currentEm,
  findPage,
  reply,
  type Route,
  defineRoute,
} from '@faena/platform';
import { DELIVERY_STATUSES, WebhookDelivery, WebhookEndpoint } from '../domain/entities.ts';
import { EVENT_TYPES } from '../domain/templates.ts';
import { newWebhookSecret, redrive, sealSecret } from '../domain/webhooks.ts';
import type { NotificationsDeps } from '../deps.ts';
import { id, idParams, list } from './schemas.ts';
import { BASE_PATH } from '../constants.ts';

const endpointOut = Joi.object({
  id,
  url: Joi.string(),
  description: Joi.string().allow(''),
  events: Joi.array().items(Joi.string()),
  createdAt: Joi.string().isoDate(),
  secret: Joi.string().description('only in the answer that creates the endpoint'),
});
const deliveryOut = Joi.object({
  id,
  endpointId: id,
  eventType: Joi.string(),
  eventId: Joi.string(),
  status: Joi.string(),
  attempts: Joi.number(),
  nextAttemptAt: Joi.string().isoDate(),
  lastAttemptAt: Joi.string().isoDate().allow(null),
  lastStatusCode: Joi.number().allow(null),
  lastError: Joi.string().allow(null),
  deliveredAt: Joi.string().isoDate().allow(null),
  deadAt: Joi.string().isoDate().allow(null),
  redrives: Joi.number(),
  createdAt: Joi.string().isoDate(),
});
/** A delivery as the API answers it (`deliveryOut`; the signed payload stays inside). */
const deliveryView = (d: WebhookDelivery) => ({
  id: d.id,
  endpointId: d.endpointId,
  eventType: d.eventType,
  eventId: d.eventId,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt,
  lastAttemptAt: d.lastAttemptAt ?? null,
  lastStatusCode: d.lastStatusCode ?? null,
  lastError: d.lastError ?? null,
  deliveredAt: d.deliveredAt ?? null,
  deadAt: d.deadAt ?? null,
  redrives: d.redrives,
  createdAt: d.createdAt,
});

const endpointView = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  createdAt: e.createdAt,
});

/**
 * Refuses a URL webhooks may not go to (422 URL_NOT_ALLOWED): not https (unless the dev setting
 * allows http), or a host that resolves to a loopback, private, link-local… address. Every
 * delivery checks again, so a DNS answer that changes later is caught there.
 */
async function allowedUrl(deps: NotificationsDeps, url: string): Promise<void> {
  try {
    await deps.webhookUrls.check(url);
  } catch (err) {
    if (err instanceof OutboundUrlError)
      throw new DomainError('URL_NOT_ALLOWED', err.message, { field: 'body.url' });
    throw err;
  }
}

export function webhookRoutes(deps: NotificationsDeps): Route[] {
  const manage = deps.guard.requirePermission('webhooks.manage', 'tenant');
  return [
    defineRoute({
      method: 'post',
      path: '/webhooks',
      summary:
        'Register a URL for event types; the answer holds its signing secret, shown once. The URL must be https and reach a public address (422 URL_NOT_ALLOWED); a business has at most WEBHOOK_MAX_ENDPOINTS endpoints (422 WEBHOOK_ENDPOINT_LIMIT)',
      tags: ['webhooks'],
      auth: true,
      status: 201,
      middleware: [manage],
      schemas: {
        body: Joi.object<{ url: string; description: string; events: string[] }>({
          url: Joi.string()
            .uri({ scheme: ['https', 'http'] })
            .max(2000)
            .required(),
          description: Joi.string().max(200).allow('').default(''),
          events: Joi.array()
            .items(Joi.string().valid(...EVENT_TYPES))
            .unique()
            .min(1)
            .required(),
        }).required(),
        response: endpointOut,
      },
      handler: async (_ctx, input) => {
        const body = input.body;
        const em = currentEm();
        // Concurrent registrations may pass the count together: the cap bounds, it is not exact.
        if ((await em.count(WebhookEndpoint, {})) >= deps.webhookMaxEndpoints)
          throw new DomainError(
            'WEBHOOK_ENDPOINT_LIMIT',
            `A business can register at most ${deps.webhookMaxEndpoints} webhook endpoints; remove one first`,
          );
        await allowedUrl(deps, body.url);
        const secret = newWebhookSecret();
        const endpoint = em.create(WebhookEndpoint, {
          url: body.url,
          description: body.description,
          events: body.events,
          secretSealed: sealSecret(deps.webhookSecretKey, secret),
        });
        await em.flush();
        return reply(
          { ...endpointView(endpoint), secret },
          { status: 201, headers: { Location: `${BASE_PATH}/webhooks/${endpoint.id}` } },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/webhooks',
      summary: "The business's webhook endpoints",
      tags: ['webhooks'],
      auth: true,
      middleware: [manage],
      schemas: {
        query: list<{ limit: number; cursor?: string }>({}),
        response: Joi.array().items(endpointOut),
      },
      handler: async (_ctx, input) => {
        const { items, meta } = await findPage(currentEm(), WebhookEndpoint, {}, input.query);
        return reply(items.map(endpointView), { meta });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/webhooks/:id',
      summary: 'Remove an endpoint (its pending deliveries die at their next attempt)',
      tags: ['webhooks'],
      auth: true,
      status: 204,
      middleware: [manage],
      schemas: { params: idParams },
      handler: async (_ctx, input) => {
        const em = currentEm();
        em.remove(await em.findOneOrFail(WebhookEndpoint, { id: input.params.id }));
        await em.flush();
        return reply(null, { status: 204 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/webhooks/deliveries',
      summary: 'Deliveries (the outbox), e.g. `status=dead` for the dead letters',
      tags: ['webhooks'],
      auth: true,
      middleware: [manage],
      schemas: {
        query: list<{
          limit: number;
          cursor?: string;
          status?: string;
          endpointId?: string;
          eventId?: string;
        }>({
          status: Joi.string().valid(...DELIVERY_STATUSES),
          endpointId: id,
          eventId: Joi.string().max(200),
        }),
        response: Joi.array().items(deliveryOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown> = {};
        if (q.status) where.status = q.status;
        if (q.endpointId) where.endpointId = q.endpointId;
        if (q.eventId) where.eventId = q.eventId;
        const { items, meta } = await findPage(currentEm(), WebhookDelivery, where, q);
        return reply(items.map(deliveryView), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/webhooks/deliveries/:id/redrive',
      summary: 'Send a dead delivery again (attempts start over)',
      tags: ['webhooks'],
      auth: true,
      middleware: [manage],
      schemas: { params: idParams, response: deliveryOut },
      handler: async (_ctx, input) => {
        const em = currentEm();
        const delivery = await em.findOneOrFail(WebhookDelivery, { id: input.params.id });
        if (delivery.status !== 'dead')
          throw new DomainError(
            'INVALID_STATE_TRANSITION',
            `Only dead deliveries can be re-driven (this one is ${delivery.status})`,
          );
        redrive(delivery, new Date());
        await em.flush();
        return deliveryView(delivery);
      },
    }),
  ];
}
