import {
  ChangeSetType,
  type Dictionary,
  type EntityManager,
  type EventSubscriber,
  type FlushEventArgs,
} from '@mikro-orm/core';
import { currentContext } from '../context.ts';
import { TenantContextError } from './properties.ts';
import { isSystemContext } from './system.ts';

type FilterCond = (
  args: Dictionary | undefined,
  type: 'read' | 'update' | 'delete',
  em: EntityManager,
  options?: unknown,
  entityName?: string,
) => Dictionary;

const hasProperty = (em: EntityManager, entityName: string | undefined, prop: string): boolean =>
  entityName !== undefined &&
  em.getMetadata().getByClassName(entityName, false)?.properties[prop] !== undefined;

/**
 * The tenant filter, on by default for every entity with a `tenantId` property.
 *
 * - Context with a `tenantId` (an authenticated request, a per-tenant activity): `tenant_id = ctx.tenantId`
 *   is added to every find/count/nativeUpdate/nativeDelete. Another tenant's row is simply not found.
 * - `asSystem(fn)`: no restriction (cross-tenant jobs, sysadmin).
 * - Neither: the query is REFUSED with a `TenantContextError`. Failing closed means a forgotten
 *   context is a loud bug, never a silent cross-tenant read. Code that really means "all tenants"
 *   says so with `asSystem()` or `{ filters: { tenant: false } }`; `{ filters: { tenant: { tenantId } } }`
 *   pins an explicit tenant.
 *
 * Raw `em.createQueryBuilder()` queries are not filtered unless `await qb.applyFilters()` is called.
 */
const tenantCond: FilterCond = (args, _type, em, _options, entityName) => {
  if (!hasProperty(em, entityName, 'tenantId')) return {};
  const explicit = typeof args?.tenantId === 'string' ? args.tenantId : undefined;
  if (explicit) return { tenantId: explicit };
  if (isSystemContext()) return {};
  const tenantId = currentContext().tenantId;
  if (!tenantId) {
    throw new TenantContextError(
      `Query on tenant-owned ${entityName} without a tenant in the request context (use asSystem() or { filters: { tenant: false } } for cross-tenant work)`,
    );
  }
  return { tenantId };
};

/** Hides soft-deleted rows (`deleted_at is not null`) of entities with a `deletedAt` property. */
const softDeleteCond: FilterCond = (_args, _type, em, _options, entityName) =>
  hasProperty(em, entityName, 'deletedAt') ? { deletedAt: null } : {};

/** Global filters registered by `createOrm`; `args: false` since they read the async context, not filter params. */
export const defaultFilters = {
  tenant: { name: 'tenant', cond: tenantCond, default: true, args: false },
  softDelete: { name: 'softDelete', cond: softDeleteCond, default: true, args: false },
};

/**
 * Flush-time guard, the write-side twin of the tenant filter. Filters only restrict queries; a flush
 * writes by primary key, so an entity obtained any other way (`em.getReference(X, id)`, an entity
 * passed between contexts) could otherwise be updated or removed across tenants. Outside `asSystem()`:
 * - create: the row's tenant must be the context's tenant;
 * - update/delete: the entity must have been loaded for the context's tenant (an unloaded reference
 *   is refused: load it first, which goes through the filter) and `tenantId` cannot change.
 *
 * It also turns `em.remove()` of a soft-deletable entity into `deleted_at = now()`.
 */
export class TenantGuardSubscriber implements EventSubscriber {
  onFlush({ uow }: FlushEventArgs): void {
    for (const cs of uow.getChangeSets()) {
      const entity = cs.entity;
      const original = uow.getOriginalEntityData(cs.entity);

      if (cs.meta.properties.tenantId && !isSystemContext()) {
        const ctxTenant = currentContext().tenantId;
        const name = cs.meta.className;
        if (!ctxTenant)
          throw new TenantContextError(
            `Cannot write tenant-owned ${name} without a tenant in the request context`,
          );
        if (cs.type === ChangeSetType.CREATE) {
          if (entity.tenantId !== ctxTenant)
            throw new TenantContextError(`Cannot create ${name} for another tenant`);
        } else {
          const rowTenant: unknown = original?.tenantId;
          if (rowTenant === undefined)
            throw new TenantContextError(
              `Cannot write ${name} that was not loaded (load it through the EntityManager first)`,
            );
          if (rowTenant !== ctxTenant) throw new TenantContextError(`Cannot write ${name} of another tenant`);
          if ('tenantId' in cs.payload && cs.payload.tenantId !== ctxTenant)
            throw new TenantContextError(`Cannot move ${name} to another tenant`);
        }
      }

      if (cs.type === ChangeSetType.DELETE && cs.meta.properties.deletedAt) {
        cs.type = ChangeSetType.UPDATE;
        entity.deletedAt = new Date();
        uow.recomputeSingleChangeSet(cs.entity);
      }
    }
  }
}
