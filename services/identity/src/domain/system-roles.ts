/**
 * Roles every tenant starts with. They cannot be removed; their permissions can be widened by
 * giving users custom roles. `parent` roles are inherited: an owner can do all an admin can.
 */
export const SYSTEM_ROLES: ReadonlyArray<{
  name: string;
  parent?: string;
  description: string;
  permissions: string[];
}> = [
  { name: 'owner', parent: 'admin', description: 'Owns the business: everything', permissions: ['*'] },
  {
    name: 'admin',
    parent: 'manager',
    description: 'Runs the account: users, roles, settings',
    permissions: [
      'tenant.update',
      'users.manage',
      'roles.manage',
      'branches.manage',
      'audit.read',
      'webhooks.manage',
      'payments.refund',
      'payments.configure',
      'notifications.manage',
      'orders.void',
      'disputes.resolve',
      'kyc.review',
    ],
  },
  {
    name: 'manager',
    description: 'Runs a branch day to day',
    permissions: [
      'tenant.read',
      'branches.read',
      'users.read',
      'roles.read',
      'orders.read',
      'orders.create',
      'cash.*',
      'reports.read',
      'inventory.manage',
      'kitchen.operate',
      'members.*',
      'plans.manage',
      'classes.manage',
      'checkins.create',
      'payments.read',
      'payments.create',
      'payments.record_external',
      'cash_sessions.operate',
      'cash_sessions.approve',
      'drawers.manage',
      'ledger.read',
      'jobs.read',
      'notifications.read',
    ],
  },
  {
    name: 'cashier',
    description: 'Takes payments and closes the till',
    permissions: [
      'tenant.read',
      'orders.read',
      'orders.create',
      'cash.open',
      'cash.close',
      'payments.read',
      'payments.create',
      'payments.record_external',
      'cash_sessions.operate',
      'notifications.read',
    ],
  },
  {
    name: 'waiter',
    description: 'Takes orders at the table',
    permissions: ['tenant.read', 'orders.read', 'orders.create', 'notifications.read'],
  },
  {
    name: 'kitchen',
    description: 'Prepares orders',
    permissions: ['orders.read', 'kitchen.operate', 'notifications.read'],
  },
  {
    name: 'trainer',
    description: 'Teaches classes and follows members',
    permissions: [
      'tenant.read',
      'members.read',
      'members.health',
      'classes.manage',
      'checkins.create',
      'notifications.read',
    ],
  },
  {
    name: 'receptionist',
    description: 'Front desk: members and check-ins',
    permissions: [
      'tenant.read',
      'members.read',
      'members.manage',
      'checkins.create',
      'payments.create',
      'cash_sessions.operate',
      'notifications.read',
    ],
  },
  {
    name: 'professional',
    description: 'Offers services on the marketplace',
    permissions: ['offers.send', 'jobs.read', 'notifications.read', 'professionals.profile', 'reviews.write'],
  },
  {
    name: 'client',
    description: 'Buys services; a gym member',
    permissions: ['offers.respond', 'jobs.read', 'notifications.read', 'reviews.write', 'members.self'],
  },
];

/** The platform operators' tenant: its owners may also manage every tenant and the signing keys. */
export const PLATFORM_OWNER_PERMISSIONS = ['*', 'platform.*'];
