import type { HealthCheck } from './http/app.ts';
import { createHttpApp } from './http/app.ts';
import type { Logger } from './logger.ts';
import { serve, type RunningServer } from './server.ts';
import { metricsMiddleware } from './telemetry/index.ts';

/**
 * `/health/live`, `/health/ready` and `/metrics` for a process without an API (Temporal workers),
 * so Kubernetes probes and Prometheus treat workers like APIs. Skipped when `port` is undefined.
 */
export async function serveWorkerHealth(opts: {
  service: string;
  port?: number;
  host?: string;
  logger: Logger;
  health: HealthCheck[];
}): Promise<RunningServer | undefined> {
  if (opts.port === undefined) return undefined;
  const app = createHttpApp({
    service: opts.service,
    basePath: `/api/${opts.service}/v1`,
    routes: [],
    logger: opts.logger,
    health: opts.health,
    metrics: metricsMiddleware(),
  });
  // The worker's own shutdown drives the process; this server only answers probes.
  return serve(app, { port: opts.port, host: opts.host, logger: opts.logger, signals: [] });
}
