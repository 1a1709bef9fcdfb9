import type { Middleware } from 'koa';

/** What a route middleware adds to its operation in `/openapi.json`. */
export interface MiddlewareDoc {
  /** The permission the caller must hold (`x-permission`, and said in the description). */
  permission?: string;
  /** Where the route acts (`x-branch-scope`: tenant, records, self, path:<p>, query:<q>, body:<f>). */
  scope?: string;
  /** Request headers it reads. */
  headers?: Array<{ name: string; required: boolean; description: string; schema?: Record<string, unknown> }>;
}

const DOC = Symbol('faena.openapi');

/** Attaches `doc` to `mw`, so the OpenAPI document says what the middleware requires of a request. */
export function documented(mw: Middleware, doc: MiddlewareDoc): Middleware {
  return Object.assign(mw, { [DOC]: doc });
}

/** Everything the middleware of one route documents, merged. */
export function docsOf(middleware: Middleware[] = []): Required<MiddlewareDoc> {
  const docs = middleware
    .map((m) => (m as Middleware & { [DOC]?: MiddlewareDoc })[DOC])
    .filter((d) => d !== undefined);
  return {
    permission: docs.find((d) => d.permission)?.permission ?? '',
    scope: docs.find((d) => d.scope)?.scope ?? '',
    headers: docs.flatMap((d) => d.headers ?? []),
  };
}
