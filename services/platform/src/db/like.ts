/**
 * `%<q>%` for an `$ilike` filter that finds `q` as typed: the pattern characters of the text (`%`,
 * `_`) and the escape character (`\`, PostgreSQL's default for LIKE) are escaped, so searching for
 * `%` finds a percent sign and not every row. Every `ILIKE` built from user text goes through here.
 */
export const containsPattern = (q: string): string => `%${q.replace(/[\\%_]/g, '\\$&')}%`;
