/**
 * The real-time gateway as deployed: two notifications API processes (each serving the gateway)
 * behind no load balancer, sharing Redis; clients with identity's access tokens.
 */
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { uuidv7 } from 'uuidv7';
import type { RunningServer } from '@faena/platform';
import {
  eventually,
  spawnService,
  testDatabaseUrl,
  testStack,
  ROOT,
  type SpawnedService,
} from '@faena/platform/testing';
import type { Harness as IdentityHarness } from '../../identity/test/harness.ts';
import { notify } from '../src/domain/notify.ts';
import { SOCKET_PATH } from '../src/realtime/gateway.ts';
import {
  createRealtimePublisher,
  intakeStream,
  rooms,
  type RealtimeEnvelope,
} from '../src/realtime/publish.ts';
import {
  API,
  SERVICE_TOKEN,
  WEBHOOK_SECRET_KEY,
  addUser,
  roleId,
  service,
  signUp,
  startIdentityServer,
  startNotifications,
  startSmtp,
  type Harness,
  type SignedUp,
  type Smtp,
} from './harness.ts';

const PREFIX = `test-rt:${process.pid}:${Date.now().toString(36)}`;
let smtp: Smtp;
let identity: IdentityHarness;
let identityServer: RunningServer;
let h: Harness;
let gateways: SpawnedService[] = [];
let a: SignedUp;
let b: SignedUp;
const sockets: Socket[] = [];

beforeAll(async () => {
  smtp = await startSmtp();
  const started = await startIdentityServer();
  identity = started.identity;
  identityServer = started.server;
  // migrates this worker's database; its in-app announcements go through the gateways' intake
  h = await startNotifications({ smtpPort: smtp.port, identityUrl: started.url });
  h.deps.notify.channels.in_app = (await import('../src/domain/notify.ts')).createInAppChannel(
    createRealtimePublisher(h.redis, PREFIX),
  );
  const env = {
    SERVICE_NAME: 'notifications',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: await testDatabaseUrl(),
    REDIS_URL: testStack.redisUrl,
    IDENTITY_URL: started.url,
    NOTIFICATIONS_SERVICE_TOKEN: SERVICE_TOKEN,
    WEBHOOK_SECRET_KEY,
    SMTP_PORT: String(smtp.port),
    REALTIME_STREAM: PREFIX,
  };
  const entry = path.join(ROOT, 'services/notifications/src/main.ts');
  gateways = await Promise.all([
    spawnService(entry, env, { timeoutMs: 30000 }),
    spawnService(entry, env, { timeoutMs: 30000 }),
  ]);
  a = await signUp(identity);
  b = await signUp(identity);
}, 90000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const g of gateways) {
    g.child.kill('SIGTERM');
    await g.exited;
  }
  await h?.close();
  await identityServer?.stop();
  await identity?.close();
  await smtp?.stop();
}, 30000);

const url = (g: SpawnedService) => `http://127.0.0.1:${g.port}`;

function client(g: SpawnedService, token?: string, opts: { reconnection?: boolean } = {}): Socket {
  const socket = connect(url(g), {
    path: SOCKET_PATH,
    transports: ['websocket'],
    ...(token && { auth: { token } }),
    reconnection: opts.reconnection ?? false,
    forceNew: true,
  });
  sockets.push(socket);
  return socket;
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });

const refused = (socket: Socket) =>
  new Promise<{ message: string; data?: { code: string } }>((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected')));
    socket.once('connect_error', (err) => resolve(err as never));
  });

const join = (socket: Socket, room: string) =>
  socket.emitWithAck('join', room) as Promise<{ ok: boolean; error?: { code: string } }>;

/** Collects every `event` the socket receives. */
function collect(socket: Socket, event: string): RealtimeEnvelope[] {
  const got: RealtimeEnvelope[] = [];
  socket.on(event, (envelope: RealtimeEnvelope) => got.push(envelope));
  return got;
}

