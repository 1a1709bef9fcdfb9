import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '@faena/platform';
import { escrowWorkflowId } from '@faena/workflows/escrow/contract';
import { BASE_PATH } from '../constants.ts';
import { Job, JobEvent, Offer, Professional } from './entities.ts';
import { currentCommissionBps } from './professionals.ts';

export function presentOffer(o: Offer, now = new Date()) {
  return {
    id: o.id,
    professionalId: o.professionalId,
    clientId: o.clientId,
    description: o.description,
    amount: o.amount.toString(),
    currency: o.currency,
    expiresAt: o.expiresAt.toISOString(),
    status: o.status,
    version: o.version,
    /** A pending offer past its expiry: it can no longer be accepted (nor edited). */
    expired: o.status === 'pending' && o.expiresAt <= now,
    respondedAt: o.respondedAt?.toISOString() ?? null,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

export interface OfferInput {
  clientId: string;
  description: string;
  amount: bigint;
  currency: string;
  expiresAt: Date;
}

const mustBeFuture = (d: Date) => {
  if (d.getTime() <= Date.now())
    throw new DomainError('EXPIRY_NOT_IN_FUTURE', 'expiresAt must be in the future', {
      field: 'body.expiresAt',
    });
};

/** Only a professional whose KYC an operator approved may send offers. */
export async function sendOffer(
  em: EntityManager,
  tenantId: string,
  professionalId: string,
  input: OfferInput,
): Promise<Offer> {
  const pro = await em.findOne(Professional, { id: professionalId });
  if (!pro)
    throw new DomainError(
      'KYC_NOT_APPROVED',
      'Create your professional profile and pass KYC before sending offers',
    );
  if (pro.kycStatus !== 'approved')
    throw new DomainError(
      'KYC_NOT_APPROVED',
      `Your KYC is ${pro.kycStatus}: only approved professionals send offers`,
    );
  if (input.clientId === professionalId)
    throw new DomainError('VALIDATION_FAILED', 'You cannot send an offer to yourself', {
      field: 'body.clientId',
    });
  mustBeFuture(input.expiresAt);
  const offer = em.create(Offer, {
    tenantId,
    professionalId,
    clientId: input.clientId,
    description: input.description,
    amount: input.amount,
    currency: input.currency,
    expiresAt: input.expiresAt,
    status: 'pending',
  });
  await em.flush();
  return offer;
}

/** Locks the offer row for the rest of the transaction; the caller must be its professional or client. */
async function lockOffer(
  tx: EntityManager,
  offerId: string,
  userId: string,
  side: 'professional' | 'client',
): Promise<Offer> {
  const o = await tx.findOne(Offer, { id: offerId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  // Someone else's offer is simply not found.
  if (!o || (side === 'professional' ? o.professionalId : o.clientId) !== userId) throw notFound('Offer');
  return o;
}

const notPending = (o: Offer) =>
  new DomainError('INVALID_STATE_TRANSITION', `The offer is ${o.status}, no longer pending`);
const expired = () => new DomainError('OFFER_EXPIRED', 'The offer has expired');

export async function editOffer(
  em: EntityManager,
  offerId: string,
  professionalId: string,
  patch: Partial<Omit<OfferInput, 'clientId'>>,
): Promise<Offer> {
  return em.transactional(async (tx) => {
    const o = await lockOffer(tx, offerId, professionalId, 'professional');
    if (o.status !== 'pending') throw notPending(o);
    if (patch.expiresAt) mustBeFuture(patch.expiresAt);
    else if (o.expiresAt <= new Date()) throw expired();
    if (patch.description !== undefined) o.description = patch.description;
    if (patch.amount !== undefined) o.amount = patch.amount;
    if (patch.currency !== undefined) o.currency = patch.currency;
    if (patch.expiresAt !== undefined) o.expiresAt = patch.expiresAt;
    o.version += 1;
    await tx.flush();
    return o;
  });
}

/** The professional withdraws, or the client rejects, a pending offer. */
export async function closeOffer(
  em: EntityManager,
  offerId: string,
  userId: string,
  how: 'withdrawn' | 'rejected',
): Promise<Offer> {
  return em.transactional(async (tx) => {
    const o = await lockOffer(tx, offerId, userId, how === 'withdrawn' ? 'professional' : 'client');
    if (o.status !== 'pending') throw notPending(o);
    o.status = how;
    o.respondedAt = new Date();
    await tx.flush();
    return o;
  });
}

/**
 * The client accepts: in one transaction, with the offer row locked, the offer becomes accepted and
 * its job is created (awaiting payment, the commission snapshotted from the professional's level)
 * with the first timeline entry. Accepting an offer already accepted by this client returns its job
 * (`created: false`), so a retry after a failed workflow start reaches the same job — unless its
 * payment failed (`payment_failed`): then the job is paid again, with the method now given, by a
 * new escrow run (`attempt` + 1, `created: true`); concurrent
 * accepts serialise on the lock and create one job (a unique constraint on jobs.offer_id backs it).
 */
export async function acceptOffer(
  em: EntityManager,
  tenantId: string,
  offerId: string,
  clientId: string,
  method: Job['paymentMethod'],
  version: number,
): Promise<{ offer: Offer; job: Job; created: boolean }> {
  return em.transactional(async (tx) => {
    const o = await lockOffer(tx, offerId, clientId, 'client');
    if (o.status === 'accepted') {
      const job = await tx.findOneOrFail(Job, { offerId: o.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (job.status !== 'payment_failed') return { offer: o, job, created: false };
      // The last payment could not be taken: pay again (another method allowed) in a new escrow run.
      job.attempt += 1;
      job.paymentMethod = method;
      job.status = 'awaiting_payment';
      job.workflowId = escrowWorkflowId(tenantId, o.id, job.attempt);
      tx.create(JobEvent, {
        tenantId,
        jobId: job.id,
        status: 'awaiting_payment',
        actor: 'client',
        actorId: clientId,
        reason: `paying again (attempt ${job.attempt}) with ${method}`,
        data: { offerId: o.id, paymentMethod: method, attempt: job.attempt },
        key: `job:${job.id}:attempt:${job.attempt}`,
      });
      await tx.flush();
      return { offer: o, job, created: true };
    }
    if (o.status !== 'pending') throw notPending(o);
    if (o.expiresAt <= new Date()) throw expired();
    // The client accepts what it saw: a change since (amount, currency, terms) is never charged unseen.
    if (o.version !== version)
      throw new DomainError(
        'OFFER_CHANGED',
        `The offer changed since version ${version}: version ${o.version} is ${o.amount.toString()} ${o.currency} (minor units); review it and accept that version`,
        { field: 'body.version', headers: { Location: `${BASE_PATH}/offers/${o.id}` } },
      );
    const pro = await tx.findOneOrFail(Professional, { id: o.professionalId });
    o.status = 'accepted';
    o.respondedAt = new Date();
    const job = tx.create(Job, {
      tenantId,
      offerId: o.id,
      clientId: o.clientId,
      professionalId: o.professionalId,
      description: o.description,
      amount: o.amount,
      currency: o.currency,
      commissionBps: currentCommissionBps(pro),
      levelAtAcceptance: pro.level,
      paymentMethod: method,
      status: 'awaiting_payment',
      workflowId: escrowWorkflowId(tenantId, o.id),
      payoutAmount: null,
      refundAmount: null,
      completedAt: null,
    });
    tx.create(JobEvent, {
      tenantId,
      jobId: job.id,
      status: 'awaiting_payment',
      actor: 'client',
      actorId: clientId,
      reason: 'offer accepted',
      data: { offerId: o.id, commissionBps: job.commissionBps, paymentMethod: method },
      key: `job:${job.id}:created`,
    });
    await tx.flush();
    return { offer: o, job, created: true };
  });
}
