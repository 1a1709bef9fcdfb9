import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, isOneOf, notFound } from '@faena/platform';
import {
  Dispute,
  JOB_STATUSES,
  Job,
  JobEvent,
  Professional,
  XpAward,
  type JobActor,
  type JobStatus,
} from './entities.ts';
import { XP_JOB_COMPLETED, levelFor, progress } from './gamification.ts';

/** The commission the payout paid (stored since escrow v2; computed from the snapshotted rate before). */
const commissionOfJob = (j: Job): bigint =>
  j.commissionAmount ?? ((j.payoutAmount ?? 0n) * BigInt(j.commissionBps)) / 10_000n;

export function presentJob(j: Job) {
  return {
    id: j.id,
    offerId: j.offerId,
    clientId: j.clientId,
    professionalId: j.professionalId,
    description: j.description,
    amount: j.amount.toString(),
    currency: j.currency,
    commissionBps: j.commissionBps,
    levelAtAcceptance: j.levelAtAcceptance,
    paymentMethod: j.paymentMethod,
    status: j.status,
    workflowId: j.workflowId,
    attempt: j.attempt,
    /** What the professional received: the payout net of the commission. */
    payoutAmount:
      j.payoutAmount === null || j.payoutAmount === undefined
        ? null
        : (j.payoutAmount - commissionOfJob(j)).toString(),
    /** What the platform kept of the payout. */
    commissionAmount:
      j.payoutAmount === null || j.payoutAmount === undefined ? null : commissionOfJob(j).toString(),
    refundAmount: j.refundAmount?.toString() ?? null,
    completedAt: j.completedAt?.toISOString() ?? null,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
  };
}

/**
 * The job as the escrow state an Update just answered shows it: status, and the money that moved
 * (net payout, commission, refund), before the workflow has recorded the step on the row.
 */
export function presentJobAs(
  j: Job,
  escrow: { state: string; paidOut: string; commission: string; refunded: string },
) {
  const view = presentJob(j);
  const status = isOneOf(JOB_STATUSES, escrow.state) ? escrow.state : view.status;
  const moved = escrow.paidOut !== '0' || escrow.commission !== '0';
  return {
    ...view,
    status,
    ...(moved && { payoutAmount: escrow.paidOut, commissionAmount: escrow.commission }),
    ...(escrow.refunded !== '0' && { refundAmount: escrow.refunded }),
  };
}

/** An operator never decides a deal they are a party to (403 OWN_CASE). */
export function assertNotParty(job: Job, operatorId: string): void {
  if (job.clientId === operatorId || job.professionalId === operatorId)
    throw new DomainError('OWN_CASE', 'You are a party to this job: another operator must decide it');
}

export function presentEvent(e: JobEvent) {
  return {
    id: e.id,
    status: e.status,
    actor: e.actor,
    actorId: e.actorId ?? null,
    reason: e.reason ?? null,
    data: e.data ?? null,
    at: e.createdAt.toISOString(),
  };
}

export function presentDispute(d: Dispute) {
  return {
    id: d.id,
    jobId: d.jobId,
    openedBy: d.openedBy,
    reason: d.reason,
    evidence: d.evidence,
    status: d.status,
    refundAmount: d.refundAmount?.toString() ?? null,
    payoutAmount: d.payoutAmount?.toString() ?? null,
    resolutionNote: d.resolutionNote ?? null,
    resolvedBy: d.resolvedBy ?? null,
    resolvedAt: d.resolvedAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
  };
}

export interface JobEventInput {
  tenantId: string;
  jobId: string;
  status: JobStatus;
  actor: JobActor;
  actorId?: string | null;
  reason?: string;
  data?: Record<string, unknown>;
  /** Idempotency key: the same key records once (unique constraint). */
  key: string;
  /** The escrow run recording it; an earlier run of the job (a failed payment attempt) does not move its status. */
  workflowId?: string;
}

const money = (v: unknown): bigint | null => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  return null;
};
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string').slice(0, 20) : [];

