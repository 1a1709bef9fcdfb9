/**
 * What every gym chaos process shares: a request that must answer one of the given statuses, and
 * a gym business of its own (owner session and one branch), made before any fault.
 */
import { send, type Answer } from './http.ts';
import type { RunContext } from './process.ts';

export const IDENTITY = '/api/identity/v1';
export const PAYMENTS = '/api/payments/v1';
export const GYM = '/api/gym/v1';
export const PASSWORD = 'chaos-monkey-password-2026';
export const CURRENCY = 'CLP';

export interface User {
  id: string;
  token: string;
}

/** One call through the public API; any status outside `ok` throws, naming the answer. */
export async function must(
  ctx: RunContext,
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; idempotencyKey?: string },
  ok: number[],
): Promise<Answer> {
  const a = await send(base, method, path, { ...opts, deadline: ctx.deadline, signal: ctx.signal });
  if (!ok.includes(a.status))
    throw new Error(
      `${method} ${path} answered ${a.status} ${a.body.error?.code ?? ''} ${a.body.error?.message ?? ''}`,
    );
  return a;
}

/** Signs up a gym business (`chaos-<label>-<run>`) and opens its one branch. */
export async function signUpGym(
  ctx: RunContext,
  label: string,
  opts: { name: string; address: string },
): Promise<{ slug: string; owner: User; tenantId: string; branchId: string }> {
  const slug = `chaos-${label}-${ctx.runId}`;
  const signup = await must(
    ctx,
    ctx.urls.identity,
    'POST',
    `${IDENTITY}/signup`,
    {
      body: {
        tenant: {
          name: `${opts.name} ${ctx.runId}`,
          slug,
          kind: 'gym',
          currency: CURRENCY,
          locale: 'es-CL',
          timeZone: 'America/Santiago',
        },
        owner: {
          name: `${opts.name} Owner`,
          email: `${label}-owner-${ctx.runId}@chaos.example`,
          password: PASSWORD,
        },
      },
    },
    [201],
  );
  const token = signup.body.data.session.accessToken as string;
  const me = await must(ctx, ctx.urls.identity, 'GET', `${IDENTITY}/auth/me`, { token }, [200]);
  const branch = await must(
    ctx,
    ctx.urls.identity,
    'POST',
    `${IDENTITY}/branches`,
    {
      token,
      body: {
        name: opts.name,
        timeZone: 'America/Santiago',
        address: { line1: opts.address, city: 'Santiago', country: 'CL' },
      },
    },
    [201],
  );
  const tenantId = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { tid: string })
    .tid;
  return {
    slug,
    owner: { id: me.body.data.user.id as string, token },
    tenantId,
    branchId: branch.body.data.id as string,
  };
}

/** A cash drawer of the branch with its session open (float 0): where cash sales and top-ups land. */
export async function openDrawer(
  ctx: RunContext,
  token: string,
  branchId: string,
  name: string,
): Promise<string> {
  const drawer = await must(
    ctx,
    ctx.urls.payments,
    'POST',
    `${PAYMENTS}/drawers`,
    { token, body: { branchId, name } },
    [201],
  );
  const drawerId = drawer.body.data.id as string;
  await must(
    ctx,
    ctx.urls.payments,
    'POST',
    `${PAYMENTS}/drawers/${drawerId}/sessions`,
    { token, body: { openingFloat: 0, currency: CURRENCY } },
    [201],
  );
  return drawerId;
}

/** The business's `client` role (members who log in). */
export async function clientRoleId(ctx: RunContext, token: string): Promise<string> {
  const roles = await must(
    ctx,
    ctx.urls.identity,
    'GET',
    `${IDENTITY}/roles?q=client&limit=100`,
    { token },
    [200],
  );
  const role = (roles.body.data as Array<{ id: string; name: string }>).find((r) => r.name === 'client');
  if (!role) throw new Error('no client role');
  return role.id;
}

/** A user invited with `roleId` who accepts the invitation: their id and session. Not idempotent. */
export async function invitedUser(
  ctx: RunContext,
  business: { slug: string; token: string; roleId: string },
  email: string,
  name: string,
): Promise<User> {
  const invited = await must(
    ctx,
    ctx.urls.identity,
    'POST',
    `${IDENTITY}/users`,
    { token: business.token, body: { email, name, roles: [{ roleId: business.roleId }] } },
    [201],
  );
  const session = await must(
    ctx,
    ctx.urls.identity,
    'POST',
    `${IDENTITY}/auth/invitations/accept`,
    {
      body: {
        tenant: business.slug,
        email,
        token: invited.body.data.invitationToken as string,
        password: PASSWORD,
      },
    },
    [200],
  );
  return { id: invited.body.data.id as string, token: session.body.data.accessToken as string };
}
