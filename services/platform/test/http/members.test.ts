/**
 * `guard.members` asks identity which ids are the caller's business's; when identity cannot
 * answer, the request fails as retryable (503 SERVICE_UNAVAILABLE), never as a server error.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthGuard, createRedis, DomainError, type AuthState } from '../../src/index.ts';
import { testStack } from '../../src/testing/index.ts';

const caller: AuthState = {
  claims: {
    sub: '01900000-0000-7000-8000-000000000001',
    tid: '01900000-0000-7000-8000-000000000002',
    roles: [],
    sid: 's',
  },
  token: 'token',
  grants: {},
};

it('is a retryable 503 when identity is down or failing', async () => {
  const redis = createRedis(testStack.redisUrl);
  const failing = createServer((_req, res) => res.writeHead(500).end());
  await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
  const guardAt = (identityUrl: string) =>
    createAuthGuard({
      jwks: async () => Promise.reject(new Error('unused')),
      identityUrl,
      issuer: 'i',
      audience: 'a',
      redis,
      localCacheMs: 0,
    });
  try {
    for (const url of ['http://127.0.0.1:1', `http://127.0.0.1:${(failing.address() as AddressInfo).port}`]) {
      const error = await guardAt(url)
        .members(caller, { users: ['01900000-0000-7000-8000-0000000000aa'] })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    }
  } finally {
    failing.close();
    await redis.quit();
  }
});