/** Gives XP once per job and reason; levels follow XP; a completed job also counts. */
export async function awardXp(
  tx: EntityManager,
  job: Pick<Job, 'id' | 'tenantId' | 'professionalId'>,
  reason: XpAward['reason'],
  xp: number,
): Promise<boolean> {
  if (xp <= 0 && reason !== 'job_completed') return false;
  if (await tx.findOne(XpAward, { jobId: job.id, reason })) return false;
  tx.create(XpAward, {
    tenantId: job.tenantId,
    professionalId: job.professionalId,
    jobId: job.id,
    reason,
    xp,
  });
  const pro = await tx.findOneOrFail(
    Professional,
    { id: job.professionalId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  pro.xp += xp;
  pro.level = levelFor(pro.xp).level;
  if (reason === 'job_completed') pro.completedJobs += 1;
  await tx.flush();
  return true;
}

/**
 * Sets the job's status and appends the timeline entry, once per `key` (a repeat is a no-op). With
 * the job row locked, so entries of one job apply one at a time. Side effects by status:
 * `completed_by_professional` stamps completedAt; `disputed` opens the dispute (data.reason,
 * data.evidence); `resolved` stores the split (data.refund, data.gross or data.payout, data.commission,
 * data.note) and closes it; `paid_out` stores the payout (data.gross or data.payout, default the whole
 * amount, and data.commission); `cancelled` the refund
 * (data.refund). A payout > 0 (paid_out, or resolved with a payout) awards the completion XP and
 * counts the job as completed, once.
 */
export async function recordJobEvent(
  em: EntityManager,
  input: JobEventInput,
): Promise<{ recorded: boolean; job: Job }> {
  return em.transactional(async (tx) => {
    const job = await tx.findOne(
      Job,
      { id: input.jobId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!job) throw notFound('Job');
    if (await tx.findOne(JobEvent, { key: input.key })) return { recorded: false, job };
    const data = input.data ?? {};
    tx.create(JobEvent, {
      tenantId: job.tenantId,
      jobId: job.id,
      status: input.status,
      actor: input.actor,
      actorId: input.actorId ?? null,
      reason: input.reason ?? null,
      data: input.data ?? null,
      key: input.key,
    });
    if (input.workflowId && input.workflowId !== job.workflowId) {
      await tx.flush(); // an earlier attempt's news (e.g. its late payment refunded): timeline only
      return { recorded: true, job };
    }
    job.status = input.status;
    let payout: bigint | null = null;
    switch (input.status) {
      case 'completed_by_professional':
        job.completedAt = new Date();
        break;
      case 'disputed': {
        const existing = await tx.findOne(Dispute, { jobId: job.id });
        if (!existing)
          tx.create(Dispute, {
            tenantId: job.tenantId,
            jobId: job.id,
            openedBy: input.actorId ?? job.clientId,
            reason:
              (typeof data.reason === 'string' ? data.reason : (input.reason ?? '')).slice(0, 1000) ||
              'disputed',
            evidence: strings(data.evidence),
            status: 'open',
          });
        break;
      }
      case 'resolved': {
        payout = money(data.gross) ?? money(data.payout);
        const refund = money(data.refund);
        job.payoutAmount = payout;
        job.commissionAmount = money(data.commission);
        job.refundAmount = refund;
        const d = await tx.findOne(Dispute, { jobId: job.id });
        if (d) {
          d.status = 'resolved';
          d.payoutAmount = payout;
          d.refundAmount = refund;
          d.resolutionNote =
            typeof data.note === 'string' ? data.note.slice(0, 1000) : (input.reason ?? null);
          d.resolvedBy = input.actorId ?? null;
          d.resolvedAt = new Date();
        }
        break;
      }
      case 'paid_out':
        payout = money(data.gross) ?? money(data.payout) ?? job.amount;
        job.payoutAmount = payout;
        job.commissionAmount = money(data.commission);
        break;
      case 'cancelled':
        job.refundAmount = money(data.refund ?? data.refunded);
        break;
      default:
        break;
    }
    await tx.flush();
    if (payout !== null && payout > 0n) await awardXp(tx, job, 'job_completed', XP_JOB_COMPLETED);
    return { recorded: true, job };
  });
}

/** `GET /professionals/me/stats`. Income per currency from the jobs paid out to the professional. */
export async function professionalStats(em: EntityManager, pro: Professional) {
  const rows = await em
    .getConnection()
    .execute<Array<{ currency: string; gross: string; commission: string; jobs: number }>>(
      `select currency, sum(payout_amount)::text as gross,
        sum(coalesce(commission_amount, (payout_amount * commission_bps) / 10000))::text as commission, count(*)::int as jobs
      from marketplace.jobs
      where tenant_id = ? and professional_id = ? and status in ('paid_out', 'resolved') and payout_amount > 0
      group by currency order by currency`,
      [pro.tenantId, pro.id],
    );
  const { level, next, xpToNextLevel } = progress(pro.xp);
  return {
    completedJobs: pro.completedJobs,
    income: rows.map((r) => ({
      currency: r.currency,
      jobs: r.jobs,
      gross: r.gross,
      commission: r.commission,
      net: (BigInt(r.gross) - BigInt(r.commission)).toString(),
    })),
    rating: { average: pro.ratingAvg, count: pro.ratingCount },
    reviews: pro.ratingCount,
    level: { level: level.level, name: level.name, commissionBps: level.commissionBps },
    xp: pro.xp,
    nextLevel: next ? { level: next.level, name: next.name, atXp: next.minXp } : null,
    xpToNextLevel,
  };
}
