import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, moneyProperty, tenantProperty } from '@faena/platform';

export const KYC_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];
export const KYC_DOCUMENT_KINDS = ['id_front', 'id_back', 'selfie', 'certificate', 'other'] as const;

export const OFFER_STATUSES = ['pending', 'accepted', 'rejected', 'withdrawn'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

/**
 * The job's states: the escrow workflow's `EscrowState`s a client sees (a blocked refund or payout
 * leaves the job where it was; the deal's own state says it is blocked).
 */
export const JOB_STATUSES = [
  'awaiting_payment',
  'in_progress',
  'completed_by_professional',
  'approved',
  'paid_out',
  'disputed',
  'resolved',
  'cancelled',
  'payment_failed',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const JOB_ACTORS = ['system', 'client', 'professional', 'operator'] as const;
export type JobActor = (typeof JOB_ACTORS)[number];
export const PAYMENT_METHODS = ['mercadopago', 'wallet'] as const;

const createdAt = {
  createdAt: p
    .datetime()
    .columnType('timestamptz')
    .onCreate(() => new Date()),
};

/**
 * A professional's profile. Its id IS the professional's identity user id (one profile per user and
 * tenant), so `professionalId` means the same everywhere: offers, jobs, the escrow workflow, payouts.
 *
 * The service area's centre is stored as latitude/longitude; the database derives the PostGIS
 * `location geography(Point, 4326)` column from them (a stored generated column, GiST-indexed) —
 * MikroORM does not know PostGIS types, so the entity never maps it and search uses raw SQL.
 */
export const Professional = defineEntity({
  name: 'Professional',
  tableName: 'professionals',
  properties: {
    id: p.uuid().primary(),
    ...tenantProperty,
    displayName: p.string().length(120),
    bio: p.text().default(''),
    categories: p.array().columnType('text[]').default([]),
    skills: p.array().columnType('text[]').default([]),
    latitude: p.double(),
    longitude: p.double(),
    radiusMeters: p.integer(),
    kycStatus: p.enum(KYC_STATUSES).default('pending'),
    kycNote: p.string().length(500).nullable(),
    kycReviewedBy: p.uuid().nullable(),
    kycReviewedAt: p.datetime().columnType('timestamptz').nullable(),
    ratingCount: p.integer().default(0),
    ratingSum: p.integer().default(0),
    /** ratingSum / ratingCount, kept by the review code (sortable and indexable). */
    ratingAvg: p.double().default(0),
    xp: p.integer().default(0),
    level: p.integer().default(1),
    completedJobs: p.integer().default(0),
    ...auditProperties,
  },
});
export type Professional = InferEntity<typeof Professional>;

/** A KYC document: a file in the storage adapter, checked by content (JPEG, PNG, WebP or PDF). */
export const KycDocument = defineEntity({
  name: 'KycDocument',
  tableName: 'kyc_documents',
  properties: {
    ...idProperty,
    ...tenantProperty,
    professionalId: p.uuid().index(),
    kind: p.enum(KYC_DOCUMENT_KINDS),
    storageKey: p.string().length(300),
    contentType: p.string().length(64),
    size: p.integer(),
    ...createdAt,
  },
});
export type KycDocument = InferEntity<typeof KycDocument>;

export const PortfolioItem = defineEntity({
  name: 'PortfolioItem',
  tableName: 'portfolio_items',
  properties: {
    ...idProperty,
    ...tenantProperty,
    professionalId: p.uuid().index(),
    title: p.string().length(120),
    description: p.text().default(''),
    ...auditProperties,
  },
});
export type PortfolioItem = InferEntity<typeof PortfolioItem>;

export const PortfolioImage = defineEntity({
  name: 'PortfolioImage',
  tableName: 'portfolio_images',
  properties: {
    ...idProperty,
    ...tenantProperty,
    itemId: p.uuid().index(),
    position: p.integer(),
    storageKey: p.string().length(300),
    contentType: p.string().length(64),
    size: p.integer(),
    ...createdAt,
  },
});
export type PortfolioImage = InferEntity<typeof PortfolioImage>;

/** A professional's priced proposal to a client; editable while pending, accepted at most once. */
export const Offer = defineEntity({
  name: 'Offer',
  tableName: 'offers',
  properties: {
    ...idProperty,
    ...tenantProperty,
    professionalId: p.uuid().index(),
    clientId: p.uuid().index(),
    description: p.text(),
    amount: moneyProperty(),
    currency: p.string().length(3),
    expiresAt: p.datetime().columnType('timestamptz'),
    status: p.enum(OFFER_STATUSES).default('pending'),
    /** 1 when sent, one more on every change: the client accepts the version it saw (OFFER_CHANGED otherwise). */
    version: p.integer().default(1),
    respondedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type Offer = InferEntity<typeof Offer>;

/** The deal after acceptance. Its status is moved by the escrow workflow (recordJobEvent). */
export const Job = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  properties: {
    ...idProperty,
    ...tenantProperty,
    offerId: p.uuid(),
    clientId: p.uuid().index(),
    professionalId: p.uuid().index(),
    description: p.text(),
    amount: moneyProperty(),
    currency: p.string().length(3),
    /** The professional's commission rate when the offer was accepted; later level changes never alter it. */
    commissionBps: p.integer(),
    levelAtAcceptance: p.integer(),
    paymentMethod: p.enum(PAYMENT_METHODS),
    status: p.enum(JOB_STATUSES).default('awaiting_payment'),
    workflowId: p.string().length(255),
    /** Which escrow run pays for the job: 1, then one more each time the client pays again after `payment_failed`. */
    attempt: p.integer().default(1),
    /** The payout (gross, before commission), the platform's commission of it, and what the client got back. */
    payoutAmount: moneyProperty().nullable(),
    commissionAmount: moneyProperty().nullable(),
    refundAmount: moneyProperty().nullable(),
    completedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type Job = InferEntity<typeof Job>;

/** The job's timeline: every status change, who made it, when and why; one row per idempotency key. */
export const JobEvent = defineEntity({
  name: 'JobEvent',
  tableName: 'job_events',
  properties: {
    ...idProperty,
    ...tenantProperty,
    jobId: p.uuid().index(),
    status: p.enum(JOB_STATUSES),
    actor: p.enum(JOB_ACTORS),
    actorId: p.uuid().nullable(),
    reason: p.string().length(1000).nullable(),
    data: p.json<Record<string, unknown>>().nullable(),
    key: p.string().length(255),
    ...createdAt,
  },
});
export type JobEvent = InferEntity<typeof JobEvent>;

/** A client's dispute of a completed job and, once resolved, the operator's split of the held amount. */
export const Dispute = defineEntity({
  name: 'Dispute',
  tableName: 'disputes',
  properties: {
    ...idProperty,
    ...tenantProperty,
    jobId: p.uuid(),
    openedBy: p.uuid(),
    reason: p.string().length(1000),
    evidence: p.array().columnType('text[]').default([]),
    status: p.enum(['open', 'resolved'] as const).default('open'),
    refundAmount: moneyProperty().nullable(),
    payoutAmount: moneyProperty().nullable(),
    resolutionNote: p.string().length(1000).nullable(),
    resolvedBy: p.uuid().nullable(),
    resolvedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type Dispute = InferEntity<typeof Dispute>;

export const Review = defineEntity({
  name: 'Review',
  tableName: 'reviews',
  properties: {
    ...idProperty,
    ...tenantProperty,
    jobId: p.uuid(),
    professionalId: p.uuid().index(),
    clientId: p.uuid(),
    rating: p.integer(),
    text: p.string().length(2000).default(''),
    reply: p.string().length(2000).nullable(),
    repliedAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
  },
});
export type Review = InferEntity<typeof Review>;

/** XP given to a professional, once per job and reason (unique), so awarding is idempotent. */
export const XpAward = defineEntity({
  name: 'XpAward',
  tableName: 'xp_awards',
  properties: {
    ...idProperty,
    ...tenantProperty,
    professionalId: p.uuid().index(),
    jobId: p.uuid(),
    reason: p.enum(['job_completed', 'good_review'] as const),
    xp: p.integer(),
    ...createdAt,
  },
});
export type XpAward = InferEntity<typeof XpAward>;

export const entities = [
  Professional,
  KycDocument,
  PortfolioItem,
  PortfolioImage,
  Offer,
  Job,
  JobEvent,
  Dispute,
  Review,
  XpAward,
];
