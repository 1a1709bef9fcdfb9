/**
 * Room names, always absolute and starting with the tenant, so a name can never mean another
 * tenant's room by accident:
 *   tenant:<tenantId>
 *   tenant:<tenantId>:branch:<branchId>
 *   tenant:<tenantId>:kitchen:<branchId>:<stationId>
 *   tenant:<tenantId>:user:<userId>
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SEGMENT = '[A-Za-z0-9_-]{1,64}';
const ROOM = new RegExp(
  `^tenant:(${UUID})(?::(branch):(${UUID})|:(kitchen):(${UUID}):(${SEGMENT})|:(user):(${UUID}))?$`,
);

export type Room =
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'branch'; tenantId: string; branchId: string }
  | { kind: 'kitchen'; tenantId: string; branchId: string; stationId: string }
  | { kind: 'user'; tenantId: string; userId: string };

export function parseRoom(name: string): Room | undefined {
  const m = ROOM.exec(name);
  if (!m) return undefined;
  const tenantId = m[1]!;
  if (m[2]) return { kind: 'branch', tenantId, branchId: m[3]! };
  if (m[4]) return { kind: 'kitchen', tenantId, branchId: m[5]!, stationId: m[6]! };
  if (m[7]) return { kind: 'user', tenantId, userId: m[8]! };
  return { kind: 'tenant', tenantId };
}

export const rooms = {
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  branch: (tenantId: string, branchId: string) => `tenant:${tenantId}:branch:${branchId}`,
  kitchen: (tenantId: string, branchId: string, stationId: string) =>
    `tenant:${tenantId}:kitchen:${branchId}:${stationId}`,
  user: (tenantId: string, userId: string) => `tenant:${tenantId}:user:${userId}`,
};

/** `order:created`, `print:completed`, `system:alert`, `notification:new`, … */
export const EVENT_NAME = /^[a-z][a-z_]{0,30}:[a-z][a-z_]{0,30}$/;
