import type { JWK } from 'jose';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, softDeleteProperties, tenantProperty } from '@faena/platform';

export const TENANT_KINDS = ['gym', 'restaurant', 'cafe', 'marketplace', 'platform'] as const;
export const TENANT_STATUSES = ['active', 'suspended'] as const;
export const USER_STATUSES = ['invited', 'active', 'disabled'] as const;
export const SUBSCRIPTION_STATUSES = ['none', 'trialing', 'active', 'past_due', 'suspended'] as const;
/** Who suspended a business: its renewal (lifted by the payment) or a platform operator (lifted by one). */
export const SUSPENDERS = ['billing', 'operator'] as const;

/** A business: the unit of isolation. Not tenant-owned itself; only its own users and operators see it. */
export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    ...idProperty,
    slug: p.string().length(63).unique(),
    name: p.string().length(200),
    kind: p.enum(TENANT_KINDS),
    currency: p.string().length(3),
    locale: p.string().length(16),
    timeZone: p.string().length(64),
    status: p.enum(TENANT_STATUSES).default('active'),
    plan: p.string().length(32).default('free'),
    /** The plan's subscription (migration `saas_plans`): none for the free plan. */
    subscriptionStatus: p.enum(SUBSCRIPTION_STATUSES).default('none'),
    /** The first day (business's zone) the current trial or paid period does not cover. */
    periodEnd: p.string().columnType('date').nullable(),
    /** A downgrade applied at the period's end, if usage fits then. */
    pendingPlan: p.string().length(32).nullable(),
    /** The first day of the current trial or paid period (migration `saas_renewal`). */
    periodStart: p.string().columnType('date').nullable(),
    /** The renewal cycle the next charge pays for (its payments idempotency keys). */
    renewalCycle: p.integer().default(1),
    /** When the current subscription's renewal chain was started (null: the worker's sweeper starts it). */
    renewalStartedAt: p.datetime().columnType('timestamptz').nullable(),
    /** Who suspended the business, while it is suspended. */
    suspendedBy: p.enum(SUSPENDERS).nullable(),
    ...auditProperties,
  },
});
export type Tenant = InferEntity<typeof Tenant>;

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode?: string;
  country: string;
}

export const Branch = defineEntity({
  name: 'Branch',
  tableName: 'branches',
  properties: {
    ...idProperty,
    ...tenantProperty,
    name: p.string().length(200),
    timeZone: p.string().length(64),
    address: p.json<Address>(),
    ...auditProperties,
    ...softDeleteProperties,
  },
});
export type Branch = InferEntity<typeof Branch>;

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    ...idProperty,
    ...tenantProperty,
    email: p.string().length(254),
    name: p.string().length(200),
    passwordHash: p.text().nullable().hidden(),
    status: p.enum(USER_STATUSES).default('active'),
    invitationHash: p.string().length(64).nullable().hidden(),
    invitationExpiresAt: p.datetime().columnType('timestamptz').nullable().hidden(),
    lastLoginAt: p.datetime().columnType('timestamptz').nullable(),
    ...auditProperties,
    ...softDeleteProperties,
  },
});
export type User = InferEntity<typeof User>;

/** A role of a tenant: system roles are created at sign-up and cannot be removed; roles inherit their parent's permissions. */
export const Role = defineEntity({
  name: 'Role',
  tableName: 'roles',
  properties: {
    ...idProperty,
    ...tenantProperty,
    name: p.string().length(64),
    description: p.string().length(500).default(''),
    system: p.boolean().default(false),
    parentId: p.uuid().nullable(),
    permissions: p.array().columnType('text[]'),
    ...auditProperties,
  },
});
export type Role = InferEntity<typeof Role>;

/** A role held by a user, in every branch (`branchId` null) or in one branch. */
export const UserRole = defineEntity({
  name: 'UserRole',
  tableName: 'user_roles',
  properties: {
    ...idProperty,
    ...tenantProperty,
    userId: p.uuid().index(),
    roleId: p.uuid().index(),
    branchId: p.uuid().nullable(),
    ...auditProperties,
  },
});
export type UserRole = InferEntity<typeof UserRole>;

/** An opaque refresh token, stored as its SHA-256; every use rotates it within its family (= session). */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    ...idProperty,
    ...tenantProperty,
    userId: p.uuid().index(),
    familyId: p.uuid().index(),
    tokenHash: p.string().length(64).unique(),
    csrfHash: p.string().length(64).nullable(),
    /** When this token stops working: its own lifetime, never past its session's end. */
    expiresAt: p.datetime().columnType('timestamptz'),
    /** When the session (family) ends, set at login and copied on every rotation: rotation never extends it. */
    sessionExpiresAt: p.datetime().columnType('timestamptz'),
    usedAt: p.datetime().columnType('timestamptz').nullable(),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
export type RefreshToken = InferEntity<typeof RefreshToken>;

/**
 * An ES256 signing key; the private half is encrypted at rest and deleted when the key retires (only
 * the active key signs). A retired key's public half keeps verifying until its tokens have expired,
 * then the row is deleted.
 */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_keys',
  properties: {
    kid: p.string().length(64).primary(),
    publicJwk: p.json<JWK>(),
    privateJwkEncrypted: p.text().hidden().nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    retiredAt: p.datetime().columnType('timestamptz').nullable(),
  },
});
export type SigningKey = InferEntity<typeof SigningKey>;

export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  properties: {
    ...idProperty,
    ...tenantProperty,
    type: p.string().length(64).index(),
    actorId: p.uuid().nullable(),
    subjectId: p.uuid().nullable(),
    ip: p.string().length(64).nullable(),
    data: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
export type AuditEvent = InferEntity<typeof AuditEvent>;

export const entities = [Tenant, Branch, User, Role, UserRole, RefreshToken, SigningKey, AuditEvent];
