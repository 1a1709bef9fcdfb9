import type { EntityManager, EntityName, FilterQuery, FindOptions } from '@mikro-orm/core';
import { decodeCursor, page } from '../http/pagination.ts';

/**
 * One page of `entity` rows matching `where`, newest first by UUIDv7 id (ids are time-ordered),
 * with the cursor of the next page in `meta.nextCursor`. Filters (tenant, soft delete) apply.
 */
export async function findPage<T extends { id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  query: { limit: number; cursor?: string },
  options: Omit<FindOptions<T>, 'limit' | 'orderBy'> = {},
): Promise<{ items: T[]; meta: { nextCursor: string | null } }> {
  const cursor = decodeCursor(query.cursor);
  const scoped = cursor ? { $and: [where, { id: { $lt: cursor.id } }] } : where;
  // Casts kept: MikroORM's index-aware filter and order types do not resolve `id` on a generic entity.
  const rows: T[] = await em.find(
    entity,
    scoped as never,
    { ...options, orderBy: { id: 'desc' }, limit: query.limit + 1 } as never,
  );
  const { items, nextCursor } = page(rows, query.limit, (r) => r.id);
  return { items, meta: { nextCursor } };
}
