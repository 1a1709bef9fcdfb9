import { Migration } from '@mikro-orm/migrations';

/**
 * Provider notifications are deduplicated per tenant (issue 14): the key was `(provider,
 * notification_id)`, so a tenant that posted a signed notification id N to its own webhook URL made
 * another tenant's genuine notification N answer `duplicate: true` and go unread. The key becomes
 * `(tenant_id, provider, notification_id)`, same constraint name (`storeProviderNotification`'s
 * `on conflict on constraint provider_notifications_unique`). Hand-written like the init migration's
 * unique keys, which the entities (and `.snapshot.json`) do not declare. `down` fails if two tenants
 * have stored the same notification id since: that is the data the old key cannot hold.
 */
export class Migration20261203090000_notifications_per_tenant extends Migration {
  override name = 'Migration20261203090000_notifications_per_tenant';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "payments"."provider_notifications" drop constraint "provider_notifications_unique";`,
    );
    this.addSql(
      `alter table "payments"."provider_notifications" add constraint "provider_notifications_unique" unique ("tenant_id", "provider", "notification_id");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(
      `alter table "payments"."provider_notifications" drop constraint "provider_notifications_unique";`,
    );
    this.addSql(
      `alter table "payments"."provider_notifications" add constraint "provider_notifications_unique" unique ("provider", "notification_id");`,
    );
  }
}
