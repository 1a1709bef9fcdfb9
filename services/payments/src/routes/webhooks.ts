import Joi from 'joi';
import {
  DomainError,
  PRINTABLE_ASCII,
  currentEm,
  runWithContext,
  uuid,
  type Route,
  defineRoute,
} from '@faena/platform';
import { storeProviderNotification } from '../domain/provider-notifications.ts';
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
/** MercadoPago's numeric ids (notification, payment): non-negative integers JavaScript holds exactly. */
const providerNumber = Joi.number().integer().min(0).max(Number.MAX_SAFE_INTEGER);

const unavailable = (err: unknown) =>
  err instanceof DomainError
    ? err
    : new DomainError('SERVICE_UNAVAILABLE', 'The notification could not be taken now; send it again', {
        headers: { 'Retry-After': '5' },
      });

/** Text MercadoPago sends (ids, types, dates, versions): printable ASCII, so its length is the same for every client. */
const mpText = (max: number) => Joi.string().max(max).pattern(PRINTABLE_ASCII);

export function webhookRoutes(deps: PaymentsDeps): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/webhooks/mercadopago/:tenantId',
      summary: 'MercadoPago payment notifications (x-signature verified)',
      tags: ['webhooks'],
      schemas: {
        response: Joi.object({
          received: Joi.boolean().valid(true).required(),
          duplicate: Joi.boolean().required(),
        }),
        params: Joi.object<{ tenantId: string }>({ tenantId: uuid.required() }),
        query: Joi.object<{ 'data.id'?: string; type?: string; topic?: string; id?: string }>({
          'data.id': mpText(64),
          type: mpText(64),
          topic: mpText(64),
          id: mpText(128),
        }),
        // MercadoPago's notification (webhooks v1). Documented closed (the fields we read) while
        // anything it adds over time is accepted and dropped (stripUnknown): what is stored is what
        // we read, and an odd extra key (a NUL, `__proto__`) never refuses a genuine notification.
        body: Joi.object<{
          id: string | number;
          type: string;
          action?: string;
          api_version?: string;
          date_created?: string;
          live_mode?: boolean;
          user_id?: string | number;
          data: { id: string | number };
        }>({
          id: Joi.alternatives(mpText(128), providerNumber).required(),
          type: mpText(64).required(),
          action: mpText(64),
          api_version: mpText(16),
          date_created: mpText(64),
          live_mode: Joi.boolean(),
          user_id: Joi.alternatives(mpText(64), providerNumber),
          data: Joi.object({ id: Joi.alternatives(mpText(64), providerNumber).required() })
            .options({ stripUnknown: true })
            .required(),
        })
          .options({ stripUnknown: true })
          .required(),
      },
      handler: async (ctx, input) => {
        const tenantId = input.params.tenantId;
        const body = input.body;
        const dataId = String(input.query['data.id'] ?? body.data.id);
        return runWithContext({ tenantId }, async () => {
          const em = currentEm();
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
          // Stored and handed to paymentSync together (a failed hand-off answers 503: sent again).
          const outcome = await storeProviderNotification(
            em,
            {
              tenantId,
              provider: 'mercadopago',
              notificationId: String(body.id),
              topic: body.type,
              providerPaymentId: body.type === 'payment' ? dataId : null,
              payload: body,
            },
            () =>
              body.type === 'payment'
                ? syncProviderPaymentLater(deps.temporal, {
                    tenantId,
                    provider: 'mercadopago',
                    providerPaymentId: dataId,
                  })
                : Promise.resolve(),
          ).catch((err: unknown) => {
            throw unavailable(err);
          });
          if (outcome === 'duplicate') return { received: true, duplicate: true };
          return { received: true, duplicate: false };
        });
      },
    }),
  ];
}
