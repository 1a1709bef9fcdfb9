import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';
import { DomainError, idParams, listQuery, safeEqualHex, uuid } from '@faena/platform';

export const id = uuid;
export { idParams };
export const list = listQuery;

export const SERVICE_TOKEN_HEADER = 'X-Service-Token';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Service-to-service calls: the shared token in `X-Service-Token`, compared in constant time. */
export function requireService(token: string): Middleware {
  const expected = sha256(token);
  return async (ctx, next) => {
    const sent = ctx.get(SERVICE_TOKEN_HEADER);
    if (!sent || !safeEqualHex(sha256(sent), expected))
      throw new DomainError('UNAUTHENTICATED', 'Service token required', {
        field: `headers.${SERVICE_TOKEN_HEADER.toLowerCase()}`,
      });
    await next();
  };
}