const publishOn = (g: SpawnedService, body: Record<string, unknown>) =>
  fetch(`${url(g)}${API}/realtime/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...service },
    body: JSON.stringify(body),
  });

describe('real-time gateway', () => {
  it('refuses a socket without a valid token', async () => {
    const none = await refused(client(gateways[0]!));
    expect(none.data).toEqual({ code: 'UNAUTHENTICATED', message: 'Authentication required' });
    const forged = await refused(client(gateways[0]!, `${a.token.slice(0, -4)}AAAA`));
    expect(forged.data?.code).toBe('UNAUTHENTICATED');
  });

  it('lets a socket into its tenant and user rooms and the rooms its grants allow, never into another tenant', async () => {
    const owner = client(gateways[0]!, a.token);
    await connected(owner);
    const branch = uuidv7();
    expect(await join(owner, rooms.tenant(b.tenantId))).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'Not allowed in this room' },
    });
    expect((await join(owner, rooms.branch(b.tenantId, branch))).ok).toBe(false);
    expect((await join(owner, rooms.user(b.tenantId, b.ownerId))).ok).toBe(false);
    expect((await join(owner, rooms.user(a.tenantId, uuidv7()))).ok).toBe(false); // another user's room
    expect((await join(owner, 'tenant:not-a-room')).ok).toBe(false);
    expect(await join(owner, rooms.branch(a.tenantId, branch))).toEqual({
      ok: true,
      room: rooms.branch(a.tenantId, branch),
    });

    const waiter = await addUser(identity, a, [{ roleId: await roleId(identity, a, 'waiter') }]);
    const cook = await addUser(identity, a, [{ roleId: await roleId(identity, a, 'kitchen') }]);
    const waiterSocket = client(gateways[1]!, waiter.token);
    const cookSocket = client(gateways[1]!, cook.token);
    await Promise.all([connected(waiterSocket), connected(cookSocket)]);
    expect((await join(waiterSocket, rooms.kitchen(a.tenantId, branch, 'grill'))).ok).toBe(false);
    expect((await join(cookSocket, rooms.kitchen(a.tenantId, branch, 'grill'))).ok).toBe(true);
  });

  it('delivers an event published on gateway 1 to a client on gateway 2, and not to another tenant', async () => {
    const onTwo = client(gateways[1]!, a.token);
    const otherTenant = client(gateways[1]!, b.token);
    await Promise.all([connected(onTwo), connected(otherTenant)]);
    const got = collect(onTwo, 'order:created');
    const leaked = collect(otherTenant, 'order:created');
    const res = await publishOn(gateways[0]!, {
      tenantId: a.tenantId,
      room: rooms.tenant(a.tenantId),
      event: 'order:created',
      data: { orderId: 'o-1' },
    });
    expect(res.status).toBe(202);
    await eventually(async () =>
      expect(got).toEqual([
        expect.objectContaining({ room: rooms.tenant(a.tenantId), data: { orderId: 'o-1' } }),
      ]),
    );
    // A later event of tenant B reaches B, so A's event had its chance to leak and did not.
    const alerts = collect(otherTenant, 'system:alert');
    await publishOn(gateways[0]!, {
      tenantId: b.tenantId,
      room: rooms.tenant(b.tenantId),
      event: 'system:alert',
      data: {},
    });
    await eventually(async () => expect(alerts).toHaveLength(1));
    expect(leaked).toEqual([]);

    // a room of another tenant cannot be published to either
    const crossed = await publishOn(gateways[0]!, {
      tenantId: a.tenantId,
      room: rooms.tenant(b.tenantId),
      event: 'order:created',
      data: {},
    });
    expect(crossed.status).toBe(400);
  });

  it('delivers events other processes append to the intake exactly once on every replica', async () => {
    const one = client(gateways[0]!, a.token);
    const two = client(gateways[1]!, a.token);
    await Promise.all([connected(one), connected(two)]);
    const branch = uuidv7();
    await Promise.all([
      join(one, rooms.branch(a.tenantId, branch)),
      join(two, rooms.branch(a.tenantId, branch)),
    ]);
    const got1 = collect(one, 'print:completed');
    const got2 = collect(two, 'print:completed');
    const publisher = createRealtimePublisher(h.redis, PREFIX);
    for (let i = 0; i < 5; i++)
      await publisher.publish({
        tenantId: a.tenantId,
        room: rooms.branch(a.tenantId, branch),
        event: 'print:completed',
        data: { job: i },
      });
    // Replicas take intake entries in parallel: each event arrives once, not necessarily in order
    // (envelope ids are UUIDv7, so clients can order them).
    const jobs = (got: RealtimeEnvelope[]) => got.map((e) => e.data.job as number).sort();
    await eventually(async () => {
      expect(jobs(got1)).toEqual([0, 1, 2, 3, 4]);
      expect(jobs(got2)).toEqual([0, 1, 2, 3, 4]);
    });
    expect(got1.map((e) => e.id).sort()).toEqual(got2.map((e) => e.id).sort());
  });

  it('keeps delivering after Redis lost the intake stream and its group (FLUSHALL, a restart without persistence)', async () => {
    const one = client(gateways[0]!, a.token);
    await connected(one);
    const branch = uuidv7();
    await join(one, rooms.branch(a.tenantId, branch));
    const got = collect(one, 'print:completed');
    // What FLUSHALL does to this stream: it and the gateways' consumer group are gone.
    await h.redis.del(intakeStream(PREFIX));
    const publisher = createRealtimePublisher(h.redis, PREFIX);
    await eventually(
      async () => {
        await publisher.publish({
          tenantId: a.tenantId,
          room: rooms.branch(a.tenantId, branch),
          event: 'print:completed',
          data: { after: 'flush' },
        });
        expect(got.map((e) => e.data.after)).toContain('flush');
      },
      15000,
      1000,
    );
  });

  it('pushes a new in-app notification to the user room', async () => {
    const user = await addUser(identity, a, [{ roleId: await roleId(identity, a, 'client') }]);
    const socket = client(gateways[1]!, user.token);
    await connected(socket);
    const got = collect(socket, 'notification:new');
    const result = await notify(h.deps.notify, {
      tenantId: a.tenantId,
      key: `escrow/${uuidv7()}`,
      event: 'escrow.funded',
      recipient: { userId: user.id, locale: 'en' },
      variables: { title: 'Painting', amount: { amount: 1000, currency: 'CLP' } },
    });
    const inApp = result.notifications.find((n) => n.channel === 'in_app')!;
    await eventually(async () =>
      expect(got).toEqual([
        expect.objectContaining({
          room: rooms.user(a.tenantId, user.id),
          data: expect.objectContaining({
            id: inApp.id,
            event: 'escrow.funded',
            title: 'Payment held in escrow: Painting',
          }),
        }),
      ]),
    );
  });

  it('resumes after a reconnect without losing the events of the gap', async () => {
    const socket = client(gateways[1]!, a.token);
    await connected(socket);
    const branch = uuidv7();
    expect((await join(socket, rooms.kitchen(a.tenantId, branch, 'bar'))).ok).toBe(true);
    const got = collect(socket, 'order:created');
    await publishOn(gateways[0]!, {
      tenantId: a.tenantId,
      room: rooms.kitchen(a.tenantId, branch, 'bar'),
      event: 'order:created',
      data: { n: 1 },
    });
    await eventually(async () => expect(got).toHaveLength(1));

    // the connection drops; the gateway keeps the session for a while
    const pid = (socket as unknown as { _pid: string })._pid;
    const gone = new Promise((r) => socket.once('disconnect', r));
    socket.io.engine.close();
    await gone;
    await eventually(async () => expect(await h.redis.exists(`${PREFIX}:session:${pid}`)).toBe(1));
    await publishOn(gateways[0]!, {
      tenantId: a.tenantId,
      room: rooms.kitchen(a.tenantId, branch, 'bar'),
      event: 'order:created',
      data: { n: 2 },
    });
    await publishOn(gateways[0]!, {
      tenantId: a.tenantId,
      room: rooms.kitchen(a.tenantId, branch, 'bar'),
      event: 'order:created',
      data: { n: 3 },
    });

    socket.connect();
    await connected(socket);
    expect(socket.recovered).toBe(true);
    await eventually(async () => expect(got.map((e) => e.data.n)).toEqual([1, 2, 3]));
  });
});
