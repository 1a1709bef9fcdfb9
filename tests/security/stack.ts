/**
 * The six services of the security suites, started the way a deployment serves them (real HTTP on
 * free ports, real identity tokens, PostgreSQL, Redis, Temporal), and their route tables as each
 * publishes them in `/openapi.json`: suites generated from the tables cover a new route unasked.
 */
import { serve, type RunningServer } from '@faena/platform';
import { captureLogger } from '@faena/platform/testing';
import {
  startNotifications,
  startSmtp,
  type Harness as Notifications,
  type Smtp,
} from '../../services/notifications/test/harness.ts';
import { startPayments, type PaymentsHarness } from '../../services/payments/test/harness.ts';
import { startGymApi, type GymApi } from '../../services/gym/test/harness.ts';
import { startPosApi, type PosApi } from '../../services/pos/test/harness.ts';
import { startMarketplaceApi, type MarketplaceApi } from '../e2e/marketplace.ts';

/** An OpenAPI operation, as much of it as the suites read. */
export interface OpenApiOperation {
  'x-permission'?: string;
  'x-branch-scope'?: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
}

export interface StackOperation {
  service: string;
  method: string;
  /** OpenAPI path (`/api/payments/v1/payments/{id}`). */
  path: string;
  op: OpenApiOperation;
}

export interface Stack {
  h: PaymentsHarness;
  m: MarketplaceApi;
  smtp: Smtp;
  n: Notifications;
  nServer: RunningServer;
  /** The gym API, wired to `h` (its identity and payments over HTTP). */
  g: GymApi;
  /** The POS API, wired to `h`'s identity over HTTP. */
  pos: PosApi;
  /** Base URL of each service by name: identity, payments, marketplace, notifications, gym, pos. */
  urls: Record<string, string>;
  /** Every operation of every service's `/openapi.json`. */
  operations: StackOperation[];
  close(): Promise<void>;
}

export async function startStack(name: string): Promise<Stack> {
  const h = await startPayments();
  const logger = captureLogger(name).logger;
  const m = await startMarketplaceApi(h, logger);
  const smtp = await startSmtp();
  const n = await startNotifications({ smtpPort: smtp.port, identityUrl: h.identityUrl });
  const nServer = await serve(n.app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  const g = await startGymApi(h, logger);
  const pos = await startPosApi(h.identityUrl, logger, { paymentsUrl: `http://127.0.0.1:${h.server.port}` });
  const urls = {
    identity: h.identityUrl,
    payments: `http://127.0.0.1:${h.server.port}`,
    marketplace: m.url,
    notifications: `http://127.0.0.1:${nServer.port}`,
    gym: g.url,
    pos: pos.url,
  };
  const operations: StackOperation[] = [];
  for (const [service, url] of Object.entries(urls)) {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, OpenApiOperation>>;
    };
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods)) operations.push({ service, method, path, op });
  }
  return {
    h,
    m,
    smtp,
    n,
    nServer,
    g,
    pos,
    urls,
    operations,
    close: async () => {
      await pos.close();
      await g.close();
      await nServer.stop();
      await n.close();
      await smtp.stop();
      await m.close();
      await h.close();
    },
  };
}
