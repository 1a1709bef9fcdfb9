/**
 * The real-time gateway as deployed: two notifications API processes (each serving the gateway)
 * behind no load balancer, sharing Redis; clients with identity's access tokens.
 */
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { uuidv7 } from 'uuidv7';
import { withEm, type RunningServer } from '@faena/platform';
import {
  eventually,
  spawnService,
  testDatabaseUrl,
  testStack,
  ROOT,
  type SpawnedService,
} from '@faena/platform/testing';
import { signUp as createTenant } from '../../identity/src/domain/tenants.ts';
import { PASSWORD, addBranch, type Harness as IdentityHarness } from '../../identity/test/harness.ts';
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
  bearer,
  roleId,
  service,
  signUp,
  startIdentityServer,
  unique,
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
    // A gym branch's front desk (occupancy): checkins.read there, not POS's orders.read.
    const [front, other] = [await addBranch(identity, a), await addBranch(identity, a)];
    const desk = await addUser(identity, a, [
      { roleId: await roleId(identity, a, 'receptionist'), branchId: front },
    ]);
    const deskSocket = client(gateways[1]!, desk.token);
    await connected(deskSocket);
    expect((await join(deskSocket, rooms.gym(a.tenantId, front))).ok).toBe(true);
    expect((await join(deskSocket, rooms.gym(a.tenantId, other))).ok).toBe(false);
    expect((await join(waiterSocket, rooms.gym(a.tenantId, front))).ok).toBe(false);
    expect((await join(deskSocket, rooms.gym(b.tenantId, front))).ok).toBe(false);
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

/** The identity API of the test (in-process), as the given token. */
const asUser = (token: string) => ({
  post: (path: string, body: object = {}) =>
    identity.agent.post(`/api/identity/v1${path}`).set(bearer(token)).send(body),
  put: (path: string, body: object) =>
    identity.agent.put(`/api/identity/v1${path}`).set(bearer(token)).send(body),
  patch: (path: string, body: object) =>
    identity.agent.patch(`/api/identity/v1${path}`).set(bearer(token)).send(body),
});

async function login(tenantSlug: string, email: string): Promise<string> {
  const res = await identity.agent
    .post('/api/identity/v1/auth/login')
    .send({ tenant: tenantSlug, email, password: PASSWORD });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.accessToken as string;
}

