import { Migration } from '@mikro-orm/migrations';

/**
 * Cash drawers and sessions (payments) are new: system roles are written at signup, so existing
 * businesses' roles get what new businesses get from system-roles.ts: cashier and receptionist
 * operate a session (open, cash in/out, blind count), the manager also sees expected amounts,
 * approves counts beyond the threshold and manages drawers. Custom roles are the business's to change.
 */
const GRANTS: Array<[role: string, permission: string]> = [
  ['cashier', 'cash_sessions.operate'],
  ['receptionist', 'cash_sessions.operate'],
  ['manager', 'cash_sessions.operate'],
  ['manager', 'cash_sessions.approve'],
  ['manager', 'drawers.manage'],
];

export class Migration20261205090000_cash_session_permissions extends Migration {
  override name = 'Migration20261205090000_cash_session_permissions';

  override up(): void | Promise<void> {
    for (const [role, permission] of GRANTS)
      this.addSql(
        `update "identity"."roles" set "permissions" = array_append("permissions", '${permission}')
          where "system" and "name" = '${role}' and not ('${permission}' = any("permissions"));`,
      );
  }

  override down(): void | Promise<void> {
    for (const [role, permission] of GRANTS)
      this.addSql(
        `update "identity"."roles" set "permissions" = array_remove("permissions", '${permission}')
          where "system" and "name" = '${role}';`,
      );
  }
}
