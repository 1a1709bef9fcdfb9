import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import {
  runWithContext,
  seal,
  unseal,
  withEm,
  type Logger,
  type Orm,
  type OutboundGuard,
  OutboundRequestError,
  OutboundUrlError,
} from '@faena/platform';
import { signWebhook, SIGNATURE_HEADER, type WebhookEvent } from '../client/webhooks.ts';
import { WebhookDelivery, WebhookEndpoint } from './entities.ts';

const SEAL_PURPOSE = 'notifications-webhook-secrets';

export interface RetrySchedule {
  maxAttempts: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

/** Seconds to wait after failed attempt number `attempt` (1-based): base · 2^(attempt-1), capped. */
export const backoffSeconds = (schedule: RetrySchedule, attempt: number): number =>
  Math.min(schedule.baseDelaySeconds * 2 ** (attempt - 1), schedule.maxDelaySeconds);

export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;
export const sealSecret = (key: string, secret: string): string => seal(key, SEAL_PURPOSE, secret);

/**
 * Writes one outbox row per active endpoint of the tenant subscribed to `event.type`, in the caller's
 * unit of work (so in the same transaction as the notification). One delivery per endpoint and event id.
 */
export async function enqueueWebhooks(em: EntityManager, event: WebhookEvent, now: Date): Promise<number> {
  const endpoints = await em.find(WebhookEndpoint, { events: { $contains: [event.type] } });
  if (!endpoints.length) return 0;
  const existing = await em.find(WebhookDelivery, {
    endpointId: { $in: endpoints.map((e) => e.id) },
    eventId: event.id,
  });
  let created = 0;
  for (const endpoint of endpoints) {
    if (existing.some((d) => d.endpointId === endpoint.id)) continue;
    em.create(WebhookDelivery, {
      tenantId: event.tenantId,
      endpointId: endpoint.id,
      eventType: event.type,
      eventId: event.id,
      payload: { ...event },
      nextAttemptAt: now,
    });
    created++;
  }
  return created;
}

/** What a failed attempt records (`lastError`): a short reason, no remote text. */
function deliveryFailure(err: unknown): string {
  // 'destination not allowed', 'host not found', 'scheme not allowed'
  if (err instanceof OutboundUrlError) return err.reason;
  if (err instanceof OutboundRequestError) return err.reason;
  return 'request failed';
}

export interface DispatcherOptions {
  orm: Orm;
  logger: Logger;
  secretKey: string;
  schedule: RetrySchedule;
  timeoutMs: number;
  /** Every delivery goes through it: checked again (the DNS may have changed), then sent. */
  urls: OutboundGuard;
  /** Wall clock for signature timestamps (receivers compare them with theirs). */
  signClock?: () => number;
  batchSize?: number;
}

export interface RunResult {
  attempted: number;
  delivered: number;
  retried: number;
  dead: number;
}

/**
 * Delivers due outbox rows. `runDue(now)` takes the clock, so the retry schedule is computable
 * and tested without waiting: a failure schedules the next attempt at `now + backoff(attempts)`;
 * after `maxAttempts` the delivery is dead until an admin re-drives it. Replicas share the work
 * (`for update skip locked` + a claim that expires if a replica dies mid-delivery).
 */
export function createWebhookDispatcher(opts: DispatcherOptions) {
  const log = opts.logger;
  const signClock = opts.signClock ?? Date.now;

  async function claim(now: Date): Promise<string[]> {
    const until = new Date(now.getTime() + opts.timeoutMs * 2 + 5000);
    return withEm(
      opts.orm,
      async (em) => {
        const rows = await em.getConnection().execute<Array<{ id: string }>>(
          `update notifications.webhook_deliveries set claimed_until = ?
           where id in (select id from notifications.webhook_deliveries
                        where status = 'pending' and next_attempt_at <= ? and (claimed_until is null or claimed_until < ?)
                        order by next_attempt_at limit ? for update skip locked)
           returning id`,
          [until, now, now, opts.batchSize ?? 50],
        );
        return rows.map((r) => r.id);
      },
      { system: true },
    );
  }

  async function attempt(id: string, now: Date): Promise<'delivered' | 'retried' | 'dead'> {
    return withEm(
      opts.orm,
      async (em) => {
        const d = await em.findOneOrFail(WebhookDelivery, { id }, { filters: false });
        const endpoint = await em.findOne(WebhookEndpoint, { id: d.endpointId }, { filters: false });
        const body = JSON.stringify(d.payload);
        let status: number | null = null;
        let error: string | null = null;
        if (!endpoint || endpoint.deletedAt) error = 'endpoint removed';
        else {
          try {
            const secret = unseal(opts.secretKey, SEAL_PURPOSE, endpoint.secretSealed);
            const res = await opts.urls.post(endpoint.url, {
              timeoutMs: opts.timeoutMs,
              headers: {
                'Content-Type': 'application/json',
                'User-Agent': 'Faena-Webhooks/1',
                [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(signClock() / 1000)),
                'Faena-Event': d.eventType,
                'Faena-Delivery': d.id,
              },
              body,
            });
            status = res.status;
            // Redirects are not followed: a 3xx is a failed delivery like any other non-2xx.
            if (status < 200 || status >= 300) error = `receiver answered ${status}`;
          } catch (err) {
            // Short reasons only: never the remote answer, never an internal address.
            error = deliveryFailure(err);
          }
        }
        d.attempts += 1;
        d.lastAttemptAt = now;
        d.lastStatusCode = status;
        d.claimedUntil = null;
        let outcome: 'delivered' | 'retried' | 'dead';
        if (!error) {
          d.status = 'delivered';
          d.deliveredAt = now;
          d.lastError = null;
          outcome = 'delivered';
        } else {
          d.lastError = error.slice(0, 100);
          if (d.attempts >= opts.schedule.maxAttempts || !endpoint || endpoint.deletedAt) {
            d.status = 'dead';
            d.deadAt = now;
            outcome = 'dead';
          } else {
            d.nextAttemptAt = new Date(now.getTime() + backoffSeconds(opts.schedule, d.attempts) * 1000);
            outcome = 'retried';
          }
        }
        await em.flush();
        runWithContext({ tenantId: d.tenantId }, () =>
          log.log(outcome === 'dead' ? 'warn' : 'info', 'webhook delivery attempt', {
            deliveryId: d.id,
            event: d.eventType,
            attempt: d.attempts,
            outcome,
            statusCode: status,
          }),
        );
        return outcome;
      },
      { system: true },
    );
  }

  return {
    async runDue(now: Date = new Date()): Promise<RunResult> {
      const ids = await claim(now);
      const result: RunResult = { attempted: ids.length, delivered: 0, retried: 0, dead: 0 };
      const outcomes = await Promise.all(ids.map((id) => attempt(id, now)));
      for (const o of outcomes) result[o]++;
      return result;
    },
  };
}
export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;

/** Puts a dead delivery back in the queue (admin). */
export function redrive(delivery: WebhookDelivery, now: Date): void {
  delivery.status = 'pending';
  delivery.attempts = 0;
  delivery.nextAttemptAt = now;
  delivery.deadAt = null;
  delivery.redrives += 1;
}
