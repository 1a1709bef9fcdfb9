import Joi from 'joi';
import { DomainError, currentEm, type Route, defineRoute, authOf } from '@faena/platform';
import { CHANNELS, Preference, type ChannelName } from '../domain/entities.ts';
import { preferencesOf } from '../domain/preferences.ts';
import { EVENT_TYPES, templateOf } from '../domain/templates.ts';
import type { NotificationsDeps } from '../deps.ts';

const prefOut = Joi.object({
  event: Joi.string(),
  channel: Joi.string(),
  enabled: Joi.boolean(),
  source: Joi.string().valid('default', 'user', 'mandatory'),
});

export function preferenceRoutes(deps: NotificationsDeps): Route[] {
  const { guard } = deps;
  const read = guard.requirePermission('notifications.read', 'self');
  return [
    {
      method: 'get',
      path: '/preferences',
      summary: "The caller's preference for every event and channel: their choice, else their roles' default",
      tags: ['preferences'],
      auth: true,
      middleware: [read],
      schemas: { response: Joi.array().items(prefOut) },
      handler: async (ctx) => {
        const { claims } = authOf(ctx);
        return preferencesOf(currentEm(), claims.sub, claims.roles ?? []);
      },
    },
    defineRoute({
      method: 'put',
      path: '/preferences',
      summary: 'Turn events on or off per channel for the caller (mandatory events cannot be turned off)',
      tags: ['preferences'],
      auth: true,
      middleware: [read],
      schemas: {
        body: Joi.object<{
          items: Array<{ event: string; channel: ChannelName; enabled: boolean }>;
        }>({
          items: Joi.array()
            .items(
              Joi.object({
                event: Joi.string()
                  .valid(...EVENT_TYPES)
                  .required(),
                channel: Joi.string()
                  .valid(...CHANNELS)
                  .required(),
                enabled: Joi.boolean().required(),
              }),
            )
            .min(1)
            .max(100)
            .required(),
        }).required(),
        response: Joi.array().items(prefOut),
      },
      handler: async (ctx, input) => {
        const { claims } = authOf(ctx);
        const { items } = input.body;
        const problems = items.flatMap((item, i) => {
          const t = templateOf(item.event)!;
          if (t.channels[item.channel] === undefined)
            return [
              {
                code: 'PREFERENCE_NOT_ALLOWED' as const,
                message: `${item.event} is not sent by ${item.channel}`,
                field: `body.items.${i}.channel`,
              },
            ];
          if (t.mandatory && !item.enabled)
            return [
              {
                code: 'PREFERENCE_NOT_ALLOWED' as const,
                message: `${item.event} cannot be turned off`,
                field: `body.items.${i}.enabled`,
              },
            ];
          return [];
        });
        if (problems.length)
          throw new DomainError('PREFERENCE_NOT_ALLOWED', problems[0]!.message, { items: problems });
        const em = currentEm();
        const existing = await em.find(Preference, { userId: claims.sub });
        for (const item of items) {
          const row = existing.find((p) => p.eventType === item.event && p.channel === item.channel);
          if (row) row.enabled = item.enabled;
          else
            existing.push(
              em.create(Preference, {
                userId: claims.sub,
                eventType: item.event,
                channel: item.channel,
                enabled: item.enabled,
              }),
            );
        }
        await em.flush();
        return preferencesOf(em, claims.sub, claims.roles ?? []);
      },
    }),
  ];
}
