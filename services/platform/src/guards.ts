/**
 * Type guards for values whose shape TypeScript cannot know: what a `catch` caught, what
 * `JSON.parse` returned. They check the shape (never `instanceof`, which fails for errors made in
 * another realm, e.g. Node's own errors under jest's vm modules).
 */

/** An error from Node or a driver that carries a string `code` (`ENOENT`, `EEXIST`, PostgreSQL's `42P04`…). */
export function isErrnoException(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string';
}

/** A plain JSON object (not null, not an array): its fields are still `unknown`. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `key` is an own key of `table` (a const lookup table), narrowing it to `keyof` the table. */
export function hasOwnKey<T extends object>(table: T, key: PropertyKey): key is keyof T {
  return Object.hasOwn(table, key);
}

/** Whether `value` is one of `options` (a const list of literals), narrowing it to their union. */
export function isOneOf<T>(options: readonly T[], value: unknown): value is T {
  return options.some((o) => o === value);
}

/** `JSON.parse` of text that holds a JSON object (a log line, a stored record); throws a `SyntaxError` otherwise. */
export function parseJsonObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (!isRecord(value)) throw new SyntaxError('expected a JSON object');
  return value;
}
