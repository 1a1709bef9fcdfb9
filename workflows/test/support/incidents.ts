/**
 * Incidents written with the gym's own domain on its schema, and the process input the gym API
 * starts for them: shared by the time-skipping test and the live scenarios.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from 'uuidv7';
import { runWithContext, withEm, type Orm } from '@faena/platform';
import { acknowledge, reportIncident, resolve } from '../../../services/gym/src/domain/incidents.ts';
import { Incident } from '../../../services/gym/src/domain/incident-entities.ts';
import type { IncidentInput, IncidentPriority } from '../../src/incident/contract.ts';

export const inTenant = <T>(orm: Orm, tenantId: string, fn: (em: EntityManager) => Promise<T>) =>
  runWithContext({ tenantId }, () => withEm(orm, (em) => fn(em as unknown as EntityManager)));

/** An incident reported now at a new branch (or `branchId`), and its process input (`slaMinutes` per step). */
export async function reported(
  orm: Orm,
  tenantId: string,
  opts: { slaMinutes: number; priority?: IncidentPriority; assigneeId?: string; branchId?: string },
): Promise<{ incident: Incident; input: IncidentInput }> {
  const incident = await inTenant(orm, tenantId, (em) =>
    reportIncident(em, {
      branchId: opts.branchId ?? uuidv7(),
      title: 'Cinta 3 sin freno',
      priority: opts.priority ?? 'high',
      assigneeId: opts.assigneeId ?? null,
      reportedBy: uuidv7(),
      reporterMemberId: null,
      slaMinutes: opts.slaMinutes,
      now: new Date(),
    }),
  );
  return {
    incident,
    input: {
      tenantId,
      incidentId: incident.id,
      branchId: incident.branchId,
      title: incident.title,
      priority: incident.priority,
      slaMinutes: opts.slaMinutes,
      reportedAt: incident.createdAt.toISOString(),
      timeZone: 'America/Santiago',
      locale: 'es-CL',
    },
  };
}

export const staffAcknowledges = (orm: Orm, tenantId: string, id: string, actor: string) =>
  inTenant(orm, tenantId, (em) => acknowledge(em, id, actor, new Date()));
export const staffResolves = (orm: Orm, tenantId: string, id: string, actor: string) =>
  inTenant(orm, tenantId, (em) =>
    resolve(em, id, { resolution: 'cambiado el freno', actor, now: new Date() }),
  );
export const incidentRow = (orm: Orm, tenantId: string, id: string) =>
  inTenant(orm, tenantId, (em) => em.findOneOrFail(Incident, { id }, { refresh: true }));
