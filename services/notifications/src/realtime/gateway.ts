import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Server, type DefaultEventsMap, type Socket as IoSocket } from 'socket.io';
import {
  AUTH_INVALIDATION_CHANNEL,
  DomainError,
  grantCovers,
  type AuthGuard,
  type AuthState,
  type Logger,
  type Redis,
  errorMessage,
} from '@faena/platform';
import {
  assertPublishable,
  envelopeOf,
  intakeStream,
  type RealtimeEvent,
  type RealtimePublisher,
} from './publish.ts';
import { ROOM_PERMISSION, parseRoom, rooms } from './rooms.ts';

export const SOCKET_PATH = '/api/notifications/socket.io';
const GROUP = 'gateways';
/** Events older than this when a gateway takes them from the intake are dropped (nobody waits for them any more). */
const MAX_INTAKE_AGE_MS = 60_000;
export interface GatewayOptions {
  redis: Redis;
  guard: AuthGuard;
  logger: Logger;
  /** Prefix of the Redis streams (adapter stream, intake stream, sessions). */
  streamPrefix: string;
  /** How long a disconnected client can resume and still receive what it missed. */
  recoverySeconds: number;
  corsOrigins?: string[];
  /** Longest Redis blocking read; bounds how long `close()` waits. */
  blockMs?: number;
  /** Name of this replica in the intake consumer group. */
  consumer?: string;
}

export interface Gateway extends RealtimePublisher {
  io: GatewayServer;
  /** Serves the Socket.IO endpoint on an HTTP server (the API's). */
  attach(server: http.Server): void;
  /** Connected sockets of this replica. */
  localCount(): number;
  close(): Promise<void>;
}

interface SocketData {
  auth: AuthState;
}
/** A socket of this gateway: its data is the AuthState its handshake (or last check) established. */
type Socket = IoSocket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketData>;
type GatewayServer = Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketData>;

/** Whether `permission` is granted in `branchId` (or tenant-wide). */

/** Whether the socket's grants allow it into `name` (see ROOM_PERMISSION). */
export function mayJoin(auth: AuthState, name: string): boolean {
  const room = parseRoom(name);
  if (!room || room.tenantId !== auth.claims.tid) return false;
  switch (room.kind) {
    case 'tenant':
      return true;
    case 'user':
      return room.userId === auth.claims.sub;
    case 'branch':
    case 'kitchen':
    case 'gym':
      return grantCovers(auth.grants, ROOM_PERMISSION[room.kind], room.branchId);
  }
}

type Ack = (
  answer: { ok: true; room: string } | { ok: false; error: { code: string; message: string } },
) => void;

/**
 * The WebSocket gateway (Socket.IO). Clients authenticate with their access token
 * (`auth: { token }`), are placed in their tenant and user rooms, and `join` branch and kitchen
 * rooms their grants allow. Broadcasts go through the Redis streams adapter (every replica
 * delivers them; connection state recovery replays what a client missed during a short gap).
 *
 * A socket is held to its session like an HTTP request, not only at connection: on identity's
 * invalidation messages (AUTH_INVALIDATION_CHANNEL: `session:<sid>` after a logout, `tenant:<t>`
 * after a suspension or any role, grant or user status change) the sockets named are checked again
 * by the guard. One whose session ended, user was disabled or removed, or tenant was suspended is
 * disconnected (`io server disconnect`; its next connection is refused with the guard's reason);
 * one that lost the grant of a room leaves it and gets `room:left` ({ room, code: 'FORBIDDEN' }).
 */
