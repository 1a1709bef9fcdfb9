/**
 * Kitchen printing for operators (`printing.operate` in the ticket's or station's branch: managers):
 * a ticket's print job (its process's state, attempts and last error in words) and the Updates on
 * it — retry now, reroute to another printing station of the branch (printed with the reprint
 * mark), cancel — and a station's printer: its circuit breaker (query) and the reset. Another
 * branch's ticket or station is 404, like the kitchen's own routes.
 */
import Joi from 'joi';
import type { Context } from 'koa';
import type { UpdateDefinition } from '@temporalio/client';
import {
  authOf,
  coversBranch,
  defineRoute,
  DomainError,
  notFound,
  processCallError,
  type Route,
} from '@faena/platform';
import {
  cancelPrint,
  printerStatusQuery,
  printerWorkflowId,
  printJobStatusQuery,
  printJobWorkflowId,
  reroutePrint,
  resetBreaker,
  retryPrint,
  type PrinterStatus,
  type PrintJobStatus,
} from '@faena/workflows/printing/contract';
import type { PosDeps } from '../deps.ts';
import { Station } from '../domain/kitchen-entities.ts';
import { loadStation, loadTicket } from '../domain/kitchen.ts';
import { PrintJob } from '../printing/entities.ts';
import { em, params, text } from './common.ts';

const PERMISSION = 'printing.operate';

const jobOut = Joi.object({
  ticketId: Joi.string().uuid().required(),
  state: Joi.string().valid('queued', 'printed', 'fallen_back', 'cancelled').required(),
  printerAddress: Joi.string().required(),
  attempts: Joi.number().integer().min(0).required(),
  lastError: Joi.string().allow(null).required(),
  expiresAt: Joi.string().isoDate().allow(null).required(),
  printedAt: Joi.string().isoDate().allow(null).required(),
  prints: Joi.number().integer().min(0).required(),
  summary: Joi.string().required(),
}).label('PrintJob');

const printerOut = Joi.object({
  stationId: Joi.string().uuid().required(),
  address: Joi.string().required(),
  breaker: Joi.string().valid('closed', 'open', 'half_open').required(),
  failures: Joi.number().integer().min(0).required(),
  probeAt: Joi.string().isoDate().allow(null).required(),
  lastError: Joi.string().allow(null).required(),
  queue: Joi.array()
    .items(
      Joi.object({
        ticketId: Joi.string().uuid().required(),
        kind: Joi.string().valid('order', 'cancel').required(),
        attempts: Joi.number().integer().min(0).required(),
        expiresAt: Joi.string().isoDate().required(),
      }),
    )
    .required(),
  printed: Joi.number().integer().min(0).required(),
  summary: Joi.string().required(),
}).label('Printer');

const presentJob = (s: PrintJobStatus) => ({
  ticketId: s.ticketId,
  state: s.state,
  printerAddress: s.printerAddress,
  attempts: s.attempts,
  lastError: s.lastError,
  expiresAt: s.expiresAt,
  printedAt: s.printedAt,
  prints: s.prints,
  summary: s.summary,
});

