/**
 * identity's side of the SaaS subscription's `renewal` chain (the seller is identity,
 * subscription-activities.ts): start it when a business gets a paid plan (sign-up on a paid plan,
 * free → a trial), steer it with Updates (an upgrade within a paid period, a move to free at the
 * period's end), read it with the status query (the open checkout's link for the owner).
 *
 * A crash between the commit that gives a business a paid plan and the start loses nothing:
 * `renewal_started_at` stays null, and the identity worker's sweeper (`subscriptionSweeper`)
 * starts every such chain; `USE_EXISTING` makes a repeated start answer the running chain.
 */
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type UpdateDefinition } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DomainError,
  periodic,
  queryRunning,
  updateProcess,
  sweepTenants,
  withEm,
  type BackgroundJob,
  type Logger,
  type Orm,
} from '@faena/platform';
import { formatMinor } from '@faena/platform/money';
import {
  RENEWAL_WORKFLOW_TYPE,
  renewalStatusQuery,
  renewalWorkflowId,
  type RenewalStatus,
  type RenewalWorkflow,
} from '@faena/workflows/renewal/contract';
import { Tenant } from './domain/entities.ts';
import { PLAN_KINDS } from './domain/plans.ts';
import { markSubscriptionStarted, subscriptionInputOf } from './domain/subscriptions.ts';

/** What identity's API and worker need to run subscriptions. */
export interface SubscriptionProcess {
  temporal: Client;
  /** The renewal workflow's queue (the contract's; tests name one no worker polls). */
  taskQueue: string;
  /** The platform tenant whose books receive the payments. */
  platformSlug: string;
  logger: Logger;
}

export const subscriptionIdOf = (tenantId: string) => renewalWorkflowId(tenantId, tenantId);

/**
 * Starts the business's renewal chain when its plan renews and none was started; answers whether
 * one runs. Throws SERVICE_UNAVAILABLE when Temporal cannot take it (the caller decides whether
 * that fails the request: a sign-up never does, the sweeper tries again).
 */
export async function ensureSubscription(
  em: EntityManager,
  p: SubscriptionProcess,
  t: Tenant,
): Promise<boolean> {
  if (t.renewalStartedAt) return true;
  const input = await subscriptionInputOf(em, t, p.platformSlug);
  if (!input) return false;
  try {
    await p.temporal.workflow.start<RenewalWorkflow>(RENEWAL_WORKFLOW_TYPE, {
      taskQueue: p.taskQueue,
      workflowId: subscriptionIdOf(t.id),
      args: [input],
      // A chain that ended (moved to free, never paid) starts again with the next paid plan.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      searchAttributes: { TenantId: [t.id], BusinessKey: [t.id], ProcessStatus: ['active'] },
      staticSummary: `SaaS plan · ${t.name} · ${input.item.planName} · ${formatMinor(
        input.item.amount,
        input.item.currency,
        'es-AR',
      )} · ${input.trial ? 'trial ends' : 'renews'} ${input.periodEnd} (${input.timeZone})`,
      staticDetails: `The ${t.kind} ${t.slug} (${t.id}) on the ${input.item.planName} plan, sold by the platform; paid by its owner ${input.payer.userId} through MercadoPago checkouts in the platform's books. The run's current details say what it waits for.`,
    });
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new DomainError('SERVICE_UNAVAILABLE', 'The subscription process could not be started; retry', {
      headers: { 'Retry-After': '5' },
    });
  }
  await markSubscriptionStarted(em, t);
  return true;
}

/** The same, after a commit that must not fail because Temporal is away (the sweeper starts it later). */
export async function startSubscriptionSoon(
  em: EntityManager,
  p: SubscriptionProcess | undefined,
  t: Tenant,
): Promise<void> {
  if (!p) return;
  try {
    await ensureSubscription(em, p, t);
  } catch (err) {
    p.logger.warn('subscription not started yet: the sweeper starts it', {
      tenantId: t.id,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

const noSubscription = () =>
  new DomainError('NOT_FOUND', 'The subscription process of this business was not found');

/** The running chain's status, or null when none runs. */
export const runningSubscription = async (
  p: SubscriptionProcess,
  t: Tenant,
): Promise<RenewalStatus | null> =>
  t.renewalStartedAt
    ? queryRunning(p.temporal, subscriptionIdOf(t.id), renewalStatusQuery, 'subscription', noSubscription())
    : null;

/** Sends an Update to the business's chain and answers its status. */
export const updateSubscription = <Arg>(
  p: SubscriptionProcess,
  t: Tenant,
  update: UpdateDefinition<RenewalStatus, [Arg]>,
  arg: Arg,
): Promise<RenewalStatus> =>
  updateProcess(p.temporal, subscriptionIdOf(t.id), update, arg, 'subscription', noSubscription());

/** A business given a paid plan this long ago without a chain is the sweeper's (the API had its chance). */
export const SUBSCRIPTION_SWEEP_GRACE_MS = 60_000;
export const SUBSCRIPTION_SWEEP_EVERY_MS = 60_000;

/** One pass: starts the chain of every business on a paid plan without one (changed before `now - graceMs`). */
export async function sweepSubscriptions(
  deps: SubscriptionProcess & { orm: Orm },
  opts: { now?: Date; graceMs?: number } = {},
): Promise<{ started: number; failed: number; more: boolean }> {
  const before = new Date((opts.now ?? new Date()).getTime() - (opts.graceMs ?? SUBSCRIPTION_SWEEP_GRACE_MS));
  const batch = 50;
  // Without the platform tenant no chain can be charged: one line per pass, not one per business.
  const platform = await withEm(
    deps.orm,
    (em) => em.count(Tenant, { slug: deps.platformSlug, kind: 'platform' }),
    { system: true },
  );
  if (!platform) {
    deps.logger.warn('subscription sweep: the platform tenant does not exist; no chain started', {
      platformSlug: deps.platformSlug,
    });
    return { started: 0, failed: 0, more: false };
  }
  const pass = await sweepTenants({
    orm: deps.orm,
    logger: deps.logger,
    name: 'subscription sweep',
    batch,
    due: async (em) =>
      (
        await (em as unknown as EntityManager).find(
          Tenant,
          {
            kind: { $in: [...PLAN_KINDS] },
            plan: { $ne: 'free' },
            subscriptionStatus: { $ne: 'none' },
            renewalStartedAt: null,
            updatedAt: { $lt: before },
          },
          { fields: ['id'], orderBy: { updatedAt: 'asc', id: 'asc' }, limit: batch },
        )
      ).map((t) => ({ tenantId: t.id })),
    handle: async (e, row) => {
      const em = e as unknown as EntityManager;
      const t = await em.findOne(Tenant, { id: row.tenantId });
      return t ? ensureSubscription(em, deps, t) : false;
    },
    describe: (row) => ({ tenantId: row.tenantId }),
  });
  return { started: pass.done, failed: pass.failed, more: pass.more };
}

/** The sweeper as a job beside the identity worker. */
export const subscriptionSweeper = (
  deps: SubscriptionProcess & { orm: Orm },
  opts: { everyMs?: number } = {},
): BackgroundJob =>
  periodic({
    name: 'subscription sweep',
    everyMs: opts.everyMs ?? SUBSCRIPTION_SWEEP_EVERY_MS,
    logger: deps.logger,
    run: async () => (await sweepSubscriptions(deps)).more,
  });
