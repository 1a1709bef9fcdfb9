/**
 * The POS side of kitchen printing (workflows/src/printing): sending a ticket to its printer,
 * handing a job to its printer's process, recording the job on its rows, and the fallback of a
 * job that did not print in time (the kitchen screen's room event and the ticket's PDF). Served by
 * the POS worker on the `pos` queue, each through `inTenantActivity`.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { inTenantActivity, type Logger, type Orm, type OutboundGuard, type Redis } from '@faena/platform';
import { publishRealtime, rooms } from '@faena/notifications/realtime';
import {
  PRINTER_WORKFLOW_TYPE,
  enqueuePrint,
  printerWorkflowId,
  type PrinterWorkflow,
  type PrintingActivities,
} from '@faena/workflows/printing/contract';
import { presentTicket } from '../domain/kitchen.ts';
import { KitchenTicket, KitchenTicketItem, Station } from '../domain/kitchen-entities.ts';
import { BranchSettings } from '../domain/menu-entities.ts';
import { PrintJob } from './entities.ts';
import { ensurePrintJobRow } from './start.ts';
import {
  DEFAULT_PRINTER_PROFILE,
  renderTicketEscPos,
  renderTicketPdf,
  type PrinterProfile,
  type TicketView,
} from './render.ts';
import {
  DEFAULT_SEND_OPTIONS,
  PrintError,
  parsePrinterAddress,
  sendToPrinter,
  type SendOptions,
} from './tcp.ts';

export interface PrintingActivityDeps {
  orm: Orm;
  logger: Logger;
  redis: Redis;
  temporal: Client;
  /** Where printer processes run: PRINTING_TASK_QUEUE in production, a test's own in tests. */
  printingTaskQueue: string;
  /**
   * The SSRF guard printer addresses go through (`checkHost(host, { lan: true })`): the worker's
   * `TENANT_URL_DENY_CIDRS` / `TENANT_URL_ALLOW_CIDRS` (wiring.ts).
   */
  guard: Pick<OutboundGuard, 'checkHost'>;
  /** Connect and I/O timeouts (tests shorten them). */
  send?: Partial<Pick<SendOptions, 'connectTimeoutMs' | 'ioTimeoutMs'>>;
}

/**
 * The profile of the printer at `address`: the branch's station that prints there (a reroute's
 * target, or the ticket's own), else the default (80 mm, answers its status).
 */
async function profileAt(em: EntityManager, branchId: string, address: string): Promise<PrinterProfile> {
  const s = await em.findOne(Station, { branchId, printerAddress: address }, { orderBy: { active: 'desc' } });
  if (!s) return DEFAULT_PRINTER_PROFILE;
  return { paperWidth: s.paperWidth === 58 ? 58 : 80, answersStatus: s.printerAnswersStatus };
}

interface LoadedTicket {
  ticket: KitchenTicket;
  items: KitchenTicketItem[];
  view: TicketView;
}

async function loadTicketView(em: EntityManager, ticketId: string, reprint: boolean): Promise<LoadedTicket> {
  const ticket = await em.findOneOrFail(KitchenTicket, { id: ticketId });
  const [items, station, settings] = await Promise.all([
    em.find(KitchenTicketItem, { ticketId }, { orderBy: { id: 'asc' } }),
    em.findOneOrFail(Station, { id: ticket.stationId }),
    em.findOne(BranchSettings, { branchId: ticket.branchId }),
  ]);
  // An order ticket prints its live items; a cancel ticket the voided ones it announces.
  const shown = ticket.kind === 'cancel' ? items : items.filter((i) => i.status !== 'cancelled');
  return {
    ticket,
    items,
    view: {
      ticketId: ticket.id,
      kind: ticket.kind,
      stationName: station.name,
      orderNumber: ticket.orderNumber,
      tableLabel: ticket.tableLabel ?? null,
      createdAt: ticket.createdAt,
      timeZone: settings?.timeZone ?? 'UTC',
      items: shown.map((i) => ({
        name: i.name,
        quantity: i.quantity,
        modifiers: i.modifiers,
        notes: i.notes ?? null,
      })),
      reprint,
    },
  };
}

