/**
 * The POS traffic the observability run needs for the POS's own SLOs (k8s/slo/specs/pos.yaml):
 * a restaurant of its own (signed up through identity, one branch), a screen station that takes
 * every category, a product, and a few takeaway orders opened, given a line and sent (the order
 * latency SLO's `POST /orders…` routes), whose kitchen tickets are then bumped ready (the kitchen
 * ticket age histogram, `faena_pos_kitchen_ticket_age_seconds`). Through the public APIs, as the
 * business's staff would: the owner sets the menu up, a waiter takes the orders, the kitchen's
 * user bumps them. The station also prints, on a real TCP printer this run starts (the print
 * delivery SLO's `printJob` outcomes); then the branch's nightly closure is set up and its schedule
 * triggered, as an operator does from the Temporal Web UI (the `cashClosure` SLO's series).
 */
import { Connection, Client } from '@temporalio/client';
import { IDENTITY, invitedUser, must, PASSWORD, type User } from '../chaos/gym.ts';
import { PORTS } from '../chaos/config.ts';
import type { RunContext } from '../chaos/process.ts';
import { sleep } from '../chaos/http.ts';
import { startTestPrinter } from '../../services/pos/test/support/tcp-printer.ts';
import { cashClosureScheduleId } from '../../workflows/src/cash-closure/contract.ts';

const POS = '/api/pos/v1';

/** A restaurant (`obs-kitchen-<run>`) with one branch: its owner's session and the branch. */
async function signUpRestaurant(
  ctx: RunContext,
): Promise<{ slug: string; owner: User; branchId: string; tenantId: string }> {
  const label = 'kitchen';
  const signup = await must(
    ctx,
    ctx.urls.identity,
    'POST',
    `${IDENTITY}/signup`,
    {
      body: {
        tenant: {
          name: `Observability bistro ${ctx.runId}`,
          slug: `obs-${label}-${ctx.runId}`,
          kind: 'restaurant',
          currency: 'CLP',
          locale: 'es-CL',
          timeZone: 'America/Santiago',
        },
        owner: { name: 'Bistro Owner', email: `${label}-owner-${ctx.runId}@obs.example`, password: PASSWORD },
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
        name: 'Providencia',
        timeZone: 'America/Santiago',
        address: { line1: 'Av. Providencia 1208', city: 'Santiago', country: 'CL' },
      },
    },
    [201],
  );
  return {
    slug: `obs-${label}-${ctx.runId}`,
    owner: { id: me.body.data.user.id as string, token },
    branchId: branch.body.data.id as string,
    tenantId: signup.body.data.tenant.id as string,
  };
}

/** A user of the business with the system role `role` (invited by the owner, invitation accepted). */
async function staff(
  ctx: RunContext,
  business: { slug: string; owner: User },
  role: string,
): Promise<string> {
  const roles = await must(
    ctx,
    ctx.urls.identity,
    'GET',
    `${IDENTITY}/roles?q=${role}&limit=100`,
    { token: business.owner.token },
    [200],
  );
  const roleId = (roles.body.data as Array<{ id: string; name: string }>).find((r) => r.name === role)!.id;
  const user = await invitedUser(
    ctx,
    { slug: business.slug, token: business.owner.token, roleId },
    `${role}-${ctx.runId}@obs.example`,
    `Obs ${role}`,
  );
  return user.token;
}

/** Drives `orders` orders from open to ready through the POS at `posUrl`; answers how many tickets got ready. */
export async function driveKitchen(ctx: RunContext, posUrl: string, orders = 3): Promise<number> {
  const business = await signUpRestaurant(ctx);
  const { owner, branchId, tenantId } = business;
  const printer = await startTestPrinter();
  const pos = (method: string, path: string, token: string, body?: unknown, ok = [200, 201]) =>
    must(ctx, posUrl, method, `${POS}${path}`, { token, ...(body !== undefined && { body }) }, ok);
  const o = owner.token;
  await pos('PUT', `/branches/${branchId}/settings`, o, { timeZone: 'America/Santiago' });
  const station = await pos('POST', '/stations', o, {
    branchId,
    name: 'Cocina',
    kind: 'both',
    printerAddress: printer.address,
    isDefault: true,
  });
  const category = await pos('POST', '/categories', o, { name: 'Sándwiches' });
  const product = await pos('POST', '/products', o, {
    categoryId: category.body.data.id,
    name: 'Barros Luco',
  });
  await pos('PUT', `/branches/${branchId}/products/${product.body.data.id as string}`, o, {
    price: 6500,
    currency: 'CLP',
  });
  const waiter = await staff(ctx, business, 'waiter');
  const kitchen = await staff(ctx, business, 'kitchen');
  for (let i = 0; i < orders; i++) {
    const order = await pos('POST', '/orders', waiter, {
      branchId,
      kind: 'takeaway',
      customerName: `Mesa ${i + 1}`,
    });
    const id = order.body.data.id as string;
    await pos('POST', `/orders/${id}/lines`, waiter, {
      productId: product.body.data.id,
      quantity: 1 + (i % 2),
    });
    await pos('POST', `/orders/${id}/send`, waiter);
  }
  const queued = await pos(
    'GET',
    `/stations/${station.body.data.id as string}/tickets?status=queued&limit=100`,
    kitchen,
  );
  const tickets = queued.body.data as Array<{ id: string }>;
  for (const t of tickets) await pos('POST', `/kitchen/tickets/${t.id}/bump`, kitchen, { status: 'ready' });
  // The tickets come out of the printer (bounded: a late one is the SLO's to count, not ours).
  for (let i = 0; i < 60 && printer.printed().length < tickets.length; i++) await sleep(500);
  ctx.log(`kitchen: ${printer.printed().length} of ${tickets.length} tickets printed`);
  await printer.close();
  // The day's closure: settings saved (the schedule is created) and fired now.
  await pos('PUT', `/branches/${branchId}/closure-settings`, o, { closingTime: '00:05' });
  const connection = await Connection.connect({
    address: `127.0.0.1:${PORTS.temporal}`,
    connectTimeout: 3000,
  });
  try {
    await new Client({ connection }).schedule.getHandle(cashClosureScheduleId(tenantId, branchId)).trigger();
  } finally {
    await connection.close();
  }
  return tickets.length;
}
