/**
 * The permission catalog: every `resource.action` a Faena service checks, declared here by the
 * service that checks it, and served by identity at `GET /api/identity/v1/permissions`. Roles may
 * grant a whole resource with `resource.*`, or everything with `*`.
 */
export const PERMISSION_CATALOG = {
  identity: {
    'tenant.read': 'See the business profile',
    'tenant.update': 'Change the business profile',
    'tenant.plan': "Change the business's SaaS plan (upgrade, downgrade at period end)",
    'branches.read': 'List and see branches',
    'branches.manage': 'Create, change and remove branches',
    'users.read': 'List and see users',
    'users.manage': 'Invite, change and remove users and their roles',
    'roles.read': 'List and see roles',
    'roles.manage': 'Create, change and remove custom roles',
    'audit.read': 'Read the security audit log',
  },
  platform: {
    'platform.tenants': 'List, suspend and reactivate tenants (platform operators only)',
    'platform.keys': 'Rotate the token signing keys (platform operators only)',
  },
  payments: {
    'payments.read': 'See payments and refunds',
    'payments.create': 'Take payments',
    'payments.self':
      'Pay for oneself only (a member buying a plan): from one’s own wallet or a MercadoPago checkout, never for anyone else',
    'payments.record_external': 'Record a card or transfer taken outside Faena (a terminal, a bank)',
    'payments.refund': 'Refund payments',
    'ledger.read': 'Read accounts, balances and statements',
    'payments.configure': 'Connect payment providers (credentials)',
    'cash_sessions.operate':
      'Open a cash session on a drawer, move cash in and out, take cash and count it at close (blind)',
    'cash_sessions.approve':
      "See a cash session's expected amounts and differences; approve a count beyond the threshold",
    'drawers.manage': "Create, rename and deactivate a branch's cash drawers; set the cash rules",
  },
  marketplace: {
    'offers.send': 'Send offers to clients (approved professionals)',
    'offers.respond': 'Accept or reject offers',
    'jobs.read': 'See jobs and their timeline',
    'disputes.resolve': 'Resolve disputes (operators)',
    'kyc.review': 'Approve or reject professional KYC (operators)',
    'professionals.profile': 'Keep an own professional profile, KYC documents and portfolio',
    'reviews.write': 'Review approved jobs as their client, reply as their professional',
  },
  gym: {
    'members.read': 'See members, their memberships and bookings',
    'members.manage': 'Enrol members, sell, pause and cancel memberships, book classes for members',
    'members.health': "Read and record members' health notes",
    'members.self':
      "As a member: see one's own member record, memberships, routines and nutrition plans, book and cancel own classes, log own workouts",
    'plans.manage': 'Create plans and set their prices',
    'classes.manage': 'Schedule classes and set the booking rules',
    'checkins.create': "Check members in and out at a branch's door with the QR code they show",
    'checkins.manual': 'Check a member in without their code, with a reason on record',
    'checkins.read': "See a branch's visits and how many are inside (and its front-desk real-time room)",
    'store.read': "See the store's products, their stock and kardex",
    'store.sell': "Sell the store's products at a branch's counter and see its sales",
    'store.manage': 'Keep the products (prices, images, thresholds) and record stock in and out',
    'incidents.report': 'Report an incident at a branch (a member or staff)',
    'incidents.read': "See a branch's incidents and their timeline",
    'incidents.manage': 'Assign, acknowledge and resolve incidents',
    'incidents.configure': "Set the business's incident SLAs per priority",
    'trainers.manage':
      "Keep trainers' gym profiles, certificates and availability, assign trainers to classes, change any trainer's member routines",
    'trainers.self':
      "As a trainer: see one's own gym profile and change its bio, specialties and weekly availability",
    'routines.manage':
      'Keep the exercise catalog and routine templates; assign routines to members, follow and log their workouts',
    'nutrition.manage': 'Keep the ingredient catalog and nutrition plans; assign plans to members',
  },
  pos: {
    'orders.read': 'See orders',
    'orders.create': 'Take orders',
    'orders.cancel': 'Cancel an order that is not paid, with its reason',
    'orders.discount': "Give discounts above the business's threshold and set that threshold",
    'orders.void': 'Void orders',
    'orders.pay':
      'Take payment for an order with split tenders (cash, card, transfer, wallet) through payments, which also checks payments.create',
    'orders.refund':
      'Refund a paid order (a reason) through payments, which also checks payments.refund; restocks when the business says so',
    'kitchen.operate': 'Work the kitchen display and printers',
    'stations.manage': "Keep a branch's kitchen stations, their printers and which categories go to each",
    'printing.operate':
      "Act on a branch's kitchen print jobs and printers: retry, reroute or cancel a job, reset a printer's breaker; told when a ticket falls back",
    'inventory.read': "See inventory items, a branch's stock, its kardex, transfers and low-stock alerts",
    'inventory.manage':
      'Keep inventory items, record purchases, waste and adjustments, transfer stock between branches, post or cancel counts and set the negative-stock rule',
    'inventory.count': "Open a branch's physical count and record what was counted",
    'cash.open': 'Open a cash session',
    'cash.close': 'Close a cash session',
    'reports.read': 'Read sales reports',
    'closures.read': "Read a branch's nightly cash closures and receive their report by mail",
    'closures.approve':
      "Approve a nightly cash closure whose differences are beyond the business's threshold",
    'closures.configure': "Set a branch's closing time and business-date rule (its closure schedule)",
    'menu.read': 'See the menu: categories, products, variants, modifiers, prices and availability',
    'menu.manage': 'Keep the menu: categories, products, prices per branch, availability, images and recipes',
    'floors.read': "See a branch's floors and tables",
    'floors.manage': "Keep a branch's floors and tables",
  },
  notifications: {
    'notifications.read': 'Read own notifications',
    'webhooks.manage': 'Register outgoing webhooks and re-drive dead letters',
    'notifications.manage': "Set the business's notification locale and read its notification history",
  },
} as const satisfies Record<string, Record<string, string>>;

export type Permission = {
  [S in keyof typeof PERMISSION_CATALOG]: keyof (typeof PERMISSION_CATALOG)[S];
}[keyof typeof PERMISSION_CATALOG];

/** Every permission name, in catalog order. */
export const ALL_PERMISSIONS: readonly string[] = Object.values(PERMISSION_CATALOG).flatMap((s) =>
  Object.keys(s),
);

/** Expands grants that use `*` or `resource.*` into the catalog permissions they cover. */
export function expandPermission(pattern: string): string[] {
  if (pattern === '*') return ALL_PERMISSIONS.filter((p) => !p.startsWith('platform.'));
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -1);
    return ALL_PERMISSIONS.filter((p) => p.startsWith(prefix));
  }
  return ALL_PERMISSIONS.includes(pattern) ? [pattern] : [];
}
