import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { processMetrics } from '../metrics.ts';
import { payments } from './activities.ts';
import {
  paymentStatusChanged,
  providerNotified,
  type PaymentSyncInput,
  type PaymentSyncWorkflow,
} from './contract.ts';

/** Tells the workflow that asked for a payment (e.g. escrow) what its provider reported, if any asked. */
export async function tellOwner(result: {
  paymentId: string;
  status: string;
  workflowId: string | null;
}): Promise<void> {
  if (!result.workflowId) return;
  try {
    await getExternalWorkflowHandle(result.workflowId).signal(paymentStatusChanged, {
      paymentId: result.paymentId,
      status: result.status,
    });
  } catch (err) {
    // A closed owner is no error: its deal ended (a late payment is refunded by payments' owner).
    if (!(err instanceof ApplicationFailure))
      log.warn('waiting workflow could not be signalled', {
        workflowId: result.workflowId,
        error: String(err),
      });
  }
}

/**
 * Started (or signalled) by the webhook endpoint: reads the payment at the provider and applies it.
 * While the payment's row is not visible yet the activity keeps retrying, so an early notification
 * is never lost. Then tells the workflow waiting for this payment, if any.
 */
/** A provider's news applied within this long of the notification is on time. */
const SYNC_ON_TIME_MS = 60_000;

export const paymentSync: PaymentSyncWorkflow = async function paymentSync(input: PaymentSyncInput) {
  const metrics = processMetrics();
  metrics.started();
  setHandler(providerNotified, () => undefined); // later notifications are covered by this run's read
  upsertSearchAttributes({
    TenantId: [input.tenantId],
    BusinessKey: [`${input.provider}:${input.providerPaymentId}`],
    ProcessStatus: ['syncing'],
  });
  const result = await payments.syncProviderPayment(input);
  upsertSearchAttributes({ ProcessStatus: [result.status] });
  metrics.outcome(Date.now() - workflowInfo().startTime.getTime() <= SYNC_ON_TIME_MS ? 'on_time' : 'late');
  await tellOwner(result);
  return { paymentId: result.paymentId, status: result.status };
};
