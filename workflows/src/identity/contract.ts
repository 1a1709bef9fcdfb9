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
 * What processes ask of identity (its worker implements it on the `identity` queue). Failures are
 * non-retryable `ApplicationFailure`s typed `NOT_FOUND` (no such active user/tenant in that tenant)
 * or `FORBIDDEN` (the user lacks the permission); anything else is infrastructure and retried.
 */
export interface IdentityActivities {
  describeTenant(input: { tenantId: string }): Promise<TenantProfile>;
  describeUser(input: { tenantId: string; userId: string }): Promise<UserProfile>;
  /** An operator acting on a process: an active user of the tenant holding `permission` (in any branch or tenant-wide). */
  verifyOperator(input: { tenantId: string; userId: string; permission: string }): Promise<UserProfile>;
}
