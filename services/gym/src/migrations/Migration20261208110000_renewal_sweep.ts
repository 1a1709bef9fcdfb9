import { Migration } from '@mikro-orm/migrations';

/**
 * The renewal sweeper (src/renewal-sweeper.ts) looks for active auto-renewing memberships whose
 * chain was never started, oldest change first: a partial index holds exactly those rows, so each
 * pass reads only what it has to start.
 */
export class Migration20261208110000_renewal_sweep extends Migration {
  override name = 'Migration20261208110000_renewal_sweep';

  override up(): void | Promise<void> {
    this.addSql(
      `create index "memberships_renewal_unstarted_index" on "gym"."memberships" ("updated_at", "id")
        where "auto_renew" and "renewal_started_at" is null and "status" = 'active';`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "gym"."memberships_renewal_unstarted_index";`);
  }
}
