import { Migration } from '@mikro-orm/migrations';

/**
 * A payment made over HTTP is keyed `http:<Idempotency-Key>`, and a key may be 255 characters
 * (platform idempotency): the column held 255, so the longest keys failed with a 500. 300 fits
 * every derived key (`http:`, `payment:<uuid>:…` prefixes).
 */
export class Migration20261201142458_widen_idempotency_keys extends Migration {
  override name = 'Migration20261201142458_widen_idempotency_keys';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "payments"."journal_entries" alter column "idempotency_key" type varchar(300) using ("idempotency_key"::varchar(300));`,
    );

    this.addSql(
      `alter table "payments"."payments" alter column "idempotency_key" type varchar(300) using ("idempotency_key"::varchar(300));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(
      `alter table "payments"."journal_entries" alter column "idempotency_key" type varchar(255) using ("idempotency_key"::varchar(255));`,
    );

    this.addSql(
      `alter table "payments"."payments" alter column "idempotency_key" type varchar(255) using ("idempotency_key"::varchar(255));`,
    );
  }
}
