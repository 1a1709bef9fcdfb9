import { Migration } from '@mikro-orm/migrations';

/**
 * Each printing station's printer profile (issue 18): its paper width (58 or 80 mm; existing
 * stations keep the 80 mm every ticket was rendered for) and whether it answers the real-time
 * status request (DLE EOT). A screen keeps the defaults; nothing reads them there.
 */
export class Migration20261209600000_printer_profiles extends Migration {
  override name = 'Migration20261209600000_printer_profiles';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "pos"."stations" add column "paper_width" smallint not null default 80,
        add column "printer_answers_status" boolean not null default true;`,
    );
    this.addSql(
      `alter table "pos"."stations" add constraint "stations_paper_width_check" check ("paper_width" in (58, 80));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(
      `alter table "pos"."stations" drop constraint "stations_paper_width_check", drop column "paper_width", drop column "printer_answers_status";`,
    );
  }
}
