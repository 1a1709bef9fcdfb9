/**
 * How pos is assembled — the one place main.ts, the seed and the test harness build it from: its
 * ORM and the API's dependencies.
 */
import type { Client } from '@temporalio/client';
import { LOW_STOCK_TASK_QUEUE } from '@faena/workflows/stock/contract';
import { PRINTING_TASK_QUEUE } from '@faena/workflows/printing/contract';
import {
  createOutboundGuard,
  createPaymentsClient,
  createStorage,
  outboundGuardOptions,
  serviceOrm,
  uploadLimits,
  type AuthGuard,
  type Logger,
  type Orm,
  type OutboundGuard,
  type Redis,
} from '@faena/platform';
import type { ActivityDeps } from './activities.ts';
import type { PosKeys, PrinterGuardConfig } from './config.ts';
import { SCHEMA } from './constants.ts';
import type { PosDeps } from './deps.ts';
import { entities } from './domain/entities.ts';

export const createPosOrm = serviceOrm({ schema: SCHEMA, entities, moduleUrl: import.meta.url });

/** The API's dependencies (`lowStockTaskQueue`: the contract's; tests pass a queue of their own). */
export function createPosDeps(
  config: PosKeys,
  infra: { orm: Orm; redis: Redis; logger: Logger; guard: AuthGuard; temporal: Client },
  opts: { lowStockTaskQueue?: string; printTaskQueue?: string; printExpiryMs?: number } = {},
): PosDeps {
  return {
    ...infra,
    storage: createStorage(config),
    uploads: uploadLimits(config),
    payments: createPaymentsClient({ baseUrl: config.PAYMENTS_URL, timeoutMs: config.PAYMENTS_TIMEOUT_MS }),
    lowStockTaskQueue: opts.lowStockTaskQueue ?? LOW_STOCK_TASK_QUEUE,
    printTaskQueue: opts.printTaskQueue ?? PRINTING_TASK_QUEUE,
    ...(opts.printExpiryMs !== undefined && { printExpiryMs: opts.printExpiryMs }),
  };
}

/**
 * The SSRF guard kitchen printers' addresses go through (`checkHost(host, { lan: true })`): the
 * worker's deny and allow ranges; http is irrelevant (no URLs).
 */
export const createPrinterGuard = (config: PrinterGuardConfig): OutboundGuard =>
  createOutboundGuard(outboundGuardOptions(config));

/** The worker's activity dependencies (`config`: where printers may be, PosWorkerConfig's guard keys). */
export const createPosActivityDeps = (
  config: PrinterGuardConfig,
  infra: { orm: Orm; logger: Logger; redis?: Redis },
  opts: { temporal?: Client; printingTaskQueue?: string } = {},
): ActivityDeps => ({
  orm: infra.orm,
  logger: infra.logger,
  ...(infra.redis &&
    opts.temporal && {
      printing: {
        redis: infra.redis,
        temporal: opts.temporal,
        printingTaskQueue: opts.printingTaskQueue ?? PRINTING_TASK_QUEUE,
        guard: createPrinterGuard(config),
      },
    }),
});
