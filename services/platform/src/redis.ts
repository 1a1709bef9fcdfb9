import { Redis } from 'ioredis';

/** A Redis connection for a service; `lazyConnect` so a process can start before Redis is up. */
export function createRedis(url: string, opts: { name?: string } = {}): Redis {
  return new Redis(url, {
    lazyConnect: true,
    connectionName: opts.name,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    // Reconnect quickly at first, then every 2 s: readiness reports the outage meanwhile.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
}

export type { Redis };
