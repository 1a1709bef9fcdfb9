import { Migration } from '@mikro-orm/migrations';

/**
 * Kitchen printing (issue 18): one `print_jobs` row per kitchen ticket handed to its print process
 * (the row is written once the process started: a pending ticket without one is the sweeper's).
 * The database holds:
 * - one job per ticket (`print_jobs_ticket_unique`), a tenant-consistent key to its ticket;
 * - its state from the process's list, attempts and writes never negative, a fallen-back job with
 *   the reason it gives.
 * `writes` counts sends that reached the printer's write: a later print of the same ticket carries
 * the REIMPRESIÓN / REPRINT mark (the at-least-once boundary).
 */
const audit = `"created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null`;

export class Migration20261209400000_printing extends Migration {
  override name = 'Migration20261209400000_printing';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "pos"."print_jobs" ("id" uuid not null, "tenant_id" uuid not null, "ticket_id" uuid not null,
        "state" text not null default 'queued', "printer_address" varchar(300) not null,
        "attempts" int not null default 0, "writes" int not null default 0, "last_error" varchar(300) null,
        ${audit}, primary key ("id"));`,
    );
    this.addSql(`create index "print_jobs_tenant_id_index" on "pos"."print_jobs" ("tenant_id");`);
    this.addSql(
      `alter table "pos"."print_jobs" add constraint "print_jobs_tenant_id_id_unique" unique ("tenant_id", "id");`,
    );
    this.addSql(
      `alter table "pos"."print_jobs" add constraint "print_jobs_ticket_unique" unique ("tenant_id", "ticket_id");`,
    );
    this.addSql(
      `alter table "pos"."print_jobs" add constraint "print_jobs_tenant_ticket_id_foreign" foreign key ("tenant_id", "ticket_id")
        references "pos"."kitchen_tickets" ("tenant_id", "id") on update cascade on delete restrict deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "pos"."print_jobs" add constraint "print_jobs_state_check"
        check ("state" in ('queued', 'printed', 'fallen_back', 'cancelled')
          and "attempts" >= 0 and "writes" >= 0
          and ("state" <> 'fallen_back' or "last_error" is not null));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "pos"."print_jobs" cascade;`);
  }
}
