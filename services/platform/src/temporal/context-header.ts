/**
 * The Temporal header that carries the request context (correlation id, tenant, user) from the
 * API that starts a workflow to every activity it runs. Shared by the client, workflow and
 * activity interceptors; imports nothing that cannot run inside the workflow sandbox.
 */
export const CONTEXT_HEADER = 'faena-context';

export interface PropagatedContext {
  correlationId?: string;
  tenantId?: string;
  userId?: string;
}
