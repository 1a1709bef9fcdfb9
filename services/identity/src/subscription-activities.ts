/**
 * identity as the seller of the SaaS plans' renewal (`RenewalSellerActivities`, task queue
 * `identity`): the subscription is the business itself (`subscriptionId` = its id). Each activity
 * is idempotent (domain/subscriptions.ts); refusals are non-retryable failures typed by their code.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, withEm, type Logger, type Orm, type Redis } from '@faena/platform';
import type { RenewalSellerActivities } from '@faena/workflows/renewal/contract';
import { Tenant } from './domain/entities.ts';
import {
  endSubscription,
  extendSubscription,
  itemOf,
  markPastDue,
  nextPlanOf,
  renews,
  suspendForNonPayment,
  switchSubscriptionPlan,
} from './domain/subscriptions.ts';

export interface SubscriptionActivityDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
}

/** A domain refusal as Temporal's non-retryable failure of that code; anything else is retried. */
async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DomainError) throw ApplicationFailure.nonRetryable(err.message, err.code);
    throw err;
  }
}

export function subscriptionActivities(deps: SubscriptionActivityDeps) {
  // The business is not tenant-owned (no tenant filter): a system unit of work per activity.
  const inIdentity = <T>(fn: (em: EntityManager) => Promise<T>): Promise<T> =>
    typed(() => withEm(deps.orm, (em) => fn(em as unknown as EntityManager), { system: true }));
  const refuseChange = () =>
    Promise.reject(
      ApplicationFailure.nonRetryable(
        'A SaaS plan is not paused: change or cancel it',
        'INVALID_STATE_TRANSITION',
      ),
    );

  return {
    async renewalDescribe(input: { tenantId: string; subscriptionId: string }) {
      return inIdentity(async (em) => {
        const t = await em.findOne(Tenant, { id: input.subscriptionId });
        if (!t) throw new DomainError('NOT_FOUND', `tenant ${input.subscriptionId} not found`);
        const next = nextPlanOf(t);
        const renewable = renews(t) && t.periodEnd !== null && next !== 'free';
        return {
          renewable,
          reason: renewable
            ? null
            : next === 'free' && renews(t)
              ? 'the business moves to the free plan at the period end'
              : 'the business is on the free plan',
          periodStart: t.periodStart ?? t.periodEnd ?? '',
          periodEnd: t.periodEnd ?? '',
          item: itemOf(t, renewable ? next : t.plan),
        };
      });
    },
    renewalPause: refuseChange,
    renewalResume: refuseChange,

    async renewalChangePlan(input: Parameters<RenewalSellerActivities['renewalChangePlan']>[0]) {
      await inIdentity((em) =>
        switchSubscriptionPlan(em, deps.redis, {
          tenantId: input.subscriptionId,
          item: input.item,
          actorId: input.actorId,
        }),
      );
      deps.logger.info('SaaS plan changed by its renewal', {
        tenantId: input.subscriptionId,
        plan: input.item.planId,
      });
    },

    async renewalExtend(input: Parameters<RenewalSellerActivities['renewalExtend']>[0]) {
      const t = await inIdentity((em) =>
        extendSubscription(em, deps.redis, {
          tenantId: input.subscriptionId,
          cycle: input.cycle,
          item: input.item,
        }),
      );
      deps.logger.info('SaaS plan renewed', {
        tenantId: t.id,
        cycle: input.cycle,
        paymentId: input.paymentId,
      });
      return { periodStart: t.periodStart!, periodEnd: t.periodEnd! };
    },

    async renewalPastDue(input: { tenantId: string; subscriptionId: string; cycle: number; reason: string }) {
      await inIdentity((em) =>
        markPastDue(em, deps.redis, {
          tenantId: input.subscriptionId,
          cycle: input.cycle,
          reason: input.reason,
        }),
      );
    },

    async renewalSuspended(input: {
      tenantId: string;
      subscriptionId: string;
      cycle: number;
      reason: string;
    }) {
      await inIdentity((em) =>
        suspendForNonPayment(em, deps.redis, {
          tenantId: input.subscriptionId,
          cycle: input.cycle,
          reason: input.reason,
        }),
      );
      deps.logger.warn('business suspended: its renewal went unpaid', {
        tenantId: input.subscriptionId,
        cycle: input.cycle,
      });
    },

    async renewalEnded(input: Parameters<RenewalSellerActivities['renewalEnded']>[0]) {
      await inIdentity((em) =>
        endSubscription(em, deps.redis, {
          tenantId: input.subscriptionId,
          cycle: input.cycle,
          state: input.state,
          reason: input.reason,
        }),
      );
    },
  } satisfies RenewalSellerActivities;
}
