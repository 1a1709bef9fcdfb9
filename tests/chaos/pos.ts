/**
 * What the POS chaos processes share (kitchen printing, the cash closure): a restaurant business
 * of their own on the Pro plan (its limits leave room for several branches), its branches in the
 * zones asked for (identity's branch and POS's settings), and a priced product on a category —
 * everything made through the public APIs before any fault (none of it is idempotent).
 */
import { CURRENCY, IDENTITY, PASSWORD, must, type User } from './gym.ts';
import type { RunContext } from './process.ts';

export const POS = '/api/pos/v1';

export interface Restaurant {
  slug: string;
  owner: User & { email: string };
  tenantId: string;
  branches: string[];
}

/** Signs up a restaurant (`chaos-<label>-<run>`, plan Pro) and opens one branch per zone. */
export async function signUpRestaurant(
  ctx: RunContext,
  label: string,
  branches: Array<{ name: string; timeZone: string }>,
): Promise<Restaurant> {
  const slug = `chaos-${label}-${ctx.runId}`;
  const email = `${label}-owner-${ctx.runId}@chaos.example`;
  const signup = await must(
    ctx,
    ctx.urls.identity,
    'POST',
    `${IDENTITY}/signup`,
    {
      body: {
        tenant: {
          name: `Chaos ${label} ${ctx.runId}`,
          slug,
          kind: 'restaurant',
          currency: CURRENCY,
          locale: 'es-CL',
          timeZone: 'America/Santiago',
          plan: 'pro',
        },
        owner: { name: `Chaos ${label} Owner`, email, password: PASSWORD },
      },
    },
    [201],
  );
  const token = signup.body.data.session.accessToken as string;
  const me = await must(ctx, ctx.urls.identity, 'GET', `${IDENTITY}/auth/me`, { token }, [200]);
  const tenantId = signup.body.data.tenant.id as string;
  const ids: string[] = [];
  for (const b of branches) {
    const branch = await must(
      ctx,
      ctx.urls.identity,
      'POST',
      `${IDENTITY}/branches`,
      {
        token,
        body: {
          name: b.name,
          timeZone: b.timeZone,
          address: { line1: `Calle ${b.name} 1`, city: 'Santiago', country: 'CL' },
        },
      },
      [201],
    );
    const id = branch.body.data.id as string;
    await must(
      ctx,
      ctx.urls.pos,
      'PUT',
      `${POS}/branches/${id}/settings`,
      { token, body: { timeZone: b.timeZone } },
      [200],
    );
    ids.push(id);
  }
  return { slug, owner: { id: me.body.data.user.id as string, token, email }, tenantId, branches: ids };
}

/** A category and its products, priced in every branch given: `{ categoryId, products: name → id }`. */
export async function menuOf(
  ctx: RunContext,
  token: string,
  category: string,
  products: Array<{ name: string; price: number }>,
  branches: string[],
): Promise<{ categoryId: string; products: Record<string, string> }> {
  const cat = await must(
    ctx,
    ctx.urls.pos,
    'POST',
    `${POS}/categories`,
    { token, body: { name: category } },
    [201],
  );
  const categoryId = cat.body.data.id as string;
  const out: Record<string, string> = {};
  for (const p of products) {
    const prod = await must(
      ctx,
      ctx.urls.pos,
      'POST',
      `${POS}/products`,
      { token, body: { categoryId, name: p.name } },
      [201],
    );
    const id = prod.body.data.id as string;
    for (const b of branches)
      await must(
        ctx,
        ctx.urls.pos,
        'PUT',
        `${POS}/branches/${b}/products/${id}`,
        { token, body: { price: p.price, currency: CURRENCY } },
        [200],
      );
    out[p.name] = id;
  }
  return { categoryId, products: out };
}

/** A takeaway order of the branch with its lines, not sent (lines are not idempotent: before any fault). */
export async function openOrder(
  ctx: RunContext,
  token: string,
  branchId: string,
  lines: Array<{ productId: string; quantity: number; notes?: string }>,
): Promise<{ id: string; total: string }> {
  const order = await must(
    ctx,
    ctx.urls.pos,
    'POST',
    `${POS}/orders`,
    { token, body: { branchId, kind: 'takeaway', customerName: 'Caos' } },
    [201],
  );
  const id = order.body.data.id as string;
  let total = '0';
  for (const l of lines) {
    const a = await must(
      ctx,
      ctx.urls.pos,
      'POST',
      `${POS}/orders/${id}/lines`,
      { token, body: l },
      [200, 201],
    );
    total = String(a.body.data.total ?? total);
  }
  return { id, total };
}

/** Sends the order to the kitchen; a retry after it went through (409: nothing new) counts as sent. */
export async function sendOrder(ctx: RunContext, token: string, orderId: string): Promise<string> {
  const a = await must(ctx, ctx.urls.pos, 'POST', `${POS}/orders/${orderId}/send`, { token }, [200, 409]);
  if (a.status === 200) return 'sent';
  const o = await must(ctx, ctx.urls.pos, 'GET', `${POS}/orders/${orderId}`, { token }, [200]);
  if (o.body.data.status === 'open')
    throw new Error(`send answered 409 ${a.body.error?.code ?? ''}, still open`);
  return `sent before (409 ${a.body.error?.code ?? ''})`;
}
