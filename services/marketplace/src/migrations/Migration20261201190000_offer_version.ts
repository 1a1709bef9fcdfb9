import { Migration } from '@mikro-orm/migrations';

/** An offer's version: 1 when sent, one more on every change; the client accepts the version it saw. */
export class Migration20261201190000_offer_version extends Migration {
  override name = 'Migration20261201190000_offer_version';

  override up(): void | Promise<void> {
    this.addSql(`alter table "marketplace"."offers" add column "version" int not null default 1;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "marketplace"."offers" drop column "version";`);
  }
}
