import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import { Job, Professional, Review, type JobStatus } from './entities.ts';
import { xpForReview } from './gamification.ts';
import { awardXp } from './jobs.ts';

/**
 * Jobs a client may review: approved, paid out, or resolved after a dispute (the client lived the
 * job either way, and a dispute is exactly when the rating matters to others).
 */
export const REVIEWABLE: readonly JobStatus[] = ['approved', 'paid_out', 'resolved'];

export function presentReview(r: Review) {
  return {
    id: r.id,
    jobId: r.jobId,
    professionalId: r.professionalId,
    clientId: r.clientId,
    rating: r.rating,
    text: r.text,
    reply: r.reply ?? null,
    repliedAt: r.repliedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

/**
 * One review per job by its client: the professional's rating count, sum and average move in the
 * same transaction (professional row locked), and a good rating gives XP once.
 */
export async function writeReview(
  em: EntityManager,
  jobId: string,
  clientId: string,
  input: { rating: number; text?: string },
): Promise<Review> {
  return em.transactional(async (tx) => {
    const job = await tx.findOne(Job, { id: jobId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!job || job.clientId !== clientId) throw notFound('Job');
    if (!REVIEWABLE.includes(job.status))
      throw new DomainError(
        'INVALID_STATE_TRANSITION',
        `Only ${REVIEWABLE.join(', ')} jobs can be reviewed; this one is ${job.status}`,
      );
    if (await tx.findOne(Review, { jobId }))
      throw new DomainError('ALREADY_EXISTS', 'This job already has a review');
    const review = tx.create(Review, {
      tenantId: job.tenantId,
      jobId,
      professionalId: job.professionalId,
      clientId,
      rating: input.rating,
      text: input.text ?? '',
      reply: null,
      repliedAt: null,
    });
    const pro = await tx.findOneOrFail(
      Professional,
      { id: job.professionalId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    pro.ratingCount += 1;
    pro.ratingSum += input.rating;
    pro.ratingAvg = Math.round((pro.ratingSum / pro.ratingCount) * 100) / 100;
    await tx.flush();
    await awardXp(tx, job, 'good_review', xpForReview(input.rating));
    return review;
  });
}

/** The professional's one reply to a review of their work. */
export async function replyToReview(
  em: EntityManager,
  reviewId: string,
  professionalId: string,
  reply: string,
): Promise<Review> {
  return em.transactional(async (tx) => {
    const r = await tx.findOne(
      Review,
      { id: reviewId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!r || r.professionalId !== professionalId) throw notFound('Review');
    if (r.reply) throw new DomainError('ALREADY_EXISTS', 'The review already has a reply');
    r.reply = reply;
    r.repliedAt = new Date();
    await tx.flush();
    return r;
  });
}
