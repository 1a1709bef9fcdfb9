import Joi from 'joi';
import { DomainError } from './errors.ts';

/** Query keys every list endpoint accepts; spread into its query schema. */
export const paginationQuery = {
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: Joi.string().max(512),
};

/** Position after the last row of a page: the sort value and the id that breaks ties. */
export interface Cursor {
  after: string | number;
  id: string;
}

export const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

export function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (!raw) return undefined;
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.id === 'string' && (typeof c.after === 'string' || typeof c.after === 'number')) return c;
  } catch {
    // fall through to the error below
  }
  throw new DomainError('VALIDATION_FAILED', 'cursor is not valid', { field: 'query.cursor' });
}

/**
 * Cuts a `limit + 1` row fetch into a page and the cursor of the next one. Fetch rows ordered by
 * (sortKey, id) and filtered past the decoded cursor; pass `limit + 1` rows here.
 */
export function page<T extends { id: string }>(
  rows: T[],
  limit: number,
  sortKey: (row: T) => string | number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor({ after: sortKey(last), id: last.id }) : null,
  };
}
