import type { Redis } from 'ioredis';
import type { HealthCheck } from './http/app.ts';

/** Readiness check: Redis answers PING. */
export const redisHealthCheck = (redis: Redis): HealthCheck => ({
  name: 'redis',
  check: async () => {
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`unexpected reply ${String(pong)}`);
  },
});
