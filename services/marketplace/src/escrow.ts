/**
 * The marketplace's side of the escrow workflow: start it when an offer is accepted, drive it with
 * Updates, read it with the status query. The API never waits for the workflow to progress.
 */
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { DomainError, processCallError, startProcessOnce } from '@faena/platform';
import { currencyDigits } from '@faena/platform/money';
import {
  ESCROW_WORKFLOW_TYPE,
  statusQuery,
  type EscrowInput,
  type EscrowStatus,
  type EscrowWorkflow,
} from '@faena/workflows/escrow/contract';
import type { EscrowWindows } from './deps.ts';
import type { Job } from './domain/entities.ts';

/** The offer's description shortened to one line of at most 80 characters (names the deal in notifications). */
export const titleOf = (description: string): string => {
  const line = description.trim().split(/\r?\n/)[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
};

export const escrowInputOf = (
  tenantId: string,
  job: Job,
  extra: { professionalName?: string; windows?: EscrowWindows } = {},
): EscrowInput => ({
  tenantId,
  offerId: job.offerId,
  jobId: job.id,
  title: titleOf(job.description),
  clientId: job.clientId,
  professionalId: job.professionalId,
  amount: job.amount.toString(),
  currency: job.currency,
  commissionBps: job.commissionBps,
  method: job.paymentMethod,
  ...(extra.professionalName && { professionalName: extra.professionalName }),
  ...extra.windows,
});

/** `ARS 1500.00`: the amount in the currency's minor-unit digits, for the run's summary line. */
const plainAmount = (minor: bigint, currency: string) => {
  const d = currencyDigits(currency);
  const scale = 10n ** BigInt(d);
  return `${currency} ${minor / scale}${d ? `.${(minor % scale).toString().padStart(d, '0')}` : ''}`;
};

/**
 * Starts the job's escrow workflow. Starting it again (a retried accept, a concurrent one) finds it
 * already started and is a success: REJECT_DUPLICATE keeps a finished deal's id from ever running
 * again, FAIL makes a running one answer "already started" instead of starting a second run.
 */
export async function startEscrow(
  temporal: Client,
  taskQueue: string,
  tenantId: string,
  job: Job,
  extra: { professionalName?: string; windows?: EscrowWindows } = {},
): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = job.workflowId;
  try {
    const started = await startProcessOnce<EscrowWorkflow>(temporal, ESCROW_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [escrowInputOf(tenantId, job, extra)],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      searchAttributes: {
        TenantId: [tenantId],
        BusinessKey: [job.offerId],
        ProcessStatus: ['awaiting_payment'],
      },
      staticSummary: `Escrow · ${titleOf(job.description)} · ${plainAmount(job.amount, job.currency)}${
        extra.professionalName ? ` · ${extra.professionalName}` : ''
      }${job.attempt > 1 ? ` · payment attempt ${job.attempt}` : ''}`,
      staticDetails: `Job ${job.id}, offer ${job.offerId}. Client ${job.clientId}, professional ${job.professionalId}. Commission ${job.commissionBps / 100}%. Method ${job.paymentMethod}. The run's current details say what it waits for and the operator action that applies.`,
    });
    return { workflowId, started };
  } catch {
    throw new DomainError(
      'SERVICE_UNAVAILABLE',
      'The payment process could not be started; the offer is accepted: retry the accept',
      { headers: { 'Retry-After': '5' } },
    );
  }
}

/** A failed call to a deal's escrow process in our envelope (a missing one is 404). */
export const escrowError = (err: unknown): DomainError =>
  processCallError(
    err,
    'escrow',
    new DomainError('NOT_FOUND', 'The escrow process of this job was not found'),
  );

export async function queryEscrow(temporal: Client, workflowId: string): Promise<EscrowStatus> {
  try {
    return await temporal.workflow.getHandle(workflowId).query(statusQuery);
  } catch (err) {
    throw escrowError(err);
  }
}

/**
 * The deal's state as the server last saw it (its `ProcessStatus` search attribute): answers even
 * when no workflow worker runs, unlike the `status` query.
 */
export async function escrowStateOf(temporal: Client, workflowId: string): Promise<string | null> {
  try {
    const d = await temporal.workflow.getHandle(workflowId).describe();
    const v = d.searchAttributes.ProcessStatus;
    return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : null;
  } catch {
    return null;
  }
}
