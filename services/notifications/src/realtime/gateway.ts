import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Server, type Socket } from 'socket.io';
import {
  DomainError,
  type AuthGuard,
  type AuthState,
  type Logger,
  type Redis,
  authOf,
  errorMessage,
} from '@faena/platform';
import {
  assertPublishable,
  envelopeOf,
  intakeStream,
  type RealtimeEvent,
  type RealtimePublisher,
} from './publish.ts';
import { parseRoom, rooms } from './rooms.ts';

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
  io: Server;
  /** Serves the Socket.IO endpoint on an HTTP server (the API's). */
  attach(server: http.Server): void;
  /** Connected sockets of this replica. */
  localCount(): number;
  close(): Promise<void>;
}

interface SocketData {
  auth: AuthState;
}

/** Verifies an access token with the same guard the HTTP API uses (signature, session, tenant status, grants). */
async function authenticate(guard: AuthGuard, token: string): Promise<AuthState> {
  const ctx = {
    method: 'GET',
    state: {} as Record<string, unknown>,
    get: (name: string) => (name.toLowerCase() === 'authorization' ? `Bearer ${token}` : ''),
    cookies: { get: () => undefined },
  };
  await guard.requireAuth()(ctx as never, () => Promise.resolve());
  return authOf(ctx);
}

/** Branches where the user holds any permission ('*' = all). */
function branchesOf(auth: AuthState, permission?: string): '*' | string[] {
  const lists = permission ? [auth.grants[permission] ?? []] : Object.values(auth.grants);
  if (lists.some((l) => l.includes('*'))) return '*';
  return [...new Set(lists.flat())];
}

/** Whether the socket's token allows it into `name`. */
export function mayJoin(auth: AuthState, name: string): boolean {
  const room = parseRoom(name);
  if (!room || room.tenantId !== auth.claims.tid) return false;
  switch (room.kind) {
    case 'tenant':
      return true;
    case 'user':
      return room.userId === auth.claims.sub;
    case 'branch': {
      const where = branchesOf(auth);
      return where === '*' || where.includes(room.branchId);
    }
    case 'kitchen': {
      const where = branchesOf(auth, 'kitchen.operate');
      return where === '*' || where.includes(room.branchId);
    }
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
 */
export function createGateway(opts: GatewayOptions): Gateway {
  const log = opts.logger;
  const blockMs = opts.blockMs ?? 2000;
  const io = new Server({
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
    authenticate(opts.guard, token).then(
      (auth) => {
        (socket.data as SocketData).auth = auth;
        next();
      },
      (err: unknown) => {
        if (err instanceof DomainError) return refuse(err.code, err.message);
        log.error('socket authentication failed', { error: errorMessage(err) });
        refuse('INTERNAL_ERROR', 'An unexpected error occurred');
      },
    );
  });

  io.on('connection', (socket: Socket) => {
    const { auth } = socket.data as SocketData;
    const { tid, sub } = auth.claims;
    void socket.join([rooms.tenant(tid), rooms.user(tid, sub)]);
    // The socket lives no longer than its token.
    const exp = (auth.claims as { exp?: number }).exp;
    if (exp) {
      const timer = setTimeout(() => socket.disconnect(true), Math.max(0, exp * 1000 - Date.now()));
      socket.once('disconnect', () => clearTimeout(timer));
    }
    socket.on('join', (room: unknown, ack?: Ack) => {
      const reply: Ack = typeof ack === 'function' ? ack : () => undefined;
      if (typeof room !== 'string' || !mayJoin(auth, room))
        return reply({ ok: false, error: { code: 'FORBIDDEN', message: 'Not allowed in this room' } });
      void socket.join(room);
      reply({ ok: true, room });
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
      await new Promise<void>((resolve) => void io.close(() => resolve()));
      reader.disconnect();
      await consuming;
    },
  };
}
