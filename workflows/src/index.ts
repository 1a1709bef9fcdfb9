// Every workflow the `workflows` task queue runs. Deterministic code only: no I/O, no Node built-ins.
export { paymentSync } from './payments/sync.ts';
export { reconcilePayments } from './payments/reconcile.ts';
export { escrow } from './escrow/workflow.ts';
