/**
 * The business-process metric contract, in one place: the names and labels every long-running
 * process (a Temporal workflow) emits, the outcomes it may end with, and the histogram buckets
 * of its duration. Side-effect free, so workflow code (bundled, sandboxed) imports it too.
 *
 * Emitted from workflow code through the SDK's workflow metric meter (`workflows/src/metrics.ts`):
 * the facts (when the process started, how it ended, how long the money took) are known there,
 * the meter adds no command to the history (replay-safe, no patch needed) and emits nothing while
 * a history replays, so a worker restart does not count a process twice. Exported by each
 * worker's Temporal runtime on its `TEMPORAL_METRICS_PORT` beside the Temporal SDK's own metrics.
 * At-least-once: a worker killed after emitting but before its workflow task completed emits
 * again when the task is retried (rare; counts may run high by one, never low).
 *
 * Labels: `workflow_type` and `outcome` only — never a tenant, user or business key (cardinality).
 * (The SDK adds `namespace`, `taskQueue` and `workflowType`, all bounded.)
 */

/** Metric names as given to the meter; Prometheus sees `_total` on counters and `_seconds` on the duration. */
export const PROCESS_METRICS = {
  /** Counter: a process began (its first workflow task). */
  started: 'faena_process_started',
  /** Counter: a process reached an outcome (`outcome` label). */
  outcomes: 'faena_process_outcomes',
  /** Histogram (seconds): from the process's start to its outcome. */
  duration: 'faena_process_duration',
} as const;

/**
 * How a process ended, in the words the SLOs use:
 *   on_time           it reached its goal within its window (each process defines the window)
 *   late              it reached its goal after its window
 *   failed            it ended without reaching its goal (a business failure: declined, expired)
 *   compensated       it was undone: money returned, stock restored
 *   waiting_operator  automation stopped and an operator must act (counted when it parks; the
 *                     process records its final outcome too when the operator has acted)
 */
export const PROCESS_OUTCOMES = ['on_time', 'late', 'failed', 'compensated', 'waiting_operator'] as const;
export type ProcessOutcome = (typeof PROCESS_OUTCOMES)[number];

/** Duration buckets (seconds): a print job takes seconds, a deal days, a membership a month. */
export const PROCESS_DURATION_BUCKETS = [
  1,
  5,
  15,
  60,
  300,
  900,
  3600,
  4 * 3600,
  12 * 3600,
  86400,
  3 * 86400,
  7 * 86400,
  14 * 86400,
  31 * 86400,
];
