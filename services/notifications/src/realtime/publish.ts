/**
 * How any Faena process publishes a real-time event: append it to the gateway's intake stream in
 * Redis. One gateway replica takes it (consumer group) and broadcasts it through the Socket.IO
 * Redis streams adapter, so clients on every replica receive it, and clients that reconnect after
 * a short gap get it on resume.
 *
 *   await publishRealtime(redis, { tenantId, room: rooms.kitchen(tenantId, branchId, stationId),
 *     event: 'order:created', data: { orderId } });
 */
import type { Redis } from '@faena/platform';
import { uuidv7 } from 'uuidv7';
import { EVENT_NAME, parseRoom } from './rooms.ts';

export { rooms } from './rooms.ts';

export interface RealtimeEvent {
  tenantId: string;
  /** An absolute room name of `tenantId` (see `rooms`). */
  room: string;
  /** `<area>:<what>`, e.g. `order:created`. */
  event: string;
  /** JSON the clients receive as `data`; no secrets. */
  data: Record<string, unknown>;
}

/** What clients receive with every event. */
export interface RealtimeEnvelope {
  id: string;
  room: string;
  at: string;
  data: Record<string, unknown>;
}

export interface RealtimePublisher {
  publish(event: RealtimeEvent): Promise<void>;
}

export const intakeStream = (prefix: string): string => `${prefix}:intake`;
export const DEFAULT_STREAM_PREFIX = 'faena:realtime';

/** Throws unless the room is well formed and belongs to the event's tenant. */
export function assertPublishable(event: RealtimeEvent): void {
  const room = parseRoom(event.room);
  if (!room || room.tenantId !== event.tenantId)
    throw new Error(`room ${event.room} is not a room of tenant ${event.tenantId}`);
  if (!EVENT_NAME.test(event.event)) throw new Error(`event name ${event.event} is not <area>:<what>`);
}

export function envelopeOf(
  event: RealtimeEvent,
  id = uuidv7(),
  at = new Date().toISOString(),
): RealtimeEnvelope {
  return { id, room: event.room, at, data: event.data };
}

/** A publisher for processes without a gateway (workers, other services). */
export function createRealtimePublisher(redis: Redis, prefix = DEFAULT_STREAM_PREFIX): RealtimePublisher {
  return {
    async publish(event) {
      assertPublishable(event);
      await redis.xadd(
        intakeStream(prefix),
        'MAXLEN',
        '~',
        '100000',
        '*',
        'event',
        JSON.stringify({ ...event, at: new Date().toISOString() }),
      );
    },
  };
}

export const publishRealtime = (
  redis: Redis,
  event: RealtimeEvent,
  prefix = DEFAULT_STREAM_PREFIX,
): Promise<void> => createRealtimePublisher(redis, prefix).publish(event);