async function openBranch(biz: SignedUp, name: string): Promise<string> {
  const res = await asUser(biz.token).post('/branches', {
    name,
    timeZone: 'America/Bogota',
    address: { line1: 'Calle 1', city: 'Bogotá', country: 'co' },
  });
  if (res.status !== 201) throw new Error(`branch failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id as string;
}

const SECOND = 1000;

/**
 * Starts `change` (an identity request) and resolves once the server disconnected every one of
 * `sockets`, with the reasons; rejects if one is still connected 1 s after the change started.
 */
async function disconnectedWithin(
  sockets: Socket[],
  change: () => Promise<{ status: number }>,
  expectedStatus = 200,
): Promise<string[]> {
  const start = Date.now();
  const gone = sockets.map(
    (socket) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`socket still connected ${SECOND} ms after the change`)),
          start + SECOND - Date.now(),
        );
        socket.once('disconnect', (reason) => {
          clearTimeout(timer);
          resolve(reason);
        });
      }),
  );
  const [res, ...reasons] = await Promise.all([change(), ...gone]);
  expect(res.status).toBe(expectedStatus);
  return reasons;
}

/** Why the guard refuses a new connection with `token` now. */
const refusal = async (g: SpawnedService, token: string) => (await refused(client(g, token))).data;

/** Resolves with the room the server took `socket` out of; rejects 1 s after `start`. */
/**
 * The socket's `room:left`, within a second of `start` (a moment, or when a promise of one resolves:
 * the grant change's answer — the clock runs from the change, not from the request that makes it).
 */
const leftRoomWithin = (socket: Socket, start: number | Promise<number>) =>
  new Promise<{ room: string; code: string }>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    socket.once('room:left', (payload: { room: string; code: string }) => {
      done = true;
      clearTimeout(timer);
      resolve(payload);
    });
    void Promise.resolve(start).then((from) => {
      if (done) return;
      timer = setTimeout(
        () => reject(new Error(`socket still in the room ${SECOND} ms after the change`)),
        from + SECOND - Date.now(),
      );
    }, reject);
  });

/** Publishes `event` to `room` and a marker to the user's room after it: once the marker arrived, so had the event, if it was going to. */
async function publishThenMark(room: string, tenantId: string, userId: string, marker: RealtimeEnvelope[]) {
  const publisher = createRealtimePublisher(h.redis, PREFIX);
  const before = marker.length;
  await publisher.publish({ tenantId, room, event: 'order:created', data: { probe: true } });
  // intake entries are taken in parallel by both replicas: go through one gateway's API for order
  await publishOn(gateways[0]!, {
    tenantId,
    room: rooms.user(tenantId, userId),
    event: 'system:alert',
    data: { marker: true },
  });
  await eventually(async () => expect(marker.length).toBeGreaterThan(before));
}

const BY_SERVER = 'io server disconnect';

describe('sessions and grants of open sockets (issue 13)', () => {
  let branchA: string;
  let branchB: string;
  beforeAll(async () => {
    [branchA, branchB] = await Promise.all([openBranch(a, 'Centro'), openBranch(a, 'Norte')]);
  });

  it('disconnects the sockets of a session within 1 s of its logout, and no other session', async () => {
    const user = await addUser(identity, a, [{ roleId: await roleId(identity, a, 'waiter') }]);
    const otherSession = await login(a.slug, user.email);
    const one = client(gateways[0]!, user.token);
    const sameSession = client(gateways[1]!, user.token);
    const other = client(gateways[1]!, otherSession);
    await Promise.all([connected(one), connected(sameSession), connected(other)]);

    const result = await disconnectedWithin(
      [one, sameSession],
      () => asUser(user.token).post('/auth/logout'),
      204,
    );
    expect(result).toEqual([BY_SERVER, BY_SERVER]);
    // the client learns why when it tries again; the other session goes on
    expect(await refusal(gateways[0]!, user.token)).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Session ended',
    });
    expect(other.connected).toBe(true);
    await connected(client(gateways[0]!, otherSession));
  });

  it('disconnects every session of the user within 1 s of logout-everywhere, not the colleagues', async () => {
    const user = await addUser(identity, a, [{ roleId: await roleId(identity, a, 'waiter') }]);
    const second = await login(a.slug, user.email);
    const one = client(gateways[0]!, user.token);
    const two = client(gateways[1]!, second);
    const colleague = client(gateways[1]!, a.token);
    await Promise.all([connected(one), connected(two), connected(colleague)]);

    const result = await disconnectedWithin([one, two], () => asUser(second).post('/auth/logout-everywhere'));
    expect(result).toEqual([BY_SERVER, BY_SERVER]);
    expect(await refusal(gateways[1]!, user.token)).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Session ended',
    });
    expect(colleague.connected).toBe(true);
  });

  it("disconnects a disabled user's sockets within 1 s", async () => {
    const user = await addUser(identity, a, [{ roleId: await roleId(identity, a, 'cashier') }]);
    const one = client(gateways[0]!, user.token);
    const two = client(gateways[1]!, user.token);
    await Promise.all([connected(one), connected(two)]);

    const result = await disconnectedWithin([one, two], () =>
      asUser(a.token).patch(`/users/${user.id}`, { status: 'disabled' }),
    );
    expect(result).toEqual([BY_SERVER, BY_SERVER]);
    expect((await refusal(gateways[0]!, user.token))?.code).toBe('UNAUTHENTICATED');
  });

  it('disconnects every socket of a suspended tenant within 1 s, and only those', async () => {
    const slug = `faena-ops-${unique()}`;
    const email = `ops-${unique()}@faena.dev`;
    await withEm(identity.orm, (em) =>
      createTenant(
        em,
        {
          tenant: { name: 'Faena', slug, kind: 'platform', currency: 'USD', locale: 'en', timeZone: 'UTC' },
          owner: { name: 'Ops', email, password: PASSWORD },
        },
        null,
      ),
    );
    const ops = await login(slug, email);
    const c = await signUp(identity);
    const staff = await addUser(identity, c, [{ roleId: await roleId(identity, c, 'waiter') }]);
    const owner = client(gateways[0]!, c.token);
    const waiter = client(gateways[1]!, staff.token);
    const elsewhere = client(gateways[0]!, a.token);
    await Promise.all([connected(owner), connected(waiter), connected(elsewhere)]);

    const result = await disconnectedWithin([owner, waiter], () =>
      asUser(ops).post(`/tenants/${c.tenantId}/suspend`, { reason: 'unpaid' }),
    );
    expect(result).toEqual([BY_SERVER, BY_SERVER]);
    expect(await refusal(gateways[1]!, staff.token)).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Tenant is suspended',
    });
    expect(elsewhere.connected).toBe(true);
  });

  it('takes a socket out of a branch room within 1 s of the grant change that removed it, and nobody else', async () => {
    const waiter = await roleId(identity, a, 'waiter');
    const moved = await addUser(identity, a, [{ roleId: waiter, branchId: branchA }]);
    const stays = await addUser(identity, a, [{ roleId: waiter, branchId: branchA }]);
    const movedSocket = client(gateways[0]!, moved.token);
    const staysSocket = client(gateways[1]!, stays.token);
    await Promise.all([connected(movedSocket), connected(staysSocket)]);
    expect((await join(movedSocket, rooms.branch(a.tenantId, branchA))).ok).toBe(true);
    expect((await join(staysSocket, rooms.branch(a.tenantId, branchA))).ok).toBe(true);
    const movedGot = collect(movedSocket, 'order:created');
    const staysGot = collect(staysSocket, 'order:created');

    // The second runs from identity's answer: the change is made (and published) by then.
    const change = Promise.resolve(
      asUser(a.token).put(`/users/${moved.id}/roles`, { roles: [{ roleId: waiter, branchId: branchB }] }),
    );
    const left = leftRoomWithin(
      movedSocket,
      change.then(() => Date.now()),
    );
    expect((await change).status).toBe(200);
    expect(await left).toEqual({ room: rooms.branch(a.tenantId, branchA), code: 'FORBIDDEN' });
    expect(movedSocket.connected).toBe(true);

    // A's events no longer reach the moved waiter; they still reach the one who stayed
    const marker = collect(movedSocket, 'system:alert');
    await publishThenMark(rooms.branch(a.tenantId, branchA), a.tenantId, moved.id, marker);
    await eventually(async () => expect(staysGot.map((e) => e.data.probe)).toEqual([true]));
    expect(movedGot).toEqual([]);
    // the new grant lets it into B (the join asks the guard, not what the socket was given at connection)
    expect((await join(movedSocket, rooms.branch(a.tenantId, branchA))).ok).toBe(false);
    expect((await join(movedSocket, rooms.branch(a.tenantId, branchB))).ok).toBe(true);
  });

  it('resumes a socket without the room it lost while disconnected, nor the events of that room', async () => {
    const waiter = await roleId(identity, a, 'waiter');
    const user = await addUser(identity, a, [{ roleId: waiter, branchId: branchA }]);
    const socket = client(gateways[1]!, user.token);
    await connected(socket);
    expect((await join(socket, rooms.branch(a.tenantId, branchA))).ok).toBe(true);
    const got = collect(socket, 'order:created');
    const publishToA = (n: number) =>
      publishOn(gateways[0]!, {
        tenantId: a.tenantId,
        room: rooms.branch(a.tenantId, branchA),
        event: 'order:created',
        data: { n },
      });
    await publishToA(1);
    await eventually(async () => expect(got).toHaveLength(1)); // the client has an offset to resume from

    const pid = (socket as unknown as { _pid: string })._pid;
    const gone = new Promise((r) => socket.once('disconnect', r));
    socket.io.engine.close();
    await gone;
    await eventually(async () => expect(await h.redis.exists(`${PREFIX}:session:${pid}`)).toBe(1));
    const res = await asUser(a.token).put(`/users/${user.id}/roles`, {
      roles: [{ roleId: waiter, branchId: branchB }],
    });
    expect(res.status).toBe(200);
    await publishToA(2); // missed during the gap, after the grant was gone

    const left = leftRoomWithin(socket, Date.now());
    socket.connect();
    await connected(socket);
    expect(socket.recovered).toBe(true);
    expect(await left).toEqual({ room: rooms.branch(a.tenantId, branchA), code: 'FORBIDDEN' });
    const marker = collect(socket, 'system:alert');
    await publishThenMark(rooms.branch(a.tenantId, branchA), a.tenantId, user.id, marker);
    expect(got.map((e) => e.data.n)).toEqual([1]);
  });

  it('refuses branch rooms to a user whose grants are tenant-wide but not about a branch (the client role)', async () => {
    const buyer = await addUser(identity, a, [{ roleId: await roleId(identity, a, 'client') }]);
    const socket = client(gateways[0]!, buyer.token);
    await connected(socket);
    expect(await join(socket, rooms.branch(a.tenantId, branchA))).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'Not allowed in this room' },
    });
  });

  it("lets a user with a grant only in branch A into A's room and refuses B's", async () => {
    // The client role gives it tenant-wide permissions too, none of them about a branch's orders.
    const user = await addUser(identity, a, [
      { roleId: await roleId(identity, a, 'waiter'), branchId: branchA },
      { roleId: await roleId(identity, a, 'client') },
    ]);
    const socket = client(gateways[1]!, user.token);
    await connected(socket);
    expect((await join(socket, rooms.branch(a.tenantId, branchA))).ok).toBe(true);
    expect((await join(socket, rooms.branch(a.tenantId, branchB))).ok).toBe(false);
  });
});
