/**
 * Every service's `/openapi.json` is true: Schemathesis (schemathesis.toml: six checks, each widened
 * expectation with its reason) sends thousands of generated requests, valid and invalid, to the real
 * APIs served over HTTP by their harnesses (identity, payments with the MercadoPago sandbox,
 * marketplace, notifications on a real SMTP server, gym wired to that payments, pos to that identity), each as the owner of a business of its own
 * (every permission; a business per service, so one service's fuzzing — a revoked session, a
 * suspended branch — never blinds another's). Zero failures, or the test prints them. The typed
 * clients generated from the same documents (tests/clients) must match them.
 */
import { serve, type RunningServer } from '@faena/platform';
import { captureLogger } from '@faena/platform/testing';
import {
  startNotifications,
  startSmtp,
  type Harness as Notifications,
  type Smtp,
} from '../../services/notifications/test/harness.ts';
import { business, startPayments, type PaymentsHarness } from '../../services/payments/test/harness.ts';
import { startGymApi, type GymApi } from '../../services/gym/test/harness.ts';
import { startPosApi, type PosApi } from '../../services/pos/test/harness.ts';
import { startMarketplaceApi, type MarketplaceApi } from '../e2e/marketplace.ts';
import { checkClient } from './clients.ts';
import { runSchemathesis } from './schemathesis.ts';

let h: PaymentsHarness;
let marketplace: MarketplaceApi;
let smtp: Smtp;
let notifications: Notifications;
let notificationsServer: RunningServer;
let gym: GymApi;
let pos: PosApi;
const urls: Record<string, string> = {};

beforeAll(async () => {
  h = await startPayments();
  const logger = captureLogger('contract').logger;
  marketplace = await startMarketplaceApi(h, logger);
  smtp = await startSmtp();
  notifications = await startNotifications({ smtpPort: smtp.port, identityUrl: h.identityUrl });
  notificationsServer = await serve(notifications.app, { port: 0, host: '127.0.0.1', logger, signals: [] });
  gym = await startGymApi(h, logger);
  pos = await startPosApi(h.identityUrl, logger);
  Object.assign(urls, {
    identity: h.identityUrl,
    payments: `http://127.0.0.1:${h.server.port}`,
    marketplace: marketplace.url,
    notifications: `http://127.0.0.1:${notificationsServer.port}`,
    gym: gym.url,
    pos: pos.url,
  });
}, 120_000);

afterAll(async () => {
  await pos?.close();
  await gym?.close();
  await notificationsServer?.stop();
  await notifications?.close();
  await smtp?.stop();
  await marketplace?.close();
  await h?.close();
});

// Fixed seed: a red run is a change that broke the contract, reproducible with the same seed
// (`make contract` explores others).
const SEED = process.env.CONTRACT_SEED ?? '20261201';

/**
 * Examples per operation where the default (25) would not fit the suite's time: the gym has 129
 * operations (more than the other four APIs together), so it runs 10 each here — every operation,
 * every check and phase still run; `make contract` against `make dev` runs the default.
 */
const EXAMPLES: Record<string, number> = { gym: 10, pos: 10 };

describe.each(['payments', 'marketplace', 'notifications', 'identity', 'gym', 'pos'])('%s', (service) => {
  it('documents the answer of every operation (no untyped `data`)', async () => {
    type Op = {
      responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
    };
    const doc = (await (await fetch(`${urls[service]}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Op>>;
    };
    const untyped = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        Object.entries(op.responses)
          .filter(([status]) => /^2/.test(status))
          .filter(([, r]) => {
            const schema = r.content?.['application/json']?.schema as
              { properties?: { data?: Record<string, unknown> } } | undefined;
            const data = schema?.properties?.data;
            return data !== undefined && Object.keys(data).length === 0;
          })
          .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
    expect(untyped).toEqual([]);
  });

  it('has a committed client generated from its document as it is now (make clients)', async () => {
    const { fresh, file } = await checkClient(service, urls[service]!, process.env.UPDATE_CLIENTS === '1');
    if (!fresh) throw new Error(`${file} is stale: the API's document changed; run make clients`);
  });

  it('answers as its OpenAPI document says, to valid and invalid requests alike', async () => {
    const b = await business(h);
    const run = await runSchemathesis({
      service,
      baseUrl: urls[service]!,
      token: b.owner,
      seed: SEED,
      ...(EXAMPLES[service] && { maxExamples: EXAMPLES[service] }),
    });
    if (!run.ok)
      throw new Error(`Schemathesis found failures (${run.cases}; ${run.report}):\n${run.failures}`);
    expect(run.cases).toMatch(/^\d+ generated/);
  }, 300_000);
});
