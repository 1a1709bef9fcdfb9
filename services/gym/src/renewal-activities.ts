/**
 * The gym as the seller of the renewal process (`RenewalSellerActivities`, task queue `gym`). Every
 * activity runs in the tenant's context with its own EntityManager; domain refusals (a pause the
 * plan does not allow, MEMBERSHIP_OVERLAP) become non-retryable failures typed by their code.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { inTenantActivity, notFound } from '@faena/platform';
import type { RenewalSellerActivities } from '@faena/workflows/renewal/contract';
import type { ActivityDeps } from './activities.ts';
import { Membership, Plan } from './domain/entities.ts';
import { pause, resume } from './domain/memberships.ts';
import {
  endRenewal,
  extendForCycle,
  itemOf,
  periodOf,
  renewalRefusal,
  switchPlan,
} from './domain/renewals.ts';

export function renewalActivities(deps: ActivityDeps) {
  const inTenant = <T>(tenantId: string, fn: (em: EntityManager) => Promise<T>): Promise<T> =>
    inTenantActivity(deps.orm, tenantId, fn);
  const load = async (em: EntityManager, id: string) => {
    const m = await em.findOne(Membership, { id });
    if (!m) throw notFound('Membership');
    const plan = await em.findOneOrFail(Plan, { id: m.planId });
    return { m, plan };
  };

  return {
    async renewalDescribe(input: { tenantId: string; subscriptionId: string }) {
      return inTenant(input.tenantId, async (em) => {
        const { m, plan } = await load(em, input.subscriptionId);
        const period = await periodOf(em, m);
        const reason = renewalRefusal(m, plan);
        return {
          renewable: reason === null,
          reason,
          periodStart: period.start,
          periodEnd: period.end,
          item: await itemOf(em, m, plan),
        };
      });
    },

    async renewalPause(input: {
      tenantId: string;
      subscriptionId: string;
      startsOn: string;
      days: number;
      today: string;
      actorId: string;
    }) {
      return inTenant(input.tenantId, async (em) => {
        const { plan } = await load(em, input.subscriptionId);
        const m = await pause(em, input.subscriptionId, plan, {
          startsOn: input.startsOn,
          days: input.days,
          today: input.today,
          actor: input.actorId,
        });
        return { periodEnd: m.endsOn };
      });
    },

    async renewalResume(input: { tenantId: string; subscriptionId: string; today: string; actorId: string }) {
      return inTenant(input.tenantId, async (em) => {
        const { plan } = await load(em, input.subscriptionId);
        const m = await resume(em, input.subscriptionId, plan, { today: input.today, actor: input.actorId });
        return { periodEnd: m.endsOn };
      });
    },

    async renewalChangePlan(input: Parameters<RenewalSellerActivities['renewalChangePlan']>[0]) {
      await inTenant(input.tenantId, (em) => switchPlan(em, input.subscriptionId, input.item));
      deps.logger.info('membership plan changed by its renewal', {
        membershipId: input.subscriptionId,
        planId: input.item.planId,
        paymentId: input.paymentId,
      });
    },

    async renewalExtend(input: Parameters<RenewalSellerActivities['renewalExtend']>[0]) {
      return inTenant(input.tenantId, async (em) => {
        const period = await extendForCycle(em, {
          membershipId: input.subscriptionId,
          cycle: input.cycle,
          paymentId: input.paymentId || null,
          amount: BigInt(input.amount),
          item: input.item,
        });
        deps.logger.info('membership renewed', {
          membershipId: input.subscriptionId,
          cycle: input.cycle,
          paymentId: input.paymentId,
        });
        return period;
      });
    },

    async renewalEnded(input: Parameters<RenewalSellerActivities['renewalEnded']>[0]) {
      await inTenant(input.tenantId, (em) =>
        endRenewal(em, {
          membershipId: input.subscriptionId,
          cycle: input.cycle,
          result: input.state,
          reason: input.reason,
        }),
      );
    },
  } satisfies RenewalSellerActivities;
}