export function printingRoutes(deps: PosDeps): Route[] {
  const { guard, temporal } = deps;

  /** The ticket (in the caller's branches) and its job row: a ticket never handed to printing is 404. */
  const jobOf = async (ctx: Context, ticketId: string) => {
    const ticket = await loadTicket(em(), ticketId);
    if (!coversBranch(ctx, PERMISSION, ticket.branchId)) throw notFound('Kitchen ticket');
    const job = await em().findOne(PrintJob, { ticketId: ticket.id });
    if (!job) throw notFound('Print job');
    return { ticket, job };
  };
  const jobHandle = (tenantId: string, ticketId: string) =>
    temporal.workflow.getHandle(printJobWorkflowId(tenantId, ticketId));
  const closed = () =>
    new DomainError('PRINT_JOB_CLOSED', 'The print job has ended; send the order again to print it');
  /** An operator's Update on a ticket's running print job; answers the job as it left it. */
  const updateJob = async <A>(
    ticket: { tenantId: string; id: string },
    def: UpdateDefinition<PrintJobStatus, [A]>,
    arg: A,
  ) => {
    try {
      return presentJob(await jobHandle(ticket.tenantId, ticket.id).executeUpdate(def, { args: [arg] }));
    } catch (err) {
      throw processCallError(err, 'print job', closed());
    }
  };

  /** A station of the caller's branches that prints. */
  const printingStation = async (ctx: Context, id: string): Promise<Station & { printerAddress: string }> => {
    const s = await loadStation(em(), id);
    if (!coversBranch(ctx, PERMISSION, s.branchId)) throw notFound('Station');
    if (!s.printerAddress)
      throw new DomainError('PRINTER_ADDRESS_REQUIRED', 'The station is a screen: it has no printer', {
        field: 'params.id',
      });
    return s as Station & { printerAddress: string };
  };
  const printerOf = async (s: Station & { printerAddress: string }): Promise<PrinterStatus> => {
    try {
      return await temporal.workflow
        .getHandle(printerWorkflowId(s.tenantId, s.printerAddress))
        .query(printerStatusQuery);
    } catch (err) {
      const e = processCallError(err, 'printer', notFound('Printer process'));
      if (e.code !== 'NOT_FOUND') throw e;
      // No process: nothing has failed on it lately (it ends when idle).
      return {
        address: s.printerAddress,
        breaker: 'closed',
        failures: 0,
        probeAt: null,
        lastError: null,
        queue: [],
        printed: 0,
        summary: `Printer ${s.printerAddress}: idle`,
      };
    }
  };
  const presentPrinter = (s: Station, p: PrinterStatus) => ({
    stationId: s.id,
    address: p.address,
    breaker: p.breaker,
    failures: p.failures,
    probeAt: p.probeAt,
    lastError: p.lastError,
    queue: p.queue,
    printed: p.printed,
    summary: p.summary,
  });

  return [
    defineRoute({
      method: 'get',
      path: '/kitchen/tickets/:id/print',
      summary: "A kitchen ticket's print job: state, printer, attempts, last error in words",
      tags: ['printing'],
      auth: true,
      middleware: [guard.requirePermission(PERMISSION, 'records')],
      schemas: { params, response: jobOut },
      handler: async (ctx, input) => {
        const { ticket, job } = await jobOf(ctx, input.params.id);
        try {
          return presentJob(await jobHandle(ticket.tenantId, ticket.id).query(printJobStatusQuery));
        } catch (err) {
          const e = processCallError(err, 'print job', notFound('Print job'));
          if (e.code !== 'NOT_FOUND') throw e;
          // The process ended: the row has its last word.
          return {
            ticketId: ticket.id,
            state: job.state,
            printerAddress: job.printerAddress,
            attempts: job.attempts,
            lastError: job.lastError ?? null,
            expiresAt: null,
            printedAt: ticket.printedAt?.toISOString() ?? null,
            prints: ticket.printedAt ? 1 : 0,
            summary: `Ticket of order ${ticket.orderNumber} on printer ${job.printerAddress}: ${job.state}`,
          };
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/kitchen/tickets/:id/print/retry',
      summary:
        "Print the ticket again now, past the printer's backoff and breaker (with the reprint mark when it came out before)",
      tags: ['printing'],
      auth: true,
      middleware: [guard.requirePermission(PERMISSION, 'records')],
      schemas: { params, response: jobOut },
      handler: async (ctx, input) => {
        const { ticket } = await jobOf(ctx, input.params.id);
        return updateJob(ticket, retryPrint, { operatorId: authOf(ctx).claims.sub });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/kitchen/tickets/:id/print/reroute',
      summary: 'Print the ticket on another printing station of its branch (with the reprint mark)',
      tags: ['printing'],
      auth: true,
      middleware: [guard.requirePermission(PERMISSION, 'records')],
      schemas: {
        params,
        body: Joi.object<{ stationId: string }>({ stationId: Joi.string().uuid().required() }).required(),
        response: jobOut,
      },
      handler: async (ctx, input) => {
        const { ticket } = await jobOf(ctx, input.params.id);
        const target = await em().findOne(Station, { id: input.body.stationId });
        if (!target || target.branchId !== ticket.branchId || !target.active)
          throw new DomainError('UNKNOWN_REFERENCE', "No active station of the ticket's branch has this id", {
            field: 'body.stationId',
          });
        if (!target.printerAddress)
          throw new DomainError('PRINTER_ADDRESS_REQUIRED', 'The station is a screen: it has no printer', {
            field: 'body.stationId',
          });
        return updateJob(ticket, reroutePrint, {
          operatorId: authOf(ctx).claims.sub,
          printerAddress: target.printerAddress,
          stationName: target.name,
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/kitchen/tickets/:id/print/cancel',
      summary: 'Stop printing the ticket (it is withdrawn from its printer; nothing prints later)',
      tags: ['printing'],
      auth: true,
      middleware: [guard.requirePermission(PERMISSION, 'records')],
      schemas: {
        params,
        body: Joi.object<{ reason: string }>({ reason: text(300).required() }).required(),
        response: jobOut,
      },
      handler: async (ctx, input) => {
        const { ticket } = await jobOf(ctx, input.params.id);
        return updateJob(ticket, cancelPrint, {
          operatorId: authOf(ctx).claims.sub,
          reason: input.body.reason,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/stations/:id/printer',
      summary: "A printing station's printer: its circuit breaker, failures, last error and queue",
      tags: ['printing'],
      auth: true,
      middleware: [guard.requirePermission(PERMISSION, 'records')],
      schemas: { params, response: printerOut },
      handler: async (ctx, input) => {
        const s = await printingStation(ctx, input.params.id);
        return presentPrinter(s, await printerOf(s));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/stations/:id/printer/reset',
      summary: "Close a printer's circuit breaker (after fixing it): its queue is sent again at once",
      tags: ['printing'],
      auth: true,
      middleware: [guard.requirePermission(PERMISSION, 'records')],
      schemas: { params, response: printerOut },
      handler: async (ctx, input) => {
        const s = await printingStation(ctx, input.params.id);
        try {
          const p = await temporal.workflow
            .getHandle(printerWorkflowId(s.tenantId, s.printerAddress))
            .executeUpdate(resetBreaker, { args: [{ operatorId: authOf(ctx).claims.sub }] });
          return presentPrinter(s, p);
        } catch (err) {
          const e = processCallError(err, 'printer', notFound('Printer process'));
          if (e.code !== 'NOT_FOUND') throw e;
          return presentPrinter(s, await printerOf(s)); // no process: closed already
        }
      },
    }),
  ];
}
