import request from 'supertest';
import {
  createHttpApp,
  createOrm,
  createRedis,
  dbHealthCheck,
  redisHealthCheck,
  type Orm,
} from '../src/index.ts';
import { captureLogger, startScratchPostgres, testStack } from '../src/testing/index.ts';
import { entities } from './db/fixtures/entities.ts';

describe('readiness follows PostgreSQL', () => {
  let pg: Awaited<ReturnType<typeof startScratchPostgres>>;
  let orm: Orm;
  const redis = createRedis(testStack.redisUrl);

  beforeAll(async () => {
    pg = await startScratchPostgres();
    orm = await createOrm({ url: pg.url, schema: 'readiness', entities, poolMax: 2 });
  }, 60000);
  afterAll(async () => {
    await orm?.close(true);
    await redis.quit();
    pg?.destroy();
  });

  it('is 503 naming postgres while it is stopped, and 200 again once it is back', async () => {
    const app = createHttpApp({
      service: 'readiness',
      basePath: '/api/readiness/v1',
      routes: [],
      logger: captureLogger().logger,
      health: [dbHealthCheck(orm), redisHealthCheck(redis)],
      healthTimeoutMs: 1500,
    });
    const agent = request(app.app.callback());
    expect((await agent.get('/health/ready')).status).toBe(200);

    pg.stop();
    const down = await agent.get('/health/ready');
    expect(down.status).toBe(503);
    expect(down.body.errors.map((e: { field: string }) => e.field)).toEqual(['postgres']);

    pg.start();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await agent.get('/health/ready')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  }, 60000);
});
