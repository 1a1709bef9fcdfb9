import type pg from 'pg';

/** What `pg` says when `query_timeout` passes without an answer. */
const READ_TIMEOUT = 'Query read timeout';

type PoolClient = pg.PoolClient & { connection?: { stream?: { destroy(): void } } };

/**
 * Keeps the pool whole when connections die while checked out.
 *
 * Kysely (under MikroORM) releases a transaction's connection only after its `COMMIT`/`ROLLBACK`
 * succeeded: when PostgreSQL crashes in the middle of a transaction, the rollback fails on the dead
 * connection and the connection is never handed back. A few such transactions and every later
 * acquire waits for a slot that never frees — the worker goes silent (`make chaos`, seed
 * 1315612907; kysely 0.29 `ControlledTransaction.rollback`). And `pg` keeps a connection whose
 * query passed `query_timeout` as if it were healthy, so the next query queues behind the lost one.
 *
 * So, for every connection the pool hands out:
 * - if it ends or fails while checked out, it is released at once, with the error (the pool drops it);
 * - a query that passed `query_timeout` destroys its connection (which then ends, see above);
 * - `release()` may be called any number of times (the caller's late release is a no-op).
 */
export function guardPool(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as () => Promise<PoolClient>;
  const guarded = async () => {
    const client = await connect();
    const release = client.release.bind(client);
    let released = false;
    const onEnd = () => done(new Error('the database connection ended while in use'));
    const done = (err?: Error | boolean) => {
      if (released) return;
      released = true;
      client.removeListener('end', onEnd);
      client.removeListener('error', done);
      // The prototype's `query` again (the pool hands the connection out anew).
      Reflect.deleteProperty(client, 'query');
      release(err);
    };
    client.once('end', onEnd);
    client.on('error', done);
    client.release = done;
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    client.query = function guardedQuery(...args: unknown[]) {
      const result = query(...args);
      if (result && typeof (result as Promise<unknown>).then === 'function')
        (result as Promise<unknown>).catch((err: unknown) => {
          if ((err as Error)?.message === READ_TIMEOUT) client.connection?.stream?.destroy();
        });
      return result;
    } as PoolClient['query'];
    return client;
  };
  pool.connect = ((cb?: (...a: unknown[]) => void) =>
    cb ? (connect as unknown as (c: typeof cb) => void)(cb) : guarded()) as pg.Pool['connect'];
}