export function printingActivities(deps: PrintingActivityDeps) {
  const inTenant = <T>(tenantId: string, fn: (em: EntityManager) => Promise<T>) =>
    inTenantActivity(deps.orm, tenantId, (em) => fn(em));
  const sendOptions: SendOptions = { ...DEFAULT_SEND_OPTIONS, ...deps.send, guard: deps.guard };

  return {
    async printTicket(input) {
      return inTenant(input.tenantId, async (em) => {
        const { job } = await ensurePrintJobRow(em, input);
        // A send that reached the write before may have printed (a crash or a cut connection):
        // this one carries the reprint mark, so a duplicate shows as one.
        const { ticket, view } = await loadTicketView(em, input.ticketId, input.reprint || job.writes > 0);
        const profile = await profileAt(em, ticket.branchId, input.printerAddress);
        const bytes = renderTicketEscPos(view, profile);
        try {
          await sendToPrinter(parsePrinterAddress(input.printerAddress), bytes, {
            ...sendOptions,
            answersStatus: profile.answersStatus,
            beforeWrite: async () => {
              await em.nativeUpdate(PrintJob, { ticketId: input.ticketId }, { writes: job.writes + 1 });
            },
          });
        } catch (err) {
          if (!(err instanceof PrintError)) throw err;
          deps.logger.warn('kitchen ticket not printed', {
            ticketId: input.ticketId,
            printer: input.printerAddress,
            code: err.code,
            written: err.written,
          });
          // Tried once: the printer's process retries (and counts the failure for its breaker);
          // PRINTER_ADDRESS_REFUSED it does not retry (the job falls back at once).
          throw ApplicationFailure.nonRetryable(err.message, err.code, { written: err.written });
        }
        const printedAt = new Date();
        await em.nativeUpdate(
          KitchenTicket,
          { id: ticket.id },
          { printStatus: 'printed', printedAt, printerAddress: input.printerAddress },
        );
        await em.nativeUpdate(PrintJob, { ticketId: ticket.id }, { state: 'printed', lastError: null });
        return { printedAt: printedAt.toISOString() };
      });
    },

    async enqueueOnPrinter(input) {
      await deps.temporal.workflow.signalWithStart<PrinterWorkflow, [typeof input.job]>(
        PRINTER_WORKFLOW_TYPE,
        {
          taskQueue: deps.printingTaskQueue,
          workflowId: printerWorkflowId(input.tenantId, input.printerAddress),
          args: [{ tenantId: input.tenantId, address: input.printerAddress }],
          signal: enqueuePrint,
          signalArgs: [input.job],
          searchAttributes: {
            TenantId: [input.tenantId],
            BusinessKey: [`printer:${input.printerAddress}`],
            ProcessStatus: ['printing'],
          },
          staticSummary: `Kitchen printer ${input.printerAddress}`,
          staticDetails: `Sends the kitchen tickets of printer ${input.printerAddress} in order and holds its circuit breaker.`,
        },
      );
    },

    async recordPrintJob(input) {
      await inTenant(input.tenantId, async (em) => {
        await ensurePrintJobRow(em, input);
        await em.nativeUpdate(
          PrintJob,
          { ticketId: input.ticketId },
          {
            state: input.state,
            attempts: input.attempts,
            printerAddress: input.printerAddress,
            lastError:
              input.state === 'fallen_back'
                ? (input.lastError ?? 'The printer did not answer in time')
                : input.lastError,
          },
        );
        // The ticket: printed stays printed; a fallback or cancel of a ticket never printed is `failed`.
        if (input.state === 'fallen_back' || input.state === 'cancelled')
          await em.nativeUpdate(
            KitchenTicket,
            { id: input.ticketId, printStatus: 'pending' },
            { printStatus: 'failed', printerAddress: input.printerAddress },
          );
        else
          await em.nativeUpdate(
            KitchenTicket,
            { id: input.ticketId, printStatus: { $ne: 'none' } },
            { printerAddress: input.printerAddress },
          );
      });
    },

    async printFallback(input) {
      return inTenant(input.tenantId, async (em) => {
        const { ticket, items, view } = await loadTicketView(em, input.ticketId, false);
        try {
          await publishRealtime(deps.redis, {
            tenantId: ticket.tenantId,
            room: rooms.kitchen(ticket.tenantId, ticket.branchId, ticket.stationId),
            event: 'kitchen:print_failed',
            data: { ...presentTicket(ticket, items), reason: input.reason },
          });
        } catch (err) {
          // The email still goes; the activity is retried for the screen only when Redis is down.
          deps.logger.warn('kitchen print fallback not published', {
            ticketId: ticket.id,
            error: String(err),
          });
          throw err;
        }
        const pdf = await renderTicketPdf(view);
        return {
          filename: `comanda-${ticket.orderNumber}-${view.stationName.replace(/[^\p{L}\p{N}]+/gu, '-')}.pdf`,
          contentBase64: pdf.toString('base64'),
          stationName: view.stationName,
          orderNumber: ticket.orderNumber,
          tableLabel: ticket.tableLabel ?? null,
        };
      });
    },
  } satisfies PrintingActivities;
}
