import Joi from 'joi';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, currentEm, runWithContext, type Route } from '@faena/platform';
import { uuidv7 } from 'uuidv7';
import { credentialsFor } from '../domain/providers.ts';
import { verifyWebhook } from '../providers/webhook.ts';
import type { PaymentsDeps } from '../deps.ts';
import { syncProviderPaymentLater } from '../payment-sync.ts';

/**
 * MercadoPago notifications: verified (HMAC-SHA256 with the tenant's secret, constant time, `ts`
 * within 300 s), stored, deduplicated by notification id, and handed to a Temporal workflow that
 * reads the payment from the provider and applies it. The answer is fast and the work durable: a
 * notification for a payment whose row is not committed yet is retried by that workflow, not lost.
 */
const unavailable = (err: unknown) =>
  err instanceof DomainError
    ? err
    : new DomainError('SERVICE_UNAVAILABLE', 'The notification could not be taken now; send it again', {
        headers: { 'Retry-After': '5' },
      });

export function webhookRoutes(deps: PaymentsDeps): Route[] {
  return [
    {
      method: 'post',
      path: '/webhooks/mercadopago/:tenantId',
      summary: 'MercadoPago payment notifications (x-signature verified)',
      tags: ['webhooks'],
      schemas: {
        params: Joi.object({ tenantId: Joi.string().uuid().required() }),
        query: Joi.object({
          'data.id': Joi.string().max(64),
          type: Joi.string().max(64),
          topic: Joi.string().max(64),
          id: Joi.string().max(128),
        }),
        body: Joi.object({
          id: Joi.alternatives(Joi.string().max(128), Joi.number()).required(),
          type: Joi.string().max(64).required(),
          data: Joi.object({ id: Joi.alternatives(Joi.string().max(64), Joi.number()).required() })
            .unknown(true)
            .required(),
        })
          .unknown(true)
          .required(),
      },
      handler: async (ctx, input) => {
        const tenantId = input.params.tenantId as string;
        const body = input.body as { id: string | number; type: string; data: { id: string | number } };
        const dataId = String((input.query['data.id'] as string | undefined) ?? body.data.id);
        return runWithContext({ tenantId }, async () => {
          const em = currentEm() as unknown as EntityManager;
          // An unknown endpoint is a 404 the provider stops at; anything else (the database is down)
          // is a 503 the provider retries: a notification is never answered as if it were unknown.
          const creds = await credentialsFor(em, deps.secretKey, tenantId, 'mercadopago').catch(
            (err: unknown) => {
              if (err instanceof DomainError) throw new DomainError('NOT_FOUND', 'No such webhook endpoint');
              throw unavailable(err);
            },
          );
          const verdict = verifyWebhook(
            creds.webhookSecret,
            ctx.get('x-signature'),
            dataId,
            ctx.get('x-request-id'),
          );
          if (!verdict.ok) {
            deps.logger.warn('webhook refused', { provider: 'mercadopago', reason: verdict.reason });
            throw new DomainError(
              'INVALID_SIGNATURE',
              verdict.reason === 'stale' ? 'Signature timestamp is too old' : 'Invalid signature',
            );
          }
          // Stored and handed to paymentSync together: if the hand-off fails the row is rolled back
          // and the 503 makes the provider send it again, so a notification is never stored unread.
          const outcome = await em
            .transactional(async (tx) => {
              const stored = await tx.execute<Array<{ id: string }>>(
                `insert into payments.provider_notifications (id, tenant_id, provider, notification_id, topic, provider_payment_id, payload, received_at)
                 values (?, ?, 'mercadopago', ?, ?, ?, ?, now()) on conflict on constraint provider_notifications_unique do nothing returning id`,
                [
                  uuidv7(),
                  tenantId,
                  String(body.id),
                  body.type,
                  body.type === 'payment' ? dataId : null,
                  JSON.stringify(body),
                ],
              );
              if (!stored.length) return 'duplicate' as const;
              if (body.type === 'payment')
                await syncProviderPaymentLater(deps.temporal, {
                  tenantId,
                  provider: 'mercadopago',
                  providerPaymentId: dataId,
                });
              return 'stored' as const;
            })
            .catch((err: unknown) => {
              throw unavailable(err);
            });
          if (outcome === 'duplicate') return { received: true, duplicate: true };
          return { received: true, duplicate: false };
        });
      },
    },
  ];
}
