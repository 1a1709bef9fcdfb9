/**
 * Kitchen printing's one table (`Migration20261209400000_printing`): a ticket's print job, written
 * when its print process is started (by the API or the sweeper; the process's own first write
 * makes sure of it: `ensurePrintJobRow`), updated by the process (`recordPrintJob`) and by each
 * send (`writes`: sends that reached the printer's write, for the reprint mark).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, tenantProperty } from '@faena/platform';
import { PRINT_JOB_STATES } from '@faena/workflows/printing/contract';

export const PrintJob = defineEntity({
  name: 'PrintJob',
  tableName: 'print_jobs',
  properties: {
    ...idProperty,
    ...tenantProperty,
    /** One per ticket (`print_jobs_ticket_unique`). */
    ticketId: p.uuid(),
    state: p.enum(PRINT_JOB_STATES).default('queued'),
    /** Where it prints now (a reroute changes it). */
    printerAddress: p.string().length(300),
    attempts: p.integer().default(0),
    writes: p.integer().default(0),
    /** The last failure in words. */
    lastError: p.string().length(300).nullable(),
    ...auditProperties,
  },
});
export type PrintJob = InferEntity<typeof PrintJob>;

export const printingEntities = [PrintJob];
