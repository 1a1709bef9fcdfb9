import { defineSignal } from '@temporalio/workflow';

/** A provider notification arrived for the payment a `paymentSync` workflow follows. */
export const providerNotified = defineSignal('providerNotified');

/** Sent to the workflow that asked for a payment (e.g. escrow) when the provider reports on it. */
export const paymentStatusChanged =
  defineSignal<[{ paymentId: string; status: string }]>('paymentStatusChanged');
