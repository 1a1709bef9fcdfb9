import net from 'node:net';
import { createOrm, withEm, type Orm } from '../../src/db/index.ts';
import { eventually, startScratchPostgres } from '../../src/testing/index.ts';
import { entities } from './fixtures/entities.ts';

/**
 * A TCP relay in front of PostgreSQL that can go silent: bytes stop flowing both ways while the
 * sockets stay open — what a worker sees when the database host vanishes (no FIN, no RST).
 */
async function silentableRelay(target: { host: string; port: number }) {
  let silent = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const relay = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (!silent) to.write(chunk);
      });
    relay(client, upstream);
    relay(upstream, client);
    for (const s of [client, upstream])
      s.on('error', () => undefined).on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    silence: () => (silent = true),
    /** Ends the silence by cutting the silent connections (a new connection works again). */
    restore: () => {
      silent = false;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const select1 = (orm: Orm) => withEm(orm, (em) => em.getConnection().execute('select 1 as one'));

describe('every wait for the database is bounded (worker survives a database that vanishes)', () => {
  let pg: Awaited<ReturnType<typeof startScratchPostgres>>;
  beforeAll(async () => {
    pg = await startScratchPostgres();
  }, 60000);
  afterAll(() => pg?.destroy());

  it('a query to a silent server fails within its bound, and so does every caller queued for a connection', async () => {
    const url = new URL(pg.url);
    const relay = await silentableRelay({ host: url.hostname, port: Number(url.port) });
    url.port = String(relay.port);
    const orm = await createOrm({
      url: url.toString(),
      schema: 'timeouts',
      entities,
      poolMax: 2,
      timeouts: { connectMs: 1000, queryMs: 1500 },
    });
    try {
      await select1(orm);
      relay.silence();
      const started = Date.now();
      // Two hold the pool's connections (no answer), four more wait for one of them.
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => select1(orm)));
      const waited = Date.now() - started;
      expect(results.map((r) => r.status)).toEqual(Array(6).fill('rejected'));
      expect(waited).toBeLessThan(20000); // unbounded before: they waited forever
      relay.restore();
      // The pool threw the dead connections away: calls work again (one in flight while the
      // network came back may still fail), all of the pool's connections at once.
      await eventually(() => select1(orm), 5000, 100);
      await expect(Promise.all(Array.from({ length: 4 }, () => select1(orm)))).resolves.toHaveLength(4);
    } finally {
      await orm.close(true);
      await relay.close();
    }
  }, 60000);

  it('after a PostgreSQL crash in the middle of transactions, the same ORM serves again', async () => {
    const orm = await createOrm({ url: pg.url, schema: 'timeouts', entities, poolMax: 3 });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const inFlight = Array.from({ length: 5 }, (_, i) =>
        withEm(orm, (em) =>
          em.transactional(async (tx) => {
            await tx.getConnection().execute(`select ${i}`, [], 'all', tx.getTransactionContext());
            await held;
            return tx.getConnection().execute('select 2', [], 'all', tx.getTransactionContext());
          }),
        ),
      );
      // Let three transactions open their connection (two more queue for one).
      await new Promise((resolve) => setTimeout(resolve, 300));
      pg.crash();
      release();
      const settled = await Promise.allSettled(inFlight);
      expect(settled.filter((r) => r.status === 'rejected').length).toBeGreaterThanOrEqual(3);
      pg.start();
      await expect(select1(orm)).resolves.toEqual([{ one: 1 }]);
      // Every connection of the pool is usable again, not only one.
      await expect(Promise.all(Array.from({ length: 6 }, () => select1(orm)))).resolves.toHaveLength(6);
    } finally {
      await orm.close(true);
    }
  }, 60000);
});
