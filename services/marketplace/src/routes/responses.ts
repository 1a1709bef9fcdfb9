/**
 * What the marketplace API answers, one schema per resource, each the shape of its presenter
 * (domain/*: presentJob, presentOffer, presentProfessional…). They document `/openapi.json` and, in
 * tests, every answer is checked against them (platform `checkResponses`). Money is minor units as
 * a decimal string with its currency; instants are ISO 8601 UTC; ids are `id`.
 */
import Joi from 'joi';
import { FINAL_STATES } from '@faena/workflows/escrow/contract';
import { uuid } from '@faena/platform';

const iso = Joi.string().isoDate();
const minor = Joi.string()
  .pattern(/^-?\d+$/)
  .description('minor units as a decimal string');
const nullable = <T extends Joi.Schema>(s: T) => s.allow(null).required();
const point = Joi.object({ latitude: Joi.number().required(), longitude: Joi.number().required() });
const rating = Joi.object({ average: Joi.number().required(), count: Joi.number().integer().required() });

export const professionalOut = Joi.object({
  id: uuid.required(),
  displayName: Joi.string().required(),
  bio: Joi.string().allow('').required(),
  categories: Joi.array().items(Joi.string()).required(),
  skills: Joi.array().items(Joi.string()).required(),
  location: point.required(),
  radiusMeters: Joi.number().integer().required(),
  kyc: Joi.object({
    status: Joi.string().required(),
    note: nullable(Joi.string()),
    reviewedAt: nullable(iso),
  }).required(),
  rating: rating.required(),
  level: Joi.object({
    level: Joi.number().integer().required(),
    name: Joi.string().required(),
    xp: Joi.number().integer().required(),
    nextLevelAt: nullable(Joi.number().integer()),
  }).required(),
  completedJobs: Joi.number().integer().required(),
  createdAt: iso.required(),
});

export const searchHitOut = Joi.object({
  id: uuid.required(),
  displayName: Joi.string().required(),
  categories: Joi.array().items(Joi.string()).required(),
  skills: Joi.array().items(Joi.string()).required(),
  rating: rating.required(),
  level: Joi.object({ level: Joi.number().integer().required(), name: Joi.string().required() }).required(),
  radiusMeters: Joi.number().integer().required(),
  distanceMeters: Joi.number().required(),
  servesLocation: Joi.boolean().required(),
});

export const statsOut = Joi.object({
  completedJobs: Joi.number().integer().required(),
  income: Joi.array()
    .items(
      Joi.object({
        currency: Joi.string().required(),
        jobs: Joi.number().integer().required(),
        gross: minor.required(),
        commission: minor.required(),
        net: minor.required(),
      }),
    )
    .required(),
  rating: rating.required(),
  reviews: Joi.number().integer().required(),
  level: Joi.object({
    level: Joi.number().integer().required(),
    name: Joi.string().required(),
    commissionBps: Joi.number().integer().required(),
  }).required(),
  xp: Joi.number().integer().required(),
  nextLevel: nullable(
    Joi.object({ level: Joi.number().integer(), name: Joi.string(), atXp: Joi.number().integer() }),
  ),
  xpToNextLevel: nullable(Joi.number().integer()),
});

export const documentOut = Joi.object({
  id: uuid.required(),
  kind: Joi.string().required(),
  contentType: Joi.string().required(),
  size: Joi.number().integer().required(),
  createdAt: iso.required(),
});

export const portfolioItemOut = Joi.object({
  id: uuid.required(),
  title: Joi.string().required(),
  description: Joi.string().allow('').required(),
  images: Joi.array()
    .items(
      Joi.object({
        id: uuid.required(),
        contentType: Joi.string().required(),
        size: Joi.number().integer().required(),
        url: Joi.string().required(),
      }),
    )
    .required(),
  createdAt: iso.required(),
});

