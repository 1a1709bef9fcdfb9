import type { EntityManager } from '@mikro-orm/core';
import { AuditEvent } from './entities.ts';

export const AUDIT_TYPES = [
  'tenant.created',
  'tenant.suspended',
  'tenant.reactivated',
  'tenant.plan_changed',
  'tenant.plan_renewed',
  'tenant.plan_past_due',
  'tenant.plan_ended',
  'login.succeeded',
  'login.failed',
  'login.locked',
  'refresh.reuse_detected',
  'logout',
  'logout.everywhere',
  'password.changed',
  'user.invited',
  'user.activated',
  'user.updated',
  'user.removed',
  'role.created',
  'role.updated',
  'role.deleted',
  'role.assigned',
  'role.unassigned',
  'keys.rotated',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

/** Records a security event in the same unit of work as the change it describes (flushed with it). */
export function audit(
  em: EntityManager,
  event: {
    tenantId: string;
    type: AuditType;
    actorId?: string | null;
    subjectId?: string | null;
    ip?: string | null;
    data?: Record<string, unknown>;
  },
): void {
  em.create(AuditEvent, {
    tenantId: event.tenantId,
    type: event.type,
    actorId: event.actorId ?? null,
    subjectId: event.subjectId ?? null,
    ip: event.ip ?? null,
    data: event.data ?? {},
  });
}
