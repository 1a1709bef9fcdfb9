/**
 * What the escrow tests (time-skipping, `escrow.test.ts`) and the live batch (`live/deals.ts`)
 * share: the parts of other services a workflow test stands in for, and the real payments
 * activities with the failures a test injects. One definition each.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/common';
import { runWithContext, withEm, type Logger, type Orm } from '@faena/platform';
import { uuidv7 } from 'uuidv7';
import { createActivities as createPaymentActivities } from '../../../services/payments/src/activities.ts';
import { createPayment } from '../../../services/payments/src/domain/payments.ts';
import { createDrawer, openSession } from '../../../services/payments/src/domain/cash.ts';
import { createProviders } from '../../../services/payments/src/wiring.ts';
import type { IdentityActivities } from '../../src/identity/contract.ts';
import type { EscrowInput } from '../../src/escrow/contract.ts';

/** The tenant every deal of a test belongs to, as identity describes it. */
export const TENANT_PROFILE = {
  name: 'Conectar',
  currency: 'ARS',
  locale: 'es-AR',
  timeZone: 'America/Argentina/Buenos_Aires',
} as const;

/** identity's activities for a test: one tenant, people named by `nameOf`, one operator who may resolve disputes. */
export function identityStandIn(opts: {
  tenantId: string;
  operator: { id: string; name: string };
  nameOf: (userId: string) => string;
}): IdentityActivities {
  return {
    async describeTenant() {
      return { id: opts.tenantId, ...TENANT_PROFILE };
    },
    async describeUser({ userId }) {
      return { id: userId, name: opts.nameOf(userId), email: `${userId}@example.com`, locale: null };
    },
    async verifyOperator({ userId }) {
      if (userId !== opts.operator.id)
        throw ApplicationFailure.nonRetryable(`user ${userId} lacks disputes.resolve`, 'FORBIDDEN');
      return { ...opts.operator, email: 'olga@example.com', locale: null };
    },
    async roleHolders() {
      return { holders: [], truncated: false };
    },
  };
}

/** notifications' `notify` for a test: `seen` gets each call; nothing is sent. */
export const notificationsStandIn = (
  seen: (n: { key: string; event: string; userId: string | undefined; email?: string }) => void = () =>
    undefined,
) => ({
  async notify(n: { key: string; event: string; recipient?: { userId?: string; email?: string } }) {
    seen({
      key: n.key,
      event: n.event,
      userId: n.recipient?.userId,
      ...(n.recipient?.email && { email: n.recipient.email }),
    });
    return { replayed: false, notifications: [], webhookDeliveries: 0 };
  },
});

export const SECRET = 'escrow-test-secret-escrow-test-secret-!!';

/**
 * payments' real activities against the sandbox at `sandboxUrl`, with failures a test asks for:
 * `refundAuthFailure(match)` makes the next refund whose key `match`es answer like a provider
 * refusing our credentials (401); `payoutCrashes(n)` pays out, then "crashes" before answering, `n`
 * times (retries must not pay twice).
 */
export function paymentsWithFailures(opts: { orm: Orm; logger: Logger; sandboxUrl: string }) {
  const real = createPaymentActivities({
    orm: opts.orm,
    logger: opts.logger,
    providers: createProviders({ MERCADOPAGO_BASE_URL: opts.sandboxUrl }),
    secretKey: SECRET,
    publicUrl: 'http://127.0.0.1:9',
  });
  const refundFailures: Array<(key: string) => boolean> = [];
  let payoutCrashesLeft = 0;
  const activities = {
    ...real,
    async releasePayout(input: Parameters<typeof real.releasePayout>[0]) {
      const result = await real.releasePayout(input);
      if (payoutCrashesLeft > 0) {
        payoutCrashesLeft -= 1;
        throw new Error('worker crashed after paying out');
      }
      return result;
    },
    async refund(input: Parameters<typeof real.refund>[0]) {
      const i = refundFailures.findIndex((m) => m(input.key));
      if (i >= 0) {
        refundFailures.splice(i, 1);
        throw ApplicationFailure.nonRetryable(
          'provider answered 401 to POST /v1/payments/:id/refunds',
          'PROVIDER_AUTH_FAILED',
        );
      }
      return real.refund(input);
    },
  };
  return {
    real,
    activities,
    refundAuthFailure: (match: (key: string) => boolean) => void refundFailures.push(match),
    payoutCrashes: (n: number) => void (payoutCrashesLeft = n),
    payoutCrashesLeft: () => payoutCrashesLeft,
  };
}

/** Puts `amount` in the user's wallet (a cash top-up), for wallet-paid deals. */
export async function fundWallet(orm: Orm, tenantId: string, userId: string, amount: bigint): Promise<void> {
  await runWithContext({ tenantId }, () =>
    withEm(orm, async (e) => {
      const em = e as unknown as EntityManager;
      // Cash goes into a drawer with an open session (a drawer of its own, of a branch identity never sees here).
      const drawer = await createDrawer(em, tenantId, uuidv7(), 'Caja test');
      await openSession(em, drawer, { openingFloat: 0n, currency: 'ARS', userId });
      return createPayment(em, tenantId, {
        key: uuidv7(),
        amount,
        currency: 'ARS',
        method: 'cash',
        payerId: userId,
        drawerId: drawer.id,
        purpose: 'wallet_topup',
        reference: 'test funds',
      });
    }),
  );
}

/** A deal's input with test defaults (a wallet payment of ARS 1000.00, 10% commission). */
export const dealInput = (tenantId: string, over: Partial<EscrowInput> = {}): EscrowInput => ({
  tenantId,
  offerId: uuidv7(),
  jobId: uuidv7(),
  title: 'Fix the kitchen sink',
  clientId: uuidv7(),
  professionalId: uuidv7(),
  amount: '100000',
  currency: 'ARS',
  commissionBps: 1000,
  method: 'wallet',
  ...over,
});
