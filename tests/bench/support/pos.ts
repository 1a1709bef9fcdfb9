/**
 * K1's Faena server, in a process of its own: identity (its test harness, served over HTTP for the
 * POS's guard) and the POS API wired as its suites wire it (`startPosApi`: production's
 * `createPosDeps`, request log at info to /dev/null), on this run's database and Temporal namespace,
 * with the production workflow worker beside it (`workflows/src/index.ts` on the printing queue, as
 * `workflows/src/worker.ts` runs it). The POS worker — whose `printTicket` writes to the printer — is
 * NOT here: k1.ts runs the production `services/pos/src/worker.ts` as a process of its own, so it
 * can SIGKILL it mid-job.
 *
 * It seeds a restaurant whose branch A sells one dish, with one printing station (the default, the
 * dish's category) at `K1_PRINTER` (`host:port`, the bench's TCP printer), and prints
 * `READY {url, token, productId, branchId}` (the waiter of branch A).
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createLogger, createWorker, serve } from '@faena/platform';
import { ROOT, registerTestNamespace, testStack } from '@faena/platform/testing';
import { PRINTING_TASK_QUEUE } from '@faena/workflows/printing/contract';
import { bearer, startIdentity } from '../../../services/identity/test/harness.ts';
import { API, ok, restaurant, startPosApi, type PosHarness } from '../../../services/pos/test/harness.ts';

const printerAddress = process.env.K1_PRINTER!;
const logger = createLogger({ service: 'pos', level: 'info', stream: createWriteStream('/dev/null') });

const connection = await Connection.connect({ address: testStack.temporalAddress });
await registerTestNamespace(connection, testStack.temporalNamespace);
const temporal = new Client({ connection, namespace: testStack.temporalNamespace });

const identity = await startIdentity();
const identityServer = await serve(identity.app, { port: 0, host: '127.0.0.1', logger, signals: [] });
const identityUrl = `http://127.0.0.1:${identityServer.port}`;
const api = await startPosApi(identityUrl, logger, { temporal, printTaskQueue: PRINTING_TASK_QUEUE });
const h: PosHarness = { ...api, identity, identityUrl, logger };

// The printing processes' workflow worker, as production runs it (its own queue, the workflows bundle).
const workflows = await createWorker({
  config: { TEMPORAL_ADDRESS: testStack.temporalAddress, TEMPORAL_NAMESPACE: testStack.temporalNamespace },
  logger,
  taskQueue: PRINTING_TASK_QUEUE,
  workflowsPath: path.join(ROOT, 'workflows/src/index.ts'),
});
const running = workflows.worker.run();

// ---- the restaurant ----------------------------------------------------------------------------
const r = await restaurant(h);
const call = (token: string, method: 'post' | 'put', url: string, body: object) =>
  h.agent[method](`${API}${url}`).set(bearer(token)).send(body);
const t = r.manager.token;
ok(await call(t, 'put', `/branches/${r.branchA}/settings`, { timeZone: 'America/Santiago' }), 'settings');
const food = ok<{ id: string }>(await call(t, 'post', '/categories', { name: 'Fondos' }), 'category').id;
const productId = ok<{ id: string }>(
  await call(t, 'post', '/products', { categoryId: food, name: 'Bife con ñoquis' }),
  'product',
).id;
ok(
  await call(t, 'put', `/branches/${r.branchA}/products/${productId}`, { price: 9900, currency: 'CLP' }),
  'price',
);
const kitchen = ok<{ id: string }>(
  await call(t, 'post', '/stations', {
    branchId: r.branchA,
    name: 'Cocina',
    kind: 'printer',
    printerAddress,
    isDefault: true,
  }),
  'station',
);
ok(await call(t, 'put', `/stations/${kitchen.id}/categories`, { categoryIds: [food] }), 'categories');

process.stdout.write(
  `READY ${JSON.stringify({ url: api.url, token: r.waiter.token, productId, branchId: r.branchA })}\n`,
);
process.once('SIGTERM', () => {
  void (async () => {
    workflows.worker.shutdown();
    await running;
    await workflows.connection.close();
    await api.close();
    await identityServer.stop();
    await identity.close();
    await connection.close();
    process.exit(0);
  })();
});
