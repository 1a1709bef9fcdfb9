/**
 * The one way a process emits its business metrics (the contract is in
 * `@faena/platform/process-metrics`): `started()` once when it begins, `outcome(…)` when it reaches
 * one. Through the SDK's workflow metric meter: no command is added to the history (no patch, old
 * histories replay), and nothing is emitted while a history replays.
 */
import { metricMeter, workflowInfo } from '@temporalio/workflow';
import { PROCESS_METRICS, PROCESS_OUTCOMES, type ProcessOutcome } from '@faena/platform/process-metrics';

export interface ProcessMetrics {
  /** The process began: call once, at the top of the workflow. */
  started(): void;
  /** The process reached `outcome`; its duration is measured from the start of the workflow chain. */
  outcome(outcome: ProcessOutcome): void;
}

/** The metrics of the running workflow, labelled with its workflow type. */
export function processMetrics(): ProcessMetrics {
  const { workflowType } = workflowInfo();
  return {
    started: () => {
      metricMeter
        .createCounter(PROCESS_METRICS.started, 'process', 'Business processes started')
        .add(1, { workflow_type: workflowType });
      // Every outcome's series exists from the first start, at 0: a rate over "late" is 0, not
      // missing, so SLO ratios and alerts work before the first late process.
      const outcomes = metricMeter.createCounter(
        PROCESS_METRICS.outcomes,
        'process',
        'Business processes by outcome',
      );
      for (const outcome of PROCESS_OUTCOMES) outcomes.add(0, { workflow_type: workflowType, outcome });
    },
    outcome: (outcome) => {
      const tags = { workflow_type: workflowType, outcome };
      metricMeter
        .createCounter(PROCESS_METRICS.outcomes, 'process', 'Business processes by outcome')
        .add(1, tags);
      const seconds = Math.max(0, (Date.now() - workflowInfo().startTime.getTime()) / 1000);
      metricMeter
        .createHistogram(PROCESS_METRICS.duration, 'float', 'seconds', 'From a process start to its outcome')
        .record(seconds, tags);
    },
  };
}
