/**
 * Starting kitchen tickets' print processes durably — the low-stock way (src/low-stock.ts): the
 * ticket row (`print_status = 'pending'`) is the outbox, written in the send's transaction. After
 * the commit the API starts each printing ticket's `printJob` (`print/<tenant>/<ticketId>`,
 * `REJECT_DUPLICATE` + `USE_EXISTING`: a repeat is harmless, a finished job is never started
 * again) and writes its `print_jobs` row (= handed to its process). A crash or a Temporal outage in
 * between leaves a pending ticket without a job: the sweeper beside the POS worker starts it
 * (`printSweeper`, platform `sweepTenants` over index `kitchen_tickets_print_pending_index`).
 */
import type { Client } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  isUniqueViolation,
  periodic,
  sweepTenants,
  type BackgroundJob,
  type Logger,
  type Orm,
} from '@faena/platform';
import {
  KITCHEN_PRINT_EXPIRY_MS,
  PRINT_JOB_WORKFLOW_TYPE,
  printJobWorkflowId,
  type PrintJobInput,
  type PrintJobWorkflow,
} from '@faena/workflows/printing/contract';
import { KitchenTicket, Station } from '../domain/kitchen-entities.ts';
import { PrintJob } from './entities.ts';

export interface PrintStartDeps {
  temporal: Client;
  /** Where print processes run: PRINTING_TASK_QUEUE in production, a test's own in tests. */
  printTaskQueue: string;
  logger: Logger;
  /** Tests shorten the kitchen expiry. */
  printExpiryMs?: number;
}