export function createGateway(opts: GatewayOptions): Gateway {
  const log = opts.logger;
  const blockMs = opts.blockMs ?? 2000;
  const io: GatewayServer = new Server({
    path: SOCKET_PATH,
    serveClient: false,
    cors: { origin: opts.corsOrigins ?? [], credentials: true },
    adapter: createAdapter(opts.redis, {
      streamName: `${opts.streamPrefix}:socket.io`,
      sessionKeyPrefix: `${opts.streamPrefix}:session:`,
      channelPrefix: `${opts.streamPrefix}:sio`,
      blockTimeInMs: blockMs,
    }),
    connectionStateRecovery: {
      maxDisconnectionDuration: opts.recoverySeconds * 1000,
      skipMiddlewares: false,
    },
  });

  io.use((socket, next) => {
    const fromAuth = (socket.handshake.auth as { token?: unknown }).token;
    const header = socket.handshake.headers.authorization;
    const token =
      typeof fromAuth === 'string' ? fromAuth : header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const refuse = (code: string, message: string) =>
      next(Object.assign(new Error(message), { data: { code, message } }));
    if (!token) return refuse('UNAUTHENTICATED', 'Authentication required');
    opts.guard.authenticate(token).then(
      (auth) => {
        socket.data.auth = auth;
        next();
      },
      (err: unknown) => {
        if (err instanceof DomainError) return refuse(err.code, err.message);
        log.error('socket authentication failed', { error: errorMessage(err) });
        refuse('INTERNAL_ERROR', 'An unexpected error occurred');
      },
    );
  });

  // A session ended meanwhile is not resumed, and a resumed one gets the events it missed only in
  // rooms its grants still allow: socket.io replays them before the middleware runs, so the guard
  // is asked here (the rooms themselves are trimmed on connection, with the new handshake's grants).
  const adapter = io.of('/').adapter;
  const restore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restore(pid, offset);
    const stored = (session?.data as SocketData | undefined)?.auth;
    if (!session || !stored) return session;
    let auth: AuthState;
    try {
      auth = await opts.guard.authenticate(stored.token, { fresh: true });
    } catch (err) {
      if (!(err instanceof DomainError))
        log.warn('socket session not restored', { error: errorMessage(err) });
      // socket.io then opens a fresh connection, which the middleware judges
      throw new Error('the session of this socket ended', { cause: err });
    }
    const roomOf = (packet: unknown[]) => (packet[1] as { room?: unknown } | undefined)?.room;
    return {
      ...session,
      data: { ...(session.data as SocketData), auth } satisfies SocketData,
      missedPackets: session.missedPackets.filter((packet) => {
        const room = roomOf(packet);
        return typeof room === 'string' && mayJoin(auth, room);
      }),
    };
  };

  // Local sockets by tenant and by session, for identity's invalidation messages.
  const byTenant = new Map<string, Set<Socket>>();
  const bySession = new Map<string, Set<Socket>>();
  const index = (map: Map<string, Set<Socket>>, key: string, socket: Socket) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(socket);
    socket.once('disconnect', () => {
      set.delete(socket);
      if (!set.size && map.get(key) === set) map.delete(key);
    });
  };

  /** Leaves the rooms `auth` no longer allows; disconnects a socket left in no room. */
  function prune(socket: Socket, auth: AuthState): void {
    const lost = [...socket.rooms].filter((room) => room !== socket.id && !mayJoin(auth, room));
    for (const room of lost) {
      void socket.leave(room);
      socket.emit('room:left', { room, code: 'FORBIDDEN' });
    }
    if (lost.length && [...socket.rooms].every((room) => room === socket.id)) socket.disconnect(true);
  }

  /** Asks the guard about the socket's token again: ends it, or trims its rooms to its grants. */
  async function recheck(socket: Socket): Promise<void> {
    if (!socket.connected) return;
    const data = socket.data;
    let auth: AuthState;
    try {
      // Fresh: this process's guard cache may not have heard the invalidation yet.
      auth = await opts.guard.authenticate(data.auth.token, { fresh: true });
    } catch (err) {
      if (!(err instanceof DomainError)) {
        // Redis or identity unreachable: say nothing yet; the next check (or the token's expiry) decides.
        log.warn('socket re-check failed', { error: errorMessage(err) });
        return;
      }
      if (!socket.connected) return;
      // Emitted events go through the adapter's stream and would arrive after the disconnect: the
      // client learns why from the refusal of its next connection (connect_error data).
      socket.disconnect(true);
      return;
    }
    if (!socket.connected) return;
    data.auth = auth;
    prune(socket, auth);
  }

  // Checks batched per tick: a burst of messages (a user disabled: its sessions, then its tenant)
  // checks each socket once.
  const pending = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  function schedule(sockets: Iterable<Socket>): void {
    const first = pending.size === 0;
    for (const socket of sockets) pending.add(socket);
    if (!first) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const batch = [...pending];
      pending.clear();
      for (const socket of batch) void recheck(socket);
    }, 0);
    timers.add(timer);
  }

  const invalidations = opts.redis.duplicate();
  invalidations.on('error', () => undefined);
  invalidations.on('message', (_channel: string, message: string) => {
    const at = message.indexOf(':');
    const kind = message.slice(0, at);
    const id = message.slice(at + 1);
    const named = kind === 'tenant' ? byTenant.get(id) : kind === 'session' ? bySession.get(id) : undefined;
    if (named) schedule([...named]);
  });
  // Messages sent while this connection was down are lost: check every socket on a resubscription.
  let subscribed = false;
  invalidations.on('ready', () => {
    if (subscribed) schedule([...io.of('/').sockets.values()]);
    subscribed = true;
  });
  void invalidations.subscribe(AUTH_INVALIDATION_CHANNEL).catch((err: unknown) => {
    log.error('auth invalidation subscription failed', { error: errorMessage(err) });
  });

  io.on('connection', (socket: Socket) => {
    const { auth } = socket.data;
    const { tid, sub, sid } = auth.claims;
    void socket.join([rooms.tenant(tid), rooms.user(tid, sub)]);
    index(byTenant, tid, socket);
    index(bySession, sid, socket);
    // A resumed socket gets its rooms back: only those this token still allows.
    if (socket.recovered) prune(socket, auth);
    // The socket lives no longer than its token.
    const exp = (auth.claims as { exp?: number }).exp;
    if (exp) {
      const timer = setTimeout(() => socket.disconnect(true), Math.max(0, exp * 1000 - Date.now()));
      socket.once('disconnect', () => clearTimeout(timer));
    }
    // A join asks the guard, like an HTTP request: the grants of now, not those of the connection.
    socket.on('join', (room: unknown, ack?: Ack) => {
      const reply: Ack = typeof ack === 'function' ? ack : () => undefined;
      const forbidden = () =>
        reply({ ok: false, error: { code: 'FORBIDDEN', message: 'Not allowed in this room' } });
      if (typeof room !== 'string' || !parseRoom(room)) return forbidden();
      const data = socket.data;
      opts.guard.authenticate(data.auth.token).then(
        (current) => {
          if (!socket.connected) return;
          data.auth = current;
          if (!mayJoin(current, room)) return forbidden();
          void socket.join(room);
          reply({ ok: true, room });
        },
        (err: unknown) => {
          if (err instanceof DomainError) {
            reply({ ok: false, error: { code: err.code, message: err.message } });
            schedule([socket]);
            return;
          }
          log.error('socket join check failed', { error: errorMessage(err) });
          reply({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' } });
        },
      );
    });
    socket.on('leave', (room: unknown, ack?: Ack) => {
      const reply: Ack = typeof ack === 'function' ? ack : () => undefined;
      if (typeof room !== 'string')
        return reply({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'room must be a string' } });
      void socket.leave(room);
      reply({ ok: true, room });
    });
  });

  function publishLocal(event: RealtimeEvent, id?: string, at?: string): void {
    assertPublishable(event);
    io.to(event.room).emit(event.event, envelopeOf(event, id, at));
  }

  // The intake: events other processes appended; each is taken by one replica of the group.
  const stream = intakeStream(opts.streamPrefix);
  const consumer = opts.consumer ?? `gateway-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const reader = opts.redis.duplicate();
  reader.on('error', () => undefined);
  let closed = false;
  /** Creates the consumer group (and stream) unless it exists. */
  const ensureGroup = async () => {
    try {
      await reader.xgroup('CREATE', stream, GROUP, '$', 'MKSTREAM');
    } catch (err) {
      if (!String(errorMessage(err)).includes('BUSYGROUP'))
        log.error('intake group', { error: errorMessage(err) });
    }
  };
  const consuming = (async () => {
    await ensureGroup();
    let loops = 0;
    while (!closed) {
      try {
        // Entries a crashed replica took but never acknowledged are taken over after 30 s.
        if (loops++ % 50 === 0) {
          const claimed = (await reader.xautoclaim(stream, GROUP, consumer, 30_000, '0-0', 'COUNT', 100)) as [
            string,
            Array<[string, string[]]>,
          ];
          await handle(claimed[1]);
        }
        const res = (await reader.xreadgroup(
          'GROUP',
          GROUP,
          consumer,
          'COUNT',
          100,
          'BLOCK',
          blockMs,
          'STREAMS',
          stream,
          '>',
        )) as Array<[string, Array<[string, string[]]>]> | null;
        if (res?.[0]) await handle(res[0][1]);
      } catch (err) {
        if (closed) break;
        // Redis lost the stream and its group (a restart without persistence, FLUSHALL): recreate them.
        if (String(errorMessage(err)).includes('NOGROUP')) {
          log.warn('realtime intake group missing; recreating it');
          await ensureGroup();
          continue;
        }
        log.warn('realtime intake read failed', { error: errorMessage(err) });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();

  async function handle(entries: Array<[string, string[]]>) {
    for (const [id, fields] of entries) {
      if (!fields) continue;
      try {
        const raw = fields[fields.indexOf('event') + 1];
        const event = JSON.parse(raw ?? '{}') as RealtimeEvent & { at?: string };
        if (!event.at || Date.now() - Date.parse(event.at) < MAX_INTAKE_AGE_MS)
          publishLocal(event, undefined, event.at);
      } catch (err) {
        log.warn('realtime event dropped', { error: errorMessage(err) });
      }
      await reader.xack(stream, GROUP, id);
    }
  }

  return {
    io,
    attach: (server) => {
      io.attach(server);
    },
    publish: (event) => {
      publishLocal(event);
      return Promise.resolve();
    },
    localCount: () => io.of('/').sockets.size,
    close: async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      invalidations.disconnect();
      await new Promise<void>((resolve) => void io.close(() => resolve()));
      reader.disconnect();
      await consuming;
    },
  };
}
