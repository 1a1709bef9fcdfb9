import { Migration } from '@mikro-orm/migrations';

/**
 * An incident remembers whether its escalation workflow was started (`workflow_started_at`, set
 * only after the start succeeded), so a failed start is retried on the next read or change of the
 * incident instead of being lost. Incidents no longer open need no escalation: they count as
 * started; open ones stay null and are started (or found started) on their next read.
 */
export class Migration20261206160000_incident_workflow_started extends Migration {
  override name = 'Migration20261206160000_incident_workflow_started';

  override up(): void | Promise<void> {
    this.addSql(`alter table "gym"."incidents" add column "workflow_started_at" timestamptz null;`);
    this.addSql(
      `update "gym"."incidents" set "workflow_started_at" = "created_at" where "status" <> 'open';`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "gym"."incidents" drop column "workflow_started_at";`);
  }
}