/** Starts the ticket's print process unless it has one (answers whether it started it now). */
export async function ensurePrintProcess(
  em: EntityManager,
  deps: PrintStartDeps,
  ticket: KitchenTicket,
): Promise<boolean> {
  if (ticket.printStatus !== 'pending' || !ticket.printerAddress) return false;
  if (await em.findOne(PrintJob, { ticketId: ticket.id })) return false;
  const station = await em.findOneOrFail(Station, { id: ticket.stationId });
  const input: PrintJobInput = {
    tenantId: ticket.tenantId,
    ticketId: ticket.id,
    branchId: ticket.branchId,
    stationId: ticket.stationId,
    stationName: station.name,
    orderNumber: ticket.orderNumber,
    tableLabel: ticket.tableLabel ?? null,
    kind: ticket.kind,
    printerAddress: ticket.printerAddress,
    expiryMs: deps.printExpiryMs ?? KITCHEN_PRINT_EXPIRY_MS,
    // Counted from the send: a ticket started late (by the sweeper) never prints past its window.
    expiresAt: new Date(
      ticket.createdAt.getTime() + (deps.printExpiryMs ?? KITCHEN_PRINT_EXPIRY_MS),
    ).toISOString(),
  };
  const place = ticket.tableLabel ? `table ${ticket.tableLabel}` : 'takeaway';
  try {
    await deps.temporal.workflow.start<PrintJobWorkflow>(PRINT_JOB_WORKFLOW_TYPE, {
      taskQueue: deps.printTaskQueue,
      workflowId: printJobWorkflowId(ticket.tenantId, ticket.id),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      searchAttributes: {
        TenantId: [ticket.tenantId],
        BusinessKey: [`print:${ticket.id}`],
        ProcessStatus: ['queued'],
      },
      staticSummary: `Kitchen ticket · order ${ticket.orderNumber} (${place}) · ${station.name}`,
      staticDetails: `${ticket.kind === 'cancel' ? 'Cancel ticket' : 'Ticket'} ${ticket.id} of order ${ticket.orderId} for station ${station.name} (branch ${ticket.branchId}), printer ${ticket.printerAddress}; falls back to the kitchen screen and a PDF email when not printed in time.`,
    });
  } catch (err) {
    // Started before (and finished: REJECT_DUPLICATE): the ticket has had its process.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  // Another API call, a sweep or the process itself may have written it first: it has its process.
  const { created } = await ensurePrintJobRow(em, {
    tenantId: ticket.tenantId,
    ticketId: ticket.id,
    printerAddress: ticket.printerAddress,
  });
  return created;
}

/**
 * The ticket's `print_jobs` row, written when missing (`print_jobs_ticket_unique` decides a race).
 * The API writes it after starting the process, and the process's own writes (`printTicket`,
 * `recordPrintJob`) make sure of it too: a process may print before the API's write lands, or
 * the API may die (or PostgreSQL restart) between the start and the write — the ticket then
 * leaves `pending` and no sweep would ever write it.
 */
export async function ensurePrintJobRow(
  em: EntityManager,
  key: { tenantId: string; ticketId: string; printerAddress: string },
): Promise<{ job: PrintJob; created: boolean }> {
  const { ticketId } = key;
  const found = await em.findOne(PrintJob, { ticketId });
  if (found) return { job: found, created: false };
  const job = em.create(PrintJob, {
    tenantId: key.tenantId,
    ticketId,
    printerAddress: key.printerAddress,
  });
  try {
    await em.persist(job).flush();
    return { job, created: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    em.clear();
    return { job: await em.findOneOrFail(PrintJob, { ticketId }), created: false };
  }
}

/**
 * After the send's commit: starts the print process of each printing ticket (best effort — a
 * failed start is logged and left to the sweeper; the tickets stand either way).
 */
export async function startPrinting(
  deps: PrintStartDeps,
  em: EntityManager,
  tickets: KitchenTicket[],
): Promise<void> {
  for (const ticket of tickets) {
    try {
      await ensurePrintProcess(em, deps, ticket);
    } catch (err) {
      deps.logger.warn('print process not started; the sweeper starts it', {
        ticketId: ticket.id,
        error: String(err),
      });
    }
  }
}

export interface PrintSweeperDeps extends PrintStartDeps {
  orm: Orm;
}

/** A pending ticket this old without a job is the sweeper's (the API had its chance). */
export const PRINT_SWEEP_GRACE_MS = 10_000;
export const PRINT_SWEEP_EVERY_MS = 10_000;
const BATCH = 50;

/** One pass: starts the print process of every pending ticket older than the grace without one. */
export async function sweepPrinting(
  deps: PrintSweeperDeps,
  opts: { now?: Date; graceMs?: number } = {},
): Promise<{ started: number; skipped: number; failed: number; more: boolean }> {
  const before = new Date((opts.now ?? new Date()).getTime() - (opts.graceMs ?? PRINT_SWEEP_GRACE_MS));
  const pass = await sweepTenants({
    orm: deps.orm,
    logger: deps.logger,
    name: 'pos print sweep',
    batch: BATCH,
    // Every business's pending tickets without a job (kitchen_tickets_print_pending_index).
    due: async (em) => {
      const rows = await (em as unknown as EntityManager)
        .getConnection()
        .execute<Array<{ id: string; tenant_id: string }>>(
          `select t."id", t."tenant_id" from "pos"."kitchen_tickets" t
          where t."print_status" = 'pending' and t."created_at" < ?
            and not exists (select 1 from "pos"."print_jobs" j where j."tenant_id" = t."tenant_id" and j."ticket_id" = t."id")
          order by t."created_at", t."id" limit ${BATCH}`,
          [before],
        );
      return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id }));
    },
    handle: async (e, row) => {
      const em = e as unknown as EntityManager;
      const ticket = await em.findOne(KitchenTicket, { id: row.id });
      return ticket ? ensurePrintProcess(em, deps, ticket) : false;
    },
    describe: (row) => ({ ticketId: row.id }),
  });
  return { started: pass.done, skipped: pass.skipped, failed: pass.failed, more: pass.more };
}

/** The sweeper as a job beside the POS worker (`background` of runWorker). */
export function printSweeper(
  deps: PrintSweeperDeps,
  opts: { everyMs?: number; graceMs?: number } = {},
): BackgroundJob {
  return periodic({
    name: 'pos print sweep',
    everyMs: opts.everyMs ?? PRINT_SWEEP_EVERY_MS,
    logger: deps.logger,
    run: async () =>
      (await sweepPrinting(deps, opts.graceMs === undefined ? {} : { graceMs: opts.graceMs })).more,
  });
}
