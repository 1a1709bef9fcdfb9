/**
 * What the incident process asks of the gym (contract: `IncidentActivities` in
 * workflows/src/incident/contract.ts), on the gym queue, in the tenant's context with its own
 * EntityManager (`inTenantActivity`): a missing incident is a non-retryable `NOT_FOUND`; anything
 * else is retried.
 */
import { inTenantActivity, type Logger, type Orm } from '@faena/platform';
import type { IncidentActivities } from '@faena/workflows/incident/contract';
import { escalate } from './domain/incidents.ts';

export function incidentActivities(deps: { orm: Orm; logger: Logger }) {
  return {
    escalateIncident: ({ tenantId, ...input }) =>
      inTenantActivity(deps.orm, tenantId, (em) => escalate(em, input)),
  } satisfies IncidentActivities;
}
