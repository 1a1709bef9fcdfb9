import Joi from 'joi';
import { isRecord } from '../guards.ts';
import { DomainError } from './errors.ts';

/** Query keys every list endpoint accepts; spread into its query schema. */
export const paginationQuery = {
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: Joi.string()
    .max(512)
    .pattern(/^[A-Za-z0-9_-]+$/)
    .description("opaque: the previous page's `meta.nextCursor`, as issued"),
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Position after the last row of a page: the sort value and the id that breaks ties. */
export interface Cursor {
  after: string | number;
  id: string;
}

export const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

/** A cursor the API did not issue (forged, garbled, truncated, or of another list's sort). */
const invalidCursor = () =>
  new DomainError('INVALID_CURSOR', 'cursor is not one this API issued', { field: 'query.cursor' });

/** The sort value of a cursor over a numeric column (distance, rating): a finite number or 400 INVALID_CURSOR. */
export function numericAfter(c: Cursor): number {
  const n = Number(c.after);
  if (!Number.isFinite(n)) throw invalidCursor();
  return n;
}

export function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (!raw) return undefined;
  try {
    const c: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    // Only what the API issues: every list keys its rows by UUID, so a forged id is 400
    // INVALID_CURSOR, never a database error.
    if (
      isRecord(c) &&
      typeof c.id === 'string' &&
      UUID.test(c.id) &&
      (typeof c.after === 'string' || typeof c.after === 'number')
    )
      return { after: c.after, id: c.id };
  } catch {
    // fall through to the error below
  }
  throw invalidCursor();
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
