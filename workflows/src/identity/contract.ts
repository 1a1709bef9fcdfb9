/**
 * What processes need of identity (its worker implements `IdentityActivities` on the `identity`
 * queue, checked with `satisfies`). Types only and constants: safe to import anywhere.
 */
import { TASK_QUEUES } from '../queues.ts';

/** Task queue of the identity worker (services/identity/src/worker.ts). */
export const IDENTITY_TASK_QUEUE = TASK_QUEUES.identity;

/** A business as processes show it to people: its name, and how money and time are written for it. */
export interface TenantProfile {
  id: string;
  name: string;
  currency: string;
  /** BCP 47, e.g. `es-AR`. */
  locale: string;
  /** IANA zone, e.g. `America/Argentina/Buenos_Aires`. */
  timeZone: string;
}

/** A person as a process names them: never more than a support screen needs. */
export interface UserProfile {
  id: string;
  name: string;
  email: string;
  locale: string | null;
}

/**
 * At most this many holders are answered by `roleHolders` (ordered by name, then id; `truncated`
 * says more exist): a notification fan-out, not a directory export.
 */
export const ROLE_HOLDERS_CAP = 50;

/** Who holds a role or a permission in one branch of a tenant (`roleHolders`). */
export interface RoleHoldersInput {
  tenantId: string;
  branchId: string;
  /** A role's name (system or custom), held itself: a role derived from it (its child) is another role. */
  role?: string;
  /** A catalog permission, held through any role (inherited roles and `*` / `resource.*` expanded). */
  permission?: string;
}

/**
 * What processes ask of identity (its worker implements it on the `identity` queue). Failures are
 * non-retryable `ApplicationFailure`s typed `NOT_FOUND` (no such active user/tenant in that tenant)
 * or `FORBIDDEN` (the user lacks the permission); anything else is infrastructure and retried.
 */
export interface IdentityActivities {
  describeTenant(input: { tenantId: string }): Promise<TenantProfile>;
  describeUser(input: { tenantId: string; userId: string }): Promise<UserProfile>;
  /** An operator acting on a process: an active user of the tenant holding `permission` (in any branch or tenant-wide). */
  verifyOperator(input: { tenantId: string; userId: string; permission: string }): Promise<UserProfile>;
  /**
   * The people to tell in a branch: active users of the tenant holding `role` or `permission`
   * (exactly one of them) there — through an assignment for that branch or a tenant-wide one; a
   * grant for another (or a closed) branch does not count. Invited, disabled and removed users are
   * never answered. At most `ROLE_HOLDERS_CAP`, with `truncated` when more hold it. An unknown
   * role or permission holds nobody (an empty answer); a malformed input is a non-retryable
   * `VALIDATION_FAILED`.
   */
  roleHolders(input: RoleHoldersInput): Promise<{ holders: UserProfile[]; truncated: boolean }>;
}
