/**
 * A gym membership ready to renew, written with the gym's own entities on its schema, and the
 * renewal input the gym API would start for it (`renewalInputOf`): shared by the time-skipping
 * tests and the live scenarios.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from 'uuidv7';
import { runMigrations, runWithContext, withEm, type Orm } from '@faena/platform';
import { Member, Membership, Plan, PlanPrice } from '../../../services/gym/src/domain/entities.ts';
import { renewalInputOf } from '../../../services/gym/src/renewal.ts';
import { createGymOrm } from '../../../services/gym/src/wiring.ts';
import { addDays } from '../../src/renewal/calendar.ts';
import type { RenewalInput } from '../../src/renewal/contract.ts';
import { fundWallet } from './stand-ins.ts';

export async function gymTestOrm(url: string): Promise<Orm> {
  const orm = await createGymOrm({ DATABASE_URL: url, DATABASE_POOL_MAX: 5 });
  await runMigrations(orm);
  return orm;
}

export interface RenewalSetup {
  userId: string;
  membership: Membership;
  plan: Plan;
  input: RenewalInput;
}

export interface RenewalFixtures {
  gymOrm: Orm;
  paymentsOrm: Orm;
  tenantId: string;
  branchId: string;
}

export const inGym = <T>(f: RenewalFixtures, fn: (em: EntityManager) => Promise<T>) =>
  runWithContext({ tenantId: f.tenantId }, () => withEm(f.gymOrm, (e) => fn(e as unknown as EntityManager)));

/** A plan priced in the fixtures' branch (ARS). */
export const pricedPlan = (f: RenewalFixtures, name: string, amount: bigint, freezeDays = 30) =>
  inGym(f, async (em) => {
    const plan = em.create(Plan, {
      name,
      kind: 'monthly',
      freezeMaxDaysPerYear: freezeDays,
      freezeMinDays: 1,
    } as never);
    await em.flush();
    em.create(PlanPrice, { planId: plan.id, branchId: f.branchId, amount, currency: 'ARS' } as never);
    await em.flush();
    return plan;
  });

/**
 * A member with their own user, a monthly plan at ARS 10,000.00 and an active auto-renewing
 * membership ending `daysLeft` days after `today` (negative: already past), the wallet funded with `wallet`.
 */
export async function renewingMembership(
  f: RenewalFixtures,
  today: string,
  opts: { daysLeft?: number; wallet?: bigint; freezeDays?: number } = {},
): Promise<RenewalSetup> {
  const userId = uuidv7();
  const plan = await pricedPlan(f, 'Mensual libre', 1_000_000n, opts.freezeDays);
  const membership = await inGym(f, async (em) => {
    const member = em.create(Member, {
      branchId: f.branchId,
      userId,
      firstName: 'Marta',
      lastName: 'Socia',
    } as never);
    await em.flush();
    const m = em.create(Membership, {
      memberId: member.id,
      planId: plan.id,
      branchId: f.branchId,
      status: 'active',
      startsOn: addDays(today, -25),
      endsOn: addDays(today, opts.daysLeft ?? 5),
      amount: 1_000_000n,
      currency: 'ARS',
      paymentMethod: 'wallet',
      purchaseKey: uuidv7(),
      autoRenew: true,
      autoRenewBy: userId,
    } as never);
    await em.flush();
    return m;
  });
  if (opts.wallet) await fundWallet(f.paymentsOrm, f.tenantId, userId, opts.wallet);
  const input = await inGym(f, (em) => renewalInputOf(em, membership));
  return { userId, membership, plan, input: input! };
}
