import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/common';
import { inTenantActivity, type Logger, type Orm } from '@faena/platform';
import { Job, type JobActor, type JobStatus } from './domain/entities.ts';
import { recordJobEvent } from './domain/jobs.ts';
import type { JobActivities } from '@faena/workflows/escrow/contract';

export interface ActivityDeps {
  orm: Orm;
  logger: Logger;
}

export type { JobActor, JobStatus };

export interface RecordJobEventInput {
  tenantId: string;
  jobId: string;
  status: JobStatus;
  actor: JobActor;
  actorId?: string | null;
  reason?: string;
  /**
   * Details by status: `disputed` { reason, evidence: string[] }; `resolved` { refund, payout, note }
   * (minor units as decimal strings); `paid_out` { payout } (default: the whole amount);
   * `cancelled` { refund | refunded }.
   */
  data?: Record<string, unknown>;
  /** Derived by the workflow from its id and the step: the same key records once. */
  key: string;
  /** The escrow run recording it (an earlier payment attempt's run only adds to the timeline). */
  workflowId?: string;
}

export interface JobView {
  id: string;
  status: JobStatus;
  offerId: string;
  clientId: string;
  professionalId: string;
  /** Minor units as a decimal string. */
  amount: string;
  currency: string;
  commissionBps: number;
  paymentMethod: Job['paymentMethod'];
  payoutAmount: string | null;
  refundAmount: string | null;
}

/**
 * What workflows may ask of the marketplace (task queue `marketplace`). Every activity runs in the
 * tenant's context (tenant filter, logs) with its own EntityManager; domain errors become
 * non-retryable failures typed by their code (NOT_FOUND…).
 */
export function createActivities(deps: ActivityDeps) {
  const inTenant = <T>(tenantId: string, fn: (em: EntityManager) => Promise<T>): Promise<T> =>
    inTenantActivity(deps.orm, tenantId, fn);

  const activities = {
    /**
     * Sets the job's status and appends its timeline entry, once per `key`. On `paid_out` (or
     * `resolved` with a payout) it also counts the completed job and awards its XP, once.
     */
    async recordJobEvent(input: RecordJobEventInput): Promise<void> {
      await inTenant(input.tenantId, async (em) => {
        const { recorded } = await recordJobEvent(em, input);
        if (recorded)
          deps.logger.info('job status recorded', {
            jobId: input.jobId,
            status: input.status,
            key: input.key,
          });
      });
    },

    async getJob(input: { tenantId: string; jobId: string }): Promise<JobView> {
      return inTenant(input.tenantId, async (em) => {
        const j = await em.findOne(Job, { id: input.jobId });
        if (!j) throw ApplicationFailure.nonRetryable(`job ${input.jobId} not found`, 'NOT_FOUND');
        return {
          id: j.id,
          status: j.status,
          offerId: j.offerId,
          clientId: j.clientId,
          professionalId: j.professionalId,
          amount: j.amount.toString(),
          currency: j.currency,
          commissionBps: j.commissionBps,
          paymentMethod: j.paymentMethod,
          payoutAmount: j.payoutAmount?.toString() ?? null,
          refundAmount: j.refundAmount?.toString() ?? null,
        };
      });
    },
  };
  // The escrow needs `recordJobEvent`; `getJob` serves other callers.
  return activities satisfies JobActivities;
}

export type MarketplaceActivities = ReturnType<typeof createActivities>;
