import { p } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { currentContext } from '../context.ts';
import { isSystemContext } from './system.ts';

/**
 * Property sets every Faena entity spreads into its `defineEntity({ properties: { ... } })`:
 *
 * ```ts
 * export const Invoice = defineEntity({
 *   name: 'Invoice',
 *   properties: {
 *     ...idProperty,
 *     ...tenantProperty,
 *     amount: moneyProperty(),
 *     ...auditProperties,
 *     ...softDeleteProperties,
 *   },
 * });
 * ```
 *
 * Column names follow the default underscore naming (`tenant_id`, `created_at`, ...). Every
 * datetime is `timestamptz`; money is a `bigint` of minor units, mapped to a JS `bigint`.
 */

/** UUIDv7 primary key, generated when the entity is created (so it is known before the flush). */
export const idProperty = {
  id: p
    .uuid()
    .primary()
    .onCreate(() => uuidv7()),
};

/** Thrown when a tenant-owned entity is written without a tenant (or for another tenant than the context's). */
export class TenantContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TenantContextError';
  }
}

/**
 * `tenant_id uuid not null` + index. Set from `currentContext().tenantId` on create when the
 * caller did not set it; creating a tenant-owned row with neither fails (the tenant filter and the
 * write guard registered by `createOrm` rely on it).
 */
export const tenantProperty = {
  tenantId: p
    .uuid()
    .index()
    .onCreate((entity: { tenantId?: string }) => {
      const tenantId = entity.tenantId ?? currentContext().tenantId;
      if (!tenantId) {
        throw new TenantContextError(
          isSystemContext()
            ? 'A tenant-owned entity created in a system context needs an explicit tenantId'
            : 'A tenant-owned entity cannot be created without a tenant in the request context',
        );
      }
      return tenantId;
    }),
};

/** `created_at`, `updated_at` (bumped on every update), `created_by` (the context's userId, null for system work). */
export const auditProperties = {
  createdAt: p
    .datetime()
    .columnType('timestamptz')
    .onCreate(() => new Date()),
  updatedAt: p
    .datetime()
    .columnType('timestamptz')
    .onCreate(() => new Date())
    .onUpdate(() => new Date()),
  createdBy: p
    .uuid()
    .nullable()
    // Cast kept: the builder types onCreate's result as the non-null value type; null is what a nullable column takes.
    .onCreate(
      (entity: { createdBy?: string | null }) =>
        (entity.createdBy ?? currentContext().userId ?? null) as string,
    ),
};

/**
 * `deleted_at timestamptz null`. Rows with a `deletedAt` are hidden by the default `softDelete`
 * filter, and `em.remove(entity)` on such an entity sets `deletedAt` instead of deleting the row.
 * Include them with `{ filters: { softDelete: false } }`; purge with `em.nativeDelete(..., { filters: { softDelete: false } })`.
 */
export const softDeleteProperties = {
  deletedAt: p.datetime().columnType('timestamptz').nullable(),
};

/** A money amount in minor units (`bigint` column, JS `bigint`: no precision loss above 2^53). */
export const moneyProperty = () => p.bigint('bigint');

/** Names the filters registered by `createOrm`, for `{ filters: { [FILTER.softDelete]: false } }`. */
export const FILTER = { tenant: 'tenant', softDelete: 'softDelete' } as const;
