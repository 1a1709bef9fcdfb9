import { RoleGrantsMigration } from './role-grants.ts';

/**
 * Cash drawers and sessions (payments): cashier and receptionist operate a session (open, cash
 * in/out, blind count); the manager also sees expected amounts, approves counts beyond the
 * threshold and manages drawers.
 */
export class Migration20261205090000_cash_session_permissions extends RoleGrantsMigration {
  override name = 'Migration20261205090000_cash_session_permissions';
  protected override readonly grants = [
    ['cashier', 'cash_sessions.operate'],
    ['receptionist', 'cash_sessions.operate'],
    ['manager', 'cash_sessions.operate'],
    ['manager', 'cash_sessions.approve'],
    ['manager', 'drawers.manage'],
  ] as const;
}
