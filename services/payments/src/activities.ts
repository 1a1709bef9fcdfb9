import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/common';
import type { PaymentRequest, PaymentView, PaymentsActivities } from '@faena/workflows/payments/contract';
import type { CashClosurePaymentsActivities } from '@faena/workflows/cash-closure/contract';
import { asSystem, inTenantActivity, withEm, type Logger, type Orm } from '@faena/platform';
import { closureSessions } from './domain/cash-closure.ts';
import { Payment } from './domain/entities.ts';
import { present, releasePayout } from './domain/payments.ts';
import type { Providers } from './domain/providers.ts';
import { ProviderError } from './providers/mercadopago.ts';
import { PaymentNotFoundYet, refund, requestPayment, syncFromProvider } from './domain/service.ts';

export interface ActivityDeps {
  orm: Orm;
  logger: Logger;
  providers: Providers;
  secretKey: string;
  publicUrl: string;
}

/**
 * What workflows may ask of payments (`PaymentsActivities`, the payments processes' contract). Every activity runs in the tenant's context (tenant filter,
 * logs) with its own EntityManager; domain errors become non-retryable failures typed by their code
 * (INSUFFICIENT_BALANCE, INVALID_STATE_TRANSITION…) so a workflow can branch on them.
 */
export function createActivities(deps: ActivityDeps) {
  // A provider that refuses the request will refuse it again: our credentials (an operator must
  // fix them, then the workflow retries) or the request itself (a business refusal).
  const refusal = (err: unknown) =>
    err instanceof ProviderError && !err.retryable
      ? ApplicationFailure.nonRetryable(
          err.message,
          err.status === 401 || err.status === 403 ? 'PROVIDER_AUTH_FAILED' : 'PROVIDER_REJECTED',
        )
      : undefined;
  const inTenant = <T>(tenantId: string, fn: (em: EntityManager) => Promise<T>): Promise<T> =>
    inTenantActivity(deps.orm, tenantId, fn, { refusal });
  const loadPayment = async (em: EntityManager, paymentId: string) => {
    const p = await em.findOne(Payment, { id: paymentId });
    if (!p) throw ApplicationFailure.nonRetryable(`payment ${paymentId} not found`, 'NOT_FOUND');
    return p;
  };

  return {
    /** Creates the payment (once per key); provider payments come back pending with a checkout URL. */
    async createPaymentRequest(req: PaymentRequest): Promise<PaymentView> {
      return inTenant(req.tenantId, async (em) =>
        present(await requestPayment(em, deps, req.tenantId, { ...req, amount: BigInt(req.amount) })),
      );
    },

    /** Confirms the payment's funds sit in escrow (wallet payments are escrowed when created, provider ones on approval). */
    async holdInEscrow(input: { tenantId: string; paymentId: string }): Promise<PaymentView> {
      return inTenant(input.tenantId, async (em) => {
        const p = await loadPayment(em, input.paymentId);
        if (p.status !== 'held')
          throw ApplicationFailure.nonRetryable(
            `payment ${p.id} is ${p.status}, not held`,
            'PAYMENT_NOT_HELD',
          );
        return present(p);
      });
    },

    /**
     * Pays the escrow out: the payee gets the amount minus `commissionBps`, the platform the
     * commission; answers what moved (`payout`: gross, commission, net), also when the key had
     * already paid out.
     */
    async releasePayout(input: {
      key: string;
      tenantId: string;
      paymentId: string;
      commissionBps: number;
      amount?: string;
    }): Promise<PaymentView & { payout: { gross: string; commission: string; net: string } }> {
      return inTenant(input.tenantId, async (em) => {
        const { payment, payout } = await releasePayout(em, input.paymentId, {
          key: input.key,
          commissionBps: input.commissionBps,
          ...(input.amount && { amount: BigInt(input.amount) }),
        });
        return {
          ...present(payment),
          payout: {
            gross: payout.gross.toString(),
            commission: payout.commission.toString(),
            net: (payout.gross - payout.commission).toString(),
          },
        };
      });
    },

    /** Captures an escrowed payment to its payee with no commission. */
    async capture(input: { key: string; tenantId: string; paymentId: string }): Promise<PaymentView> {
      return inTenant(input.tenantId, async (em) =>
        present((await releasePayout(em, input.paymentId, { key: input.key, commissionBps: 0 })).payment),
      );
    },

    /** Refunds `amount` (all or part of what was captured), through the provider when it came from one. */
    async refund(input: {
      key: string;
      tenantId: string;
      paymentId: string;
      amount: string;
    }): Promise<PaymentView> {
      return inTenant(input.tenantId, async (em) =>
        present(await refund(em, deps, input.tenantId, input.paymentId, input.key, BigInt(input.amount))),
      );
    },

    async getPaymentStatus(input: { tenantId: string; paymentId: string }): Promise<PaymentView> {
      return inTenant(input.tenantId, async (em) => present(await loadPayment(em, input.paymentId)));
    },

    /** Reads a payment at its provider and applies it; retried (not lost) while its row is not visible yet. */
    async syncProviderPayment(input: {
      tenantId: string;
      provider: string;
      providerPaymentId: string;
    }): Promise<{ paymentId: string; status: string; workflowId: string | null }> {
      return inTenant(input.tenantId, async (em) => {
        try {
          const p = await syncFromProvider(em, deps, input.tenantId, input.provider, input.providerPaymentId);
          return { paymentId: p.id, status: p.status, workflowId: p.workflowId ?? null };
        } catch (err) {
          if (err instanceof PaymentNotFoundYet)
            throw ApplicationFailure.retryable(err.message, 'PAYMENT_NOT_FOUND_YET');
          throw err;
        }
      });
    },

    /** Provider payments still pending after `olderThanMinutes`, across tenants (the reconciliation janitor). */
    async findStalePayments(input: {
      olderThanMinutes: number;
      limit: number;
    }): Promise<Array<{ tenantId: string; provider: string; providerPaymentId: string }>> {
      return asSystem(() =>
        withEm(deps.orm, async (em) => {
          const rows = await em.execute<
            Array<{ tenantId: string; provider: string; providerPaymentId: string }>
          >(
            `select tenant_id as "tenantId", provider, provider_payment_id as "providerPaymentId" from payments.payments
              where status = 'pending' and provider is not null and provider_payment_id is not null and created_at < now() - make_interval(mins => ?)
              order by created_at limit ?`,
            [input.olderThanMinutes, input.limit],
          );
          return rows;
        }),
      );
    },
    /** The nightly cash closure's read of the branch's sessions (domain/cash-closure.ts). */
    async closureSessions(input: { tenantId: string; branchId: string; from: string; to: string }) {
      return inTenant(input.tenantId, (em) =>
        closureSessions(em, input.tenantId, {
          branchId: input.branchId,
          from: new Date(input.from),
          to: new Date(input.to),
        }),
      );
    },
  } satisfies PaymentsActivities & CashClosurePaymentsActivities;
}
