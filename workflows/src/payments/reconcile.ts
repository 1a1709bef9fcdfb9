import { log, patched } from '@temporalio/workflow';
import { processMetrics } from '../metrics.ts';
import { payments, paymentsOnce } from './activities.ts';
import type { ReconcileInput, ReconcileWorkflow } from './contract.ts';
import { tellOwner } from './sync.ts';

/**
 * The reconciliation janitor (a Temporal Schedule, every 10 minutes by default): provider payments
 * still pending after `olderThanMinutes` are read at the provider and settled or failed, and the
 * workflow waiting for each is told, as paymentSync would have.
 */
export const reconcilePayments: ReconcileWorkflow = async function reconcilePayments(opts: ReconcileInput) {
  const metrics = processMetrics();
  metrics.started();
  const stale = await payments.findStalePayments({
    olderThanMinutes: opts.olderThanMinutes,
    limit: opts.limit ?? 500,
  });
  let updated = 0;
  let errors = 0;
  for (const p of stale) {
    try {
      const r = await paymentsOnce.syncProviderPayment(p);
      if (r.status !== 'pending') {
        updated += 1;
        // The deal waiting for this payment learns it like from a webhook (one it may have missed).
        if (patched('reconcile-tells-owner')) await tellOwner(r);
      }
    } catch (err) {
      errors += 1;
      log.warn('reconciliation of a payment failed', {
        providerPaymentId: p.providerPaymentId,
        error: String(err),
      });
    }
  }
  // A run that could not read every stale payment did not do its job; the next run tries again.
  metrics.outcome(errors === 0 ? 'on_time' : 'failed');
  return { checked: stale.length, updated, errors };
};
