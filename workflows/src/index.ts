// Every workflow the `workflows` task queue runs. Deterministic code only: no I/O, no Node built-ins.
export { paymentSync } from './payments/sync.ts';
export { reconcilePayments } from './payments/reconcile.ts';
export { escrow } from './escrow/workflow.ts';
export { classWaitlist } from './waitlist/workflow.ts';
export { renewal } from './renewal/workflow.ts';
export { incident } from './incident/workflow.ts';
export { lowStockAlert } from './stock/workflow.ts';
export { cashClosure, cashClosureTrigger } from './cash-closure/workflow.ts';
export { printJob } from './printing/job.ts';
export { printer } from './printing/printer.ts';
