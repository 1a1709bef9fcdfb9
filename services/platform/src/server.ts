import { errorMessage } from './logger.ts';
import http from 'node:http';
import type net from 'node:net';
import type { HttpApp } from './http/app.ts';
import type { Logger } from './logger.ts';

/** The TCP port a listening server is bound to (e.g. after `listen(0)`); throws for a pipe or a closed server. */
export function listeningPort(server: Pick<net.Server, 'address'>): number {
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the server does not listen on a TCP port');
  return address.port;
}

export interface ServeOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Time `/health/ready` answers 503 before the listener closes, so load balancers stop routing here. */
  drainMs?: number;
  /** Longest wait for in-flight requests once the listener is closed. */
  graceMs?: number;
  /** Closed in order after the last request: workers, ORM, Redis, Temporal connections, telemetry. */
  closers?: Array<{ name: string; close: () => Promise<unknown> }>;
  /** Signals that start the graceful stop (default SIGTERM, SIGINT); none in tests that stop by hand. */
  signals?: NodeJS.Signals[];
}

export interface RunningServer {
  server: http.Server;
  port: number;
  /** Graceful stop: readiness 503 → drain → stop accepting → finish in-flight → close dependencies. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Listens and wires the graceful shutdown every Faena process shares. */
export async function serve(httpApp: HttpApp, opts: ServeOptions): Promise<RunningServer> {
  const log = opts.logger;
  const handle = httpApp.app.callback();
  const server = http.createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000; // longer than typical load balancer idle timeouts
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log.info('listening', { port });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down', { drainMs: opts.drainMs ?? 0, graceMs: opts.graceMs ?? 10000 });
      httpApp.markShuttingDown();
      if (opts.drainMs) await sleep(opts.drainMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Connections that finish their last request after close() become idle: close them as they do.
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      let graceTimer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>((r) => (graceTimer = setTimeout(() => r(true), opts.graceMs ?? 10000))),
      ]);
      clearTimeout(graceTimer);
      clearInterval(sweeper);
      if (timedOut) {
        log.warn('grace period over, closing remaining connections');
        server.closeAllConnections();
      }
      for (const c of opts.closers ?? []) {
        try {
          await c.close();
        } catch (err) {
          log.error('error while closing', { dependency: c.name, error: errorMessage(err) });
        }
      }
      log.info('stopped');
    })());

  for (const signal of opts.signals ?? ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      void stop().then(() => process.exit(0));
    });
  }
  return { server, port, stop };
}
