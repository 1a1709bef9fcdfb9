/**
 * Room names, always absolute and starting with the tenant, so a name can never mean another
 * tenant's room by accident:
 *   tenant:<tenantId>
 *   tenant:<tenantId>:branch:<branchId>
 *   tenant:<tenantId>:kitchen:<branchId>:<stationId>
 *   tenant:<tenantId>:user:<userId>
 *   tenant:<tenantId>:gym:<branchId>      (a gym branch's front desk: occupancy, check-ins)
 * Every socket is in its tenant's and its user's room; branch and kitchen rooms need a grant in
 * that branch (ROOM_PERMISSION).
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SEGMENT = '[A-Za-z0-9_-]{1,64}';
const ROOM = new RegExp(
  `^tenant:(${UUID})(?::(branch):(${UUID})|:(kitchen):(${UUID}):(${SEGMENT})|:(user):(${UUID})|:(gym):(${UUID}))?$`,
);

export type Room =
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'branch'; tenantId: string; branchId: string }
  | { kind: 'kitchen'; tenantId: string; branchId: string; stationId: string }
  | { kind: 'user'; tenantId: string; userId: string }
  | { kind: 'gym'; tenantId: string; branchId: string };

export function parseRoom(name: string): Room | undefined {
  const m = ROOM.exec(name);
  if (!m) return undefined;
  const tenantId = m[1]!;
  if (m[2]) return { kind: 'branch', tenantId, branchId: m[3]! };
  if (m[4]) return { kind: 'kitchen', tenantId, branchId: m[5]!, stationId: m[6]! };
  if (m[7]) return { kind: 'user', tenantId, userId: m[8]! };
  if (m[9]) return { kind: 'gym', tenantId, branchId: m[10]! };
  return { kind: 'tenant', tenantId };
}

/**
 * The grant a socket needs to join a room of these kinds, held in the room's branch (or
 * tenant-wide). Branch rooms carry the branch's operations — `order:created`, `print:completed` —
 * so they need the permission that reads them over HTTP (`orders.read`: waiters, cashiers, kitchen,
 * managers and up), not just any permission (the `client` role's tenant-wide `notifications.read`
 * says nothing about a branch). Kitchen rooms need `kitchen.operate`. A branch event for another
 * audience (a gym's check-ins, say) gets a room kind of its own rather than widening this.
 */
export const ROOM_PERMISSION = {
  branch: 'orders.read',
  kitchen: 'kitchen.operate',
  /** A gym branch's front desk (occupancy): who may read its check-ins. */
  gym: 'checkins.read',
} as const;

export const rooms = {
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  branch: (tenantId: string, branchId: string) => `tenant:${tenantId}:branch:${branchId}`,
  kitchen: (tenantId: string, branchId: string, stationId: string) =>
    `tenant:${tenantId}:kitchen:${branchId}:${stationId}`,
  user: (tenantId: string, userId: string) => `tenant:${tenantId}:user:${userId}`,
  gym: (tenantId: string, branchId: string) => `tenant:${tenantId}:gym:${branchId}`,
};

/** `order:created`, `print:completed`, `system:alert`, `notification:new`, … */
export const EVENT_NAME = /^[a-z][a-z_]{0,30}:[a-z][a-z_]{0,30}$/;
