import type pg from 'pg';
import { isRecord } from '../guards.ts';

/** What `pg` says when `query_timeout` passes without an answer. */
const READ_TIMEOUT = 'Query read timeout';

type ConnectCallback = Parameters<pg.Pool['connect']>[0];

/** A query's result that is a promise (a `Submittable` or a callback call answers otherwise). */
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && 'then' in value && typeof value.then === 'function';

/** A pooled client is a `pg.Client`, whose `connection` (the socket's owner) the `PoolClient` type leaves out. */
const hasConnection = (client: pg.PoolClient): client is pg.PoolClient & Pick<pg.Client, 'connection'> =>
  'connection' in client && isRecord(client.connection);

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
  const connect = pool.connect.bind(pool);
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
    const query: (...args: unknown[]) => unknown = client.query.bind(client);
    // Cast kept: this passes every call of `query`'s seven overloads through unchanged, and no
    // function expression can be typed as all of them.
    client.query = function guardedQuery(...args: unknown[]) {
      const result = query(...args);
      if (isThenable(result))
        result.then(undefined, (err: unknown) => {
          if (isRecord(err) && err.message === READ_TIMEOUT && hasConnection(client))
            client.connection.stream?.destroy();
        });
      return result;
    } as pg.PoolClient['query'];
    return client;
  };
  function guardedConnect(): Promise<pg.PoolClient>;
  function guardedConnect(cb: ConnectCallback): void;
  function guardedConnect(cb?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (cb) return connect(cb);
    return guarded();
  }
  pool.connect = guardedConnect;
}
