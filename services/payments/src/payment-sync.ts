import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  PAYMENT_SYNC_TASK_QUEUE,
  PAYMENT_SYNC_WORKFLOW_TYPE,
  paymentSyncWorkflowId,
  providerNotified,
  type PaymentSyncInput,
  type PaymentSyncWorkflow,
} from '@faena/workflows/payments/contract';

/**
 * Hands a provider's notification of one payment to its `paymentSync` workflow: starts it, or
 * signals the run already following that payment (its read covers the newer notification).
 */
export function syncProviderPaymentLater(
  temporal: Client,
  input: PaymentSyncInput,
  opts: { taskQueue?: string } = {},
): Promise<WorkflowHandle<PaymentSyncWorkflow>> {
  return temporal.workflow.signalWithStart<PaymentSyncWorkflow, []>(PAYMENT_SYNC_WORKFLOW_TYPE, {
    taskQueue: opts.taskQueue ?? PAYMENT_SYNC_TASK_QUEUE,
    workflowId: paymentSyncWorkflowId(input.tenantId, input.provider, input.providerPaymentId),
    args: [input],
    signal: providerNotified,
    signalArgs: [],
    searchAttributes: {
      TenantId: [input.tenantId],
      BusinessKey: [`${input.provider}:${input.providerPaymentId}`],
    },
  });
}