export const offerOut = Joi.object({
  id: uuid.required(),
  professionalId: uuid.required(),
  clientId: uuid.required(),
  description: Joi.string().allow('').required(),
  amount: minor.required(),
  currency: Joi.string().required(),
  expiresAt: iso.required(),
  status: Joi.string().required(),
  version: Joi.number().integer().min(1).required().description('one more on every change; accept names it'),
  expired: Joi.boolean().required(),
  respondedAt: nullable(iso),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

export const jobOut = Joi.object({
  id: uuid.required(),
  offerId: uuid.required(),
  clientId: uuid.required(),
  professionalId: uuid.required(),
  description: Joi.string().allow('').required(),
  amount: minor.required(),
  currency: Joi.string().required(),
  commissionBps: Joi.number().integer().required(),
  levelAtAcceptance: Joi.number().integer().required(),
  paymentMethod: Joi.string().required(),
  status: Joi.string().required(),
  workflowId: Joi.string().required(),
  attempt: Joi.number().integer().required(),
  payoutAmount: nullable(minor),
  commissionAmount: nullable(minor),
  refundAmount: nullable(minor),
  completedAt: nullable(iso),
  createdAt: iso.required(),
  updatedAt: iso.required(),
});

export const jobEventOut = Joi.object({
  id: uuid.required(),
  status: Joi.string().required(),
  actor: Joi.string().required(),
  actorId: nullable(Joi.string()),
  reason: nullable(Joi.string().allow('')),
  data: nullable(Joi.object().unknown(true)),
  at: iso.required(),
});

/** The escrow workflow's state (its `status` query / the result of each Update). */
export const escrowOut = Joi.object({
  state: Joi.string()
    .required()
    .description(`final states: ${FINAL_STATES.join(', ')}`),
  offerId: uuid.required(),
  jobId: uuid.required(),
  paymentId: nullable(uuid),
  checkoutUrl: nullable(Joi.string()),
  amount: minor.required(),
  currency: Joi.string().required(),
  commissionBps: Joi.number().integer().required(),
  refunded: minor.required(),
  paidOut: minor.required(),
  commission: minor.required(),
  paymentDeadline: nullable(iso),
  approvalDeadline: nullable(iso),
  dispute: nullable(
    Joi.object({
      reason: Joi.string().required(),
      openedBy: Joi.string().required(),
      evidence: Joi.array().items(Joi.string()).required(),
    }),
  ),
  resolution: nullable(
    Joi.object({
      refund: minor.required(),
      payout: minor.required(),
      note: Joi.string().allow('').required(),
      operatorId: Joi.string().required(),
      operatorName: Joi.string().allow('').required(),
    }),
  ),
  paymentFailure: nullable(Joi.object({ code: Joi.string().required(), reason: Joi.string().required() })),
  blocked: nullable(
    Joi.object({
      step: Joi.string().valid('refund', 'payout').required(),
      reason: Joi.string().required(),
      since: iso.required(),
      attempts: Joi.number().integer().required(),
    }),
  ),
  waitingFor: Joi.string().allow('').required(),
  operatorAction: nullable(Joi.string().valid('resolveDispute', 'retry')),
});

/** An Update's answer: the job as the new state shows it, and the escrow state. */
export const dealOut = Joi.object({ job: jobOut.required(), escrow: escrowOut.required() });

export const acceptedOut = Joi.object({
  job: jobOut.required(),
  workflowId: Joi.string().required(),
  links: Joi.object({
    job: Joi.string().required(),
    escrow: Joi.string().required(),
    timeline: Joi.string().required(),
  }).required(),
});

export const disputeOut = Joi.object({
  id: uuid.required(),
  jobId: uuid.required(),
  openedBy: Joi.string().required(),
  reason: Joi.string().required(),
  evidence: Joi.array().items(Joi.string()).required(),
  status: Joi.string().required(),
  refundAmount: nullable(minor),
  payoutAmount: nullable(minor),
  resolutionNote: nullable(Joi.string().allow('')),
  resolvedBy: nullable(Joi.string()),
  resolvedAt: nullable(iso),
  createdAt: iso.required(),
});

export const reviewOut = Joi.object({
  id: uuid.required(),
  jobId: uuid.required(),
  professionalId: uuid.required(),
  clientId: uuid.required(),
  rating: Joi.number().integer().required(),
  text: Joi.string().allow('').required(),
  reply: nullable(Joi.string()),
  repliedAt: nullable(iso),
  createdAt: iso.required(),
});
