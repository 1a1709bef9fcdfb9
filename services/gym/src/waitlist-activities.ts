/**
 * What the class waitlist process asks of the gym (contract: `GymWaitlistActivities` in
 * workflows/src/waitlist/contract.ts), on the gym queue. Each runs in the tenant's context with its
 * own EntityManager (`inTenantActivity`): domain refusals (an offer no longer open, no membership)
 * become non-retryable failures typed by their code; anything else is retried.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { inTenantActivity, type Logger, type Orm } from '@faena/platform';
import type { GymWaitlistActivities } from '@faena/workflows/waitlist/contract';
import { settingsOf } from './domain/settings.ts';
import {
  bookOffer,
  cancelledAudience,
  endOffer,
  markNoShows,
  settleFee,
  syncOffers,
} from './domain/waitlist.ts';

export function waitlistActivities(deps: { orm: Orm; logger: Logger }) {
  const inTenant = <T>(tenantId: string, fn: (em: EntityManager) => Promise<T>): Promise<T> =>
    inTenantActivity(deps.orm, tenantId, fn);
  return {
    syncWaitlist: ({ tenantId, occurrenceId, now }) =>
      inTenant(tenantId, async (em) =>
        syncOffers(em, occurrenceId, new Date(now), await settingsOf(em, tenantId)),
      ),
    endOffer: ({ tenantId, occurrenceId, entryId, outcome }) =>
      inTenant(tenantId, (em) => endOffer(em, occurrenceId, entryId, outcome)),
    bookOffer: ({ tenantId, occurrenceId, entryId, actorId, feeConsent }) =>
      inTenant(tenantId, async (em) => ({
        bookingId: (await bookOffer(em, occurrenceId, entryId, actorId, feeConsent ?? false)).id,
      })),
    markNoShows: ({ tenantId, occurrenceId }) => inTenant(tenantId, (em) => markNoShows(em, occurrenceId)),
    settleFee: ({ tenantId, bookingId, paymentId, declined }) =>
      inTenant(tenantId, (em) =>
        settleFee(
          em,
          bookingId,
          { ...(paymentId && { paymentId }), ...(declined && { declined }) },
          new Date(),
        ),
      ),
    cancelledAudience: ({ tenantId, occurrenceId }) =>
      inTenant(tenantId, (em) => cancelledAudience(em, occurrenceId)),
  } satisfies GymWaitlistActivities;
}
