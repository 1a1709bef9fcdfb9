/**
 * Which PostgreSQL rule refused a write, read through MikroORM's exception wrappers: a domain
 * function maps a named constraint to its stable code (409 ALREADY_EXISTS, 409 OUT_OF_STOCK…).
 */
import { isRecord } from '../guards.ts';

/** PostgreSQL's error behind a MikroORM exception (or the driver's own). */
function pgError(err: unknown): { code?: unknown; constraint?: unknown } | undefined {
  if (!isRecord(err)) return undefined;
  if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) return err;
  return isRecord(err.cause)
    ? pgError(err.cause)
    : isRecord(err.previous)
      ? pgError(err.previous)
      : undefined;
}

const violates = (code: string) => (err: unknown, constraint?: string) => {
  const e = pgError(err) ?? (isRecord(err) ? err : undefined);
  if (!e) return false;
  const c = isRecord(err) && typeof err.constraint === 'string' ? err.constraint : e.constraint;
  return e.code === code && (constraint === undefined || c === constraint);
};

/** A unique index refused the row (23505), optionally that index. */
export const isUniqueViolation = violates('23505');
/** An exclusion constraint refused the row (23P01). */
export const isExclusionViolation = violates('23P01');
/** A CHECK refused the row (23514). */
export const isCheckViolation = violates('23514');
/** A foreign key refused the row (23503), optionally that key. */
export const isForeignKeyViolation = violates('23503');
