import { Migration } from '@mikro-orm/migrations';

export class Migration20261123152722_init extends Migration {
  override name = 'Migration20261123152722_init';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "notifications"."notifications" ("id" uuid not null, "tenant_id" uuid not null, "key" varchar(200) not null, "event_type" varchar(64) not null, "channel" text not null, "user_id" uuid null, "recipient_email" varchar(254) null, "locale" varchar(16) not null, "subject" varchar(300) not null, "body" text not null, "data" jsonb not null default '{}', "attachments" jsonb not null default '[]', "status" text not null, "attempts" int not null default 0, "last_error" varchar(500) null, "sent_at" timestamptz null, "read_at" timestamptz null, "claimed_until" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "notifications_tenant_id_index" on "notifications"."notifications" ("tenant_id");`,
    );

    this.addSql(
      `create table "notifications"."preferences" ("id" uuid not null, "tenant_id" uuid not null, "user_id" uuid not null, "event_type" varchar(64) not null, "channel" text not null, "enabled" boolean not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "preferences_tenant_id_index" on "notifications"."preferences" ("tenant_id");`);

    this.addSql(
      `create table "notifications"."tenant_settings" ("id" uuid not null, "tenant_id" uuid not null, "locale" varchar(16) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "tenant_settings_tenant_id_index" on "notifications"."tenant_settings" ("tenant_id");`,
    );

    this.addSql(
      `create table "notifications"."webhook_deliveries" ("id" uuid not null, "tenant_id" uuid not null, "endpoint_id" uuid not null, "event_type" varchar(64) not null, "event_id" varchar(200) not null, "payload" jsonb not null, "status" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "last_attempt_at" timestamptz null, "last_status_code" int null, "last_error" varchar(500) null, "delivered_at" timestamptz null, "dead_at" timestamptz null, "redrives" int not null default 0, "claimed_until" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_deliveries_tenant_id_index" on "notifications"."webhook_deliveries" ("tenant_id");`,
    );
    this.addSql(
      `create index "webhook_deliveries_endpoint_id_index" on "notifications"."webhook_deliveries" ("endpoint_id");`,
    );

    this.addSql(
      `create table "notifications"."webhook_endpoints" ("id" uuid not null, "tenant_id" uuid not null, "url" varchar(2000) not null, "description" varchar(200) not null default '', "events" text[] not null, "secret_sealed" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, "deleted_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_endpoints_tenant_id_index" on "notifications"."webhook_endpoints" ("tenant_id");`,
    );

    this.addSql(
      `alter table "notifications"."notifications" add constraint "notifications_channel_check" check ("channel" in ('email', 'in_app'));`,
    );
    this.addSql(
      `alter table "notifications"."notifications" add constraint "notifications_status_check" check ("status" in ('queued', 'sent', 'failed', 'suppressed'));`,
    );

    this.addSql(
      `alter table "notifications"."preferences" add constraint "preferences_channel_check" check ("channel" in ('email', 'in_app'));`,
    );

    this.addSql(
      `alter table "notifications"."webhook_deliveries" add constraint "webhook_deliveries_status_check" check ("status" in ('pending', 'delivered', 'dead'));`,
    );

    // Invariants the database itself keeps (written by hand after generation). Foreign keys are
    // checked at commit: entities hold plain ids, so the unit of work does not order inserts by them.
    // One notify key records each channel once (the idempotency of `notify`).
    this.addSql(
      `create unique index "notifications_key_unique" on "notifications"."notifications" ("tenant_id", "key", "channel");`,
    );
    this.addSql(
      `create index "notifications_inbox_index" on "notifications"."notifications" ("tenant_id", "user_id", "channel", "read_at", "id");`,
    );
    this.addSql(
      `alter table "notifications"."notifications" add constraint "notifications_attempts_check" check ("attempts" >= 0);`,
    );
    this.addSql(
      `create unique index "preferences_choice_unique" on "notifications"."preferences" ("tenant_id", "user_id", "event_type", "channel");`,
    );
    this.addSql(
      `create unique index "tenant_settings_tenant_unique" on "notifications"."tenant_settings" ("tenant_id");`,
    );
    this.addSql(
      `alter table "notifications"."tenant_settings" add constraint "tenant_settings_locale_check" check ("locale" ~ '^(es|en)(-[A-Z]{2})?$');`,
    );
    // One delivery per endpoint and event; the dispatcher scans pending rows by due time.
    this.addSql(
      `create unique index "webhook_deliveries_event_unique" on "notifications"."webhook_deliveries" ("endpoint_id", "event_id");`,
    );
    this.addSql(
      `create index "webhook_deliveries_due_index" on "notifications"."webhook_deliveries" ("next_attempt_at") where "status" = 'pending';`,
    );
    this.addSql(
      `alter table "notifications"."webhook_deliveries" add constraint "webhook_deliveries_endpoint_fk" foreign key ("endpoint_id") references "notifications"."webhook_endpoints" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "notifications"."webhook_deliveries" add constraint "webhook_deliveries_attempts_check" check ("attempts" >= 0);`,
    );
    this.addSql(
      `create index "webhook_endpoints_events_index" on "notifications"."webhook_endpoints" using gin ("events");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "notifications"."notifications" cascade;`);
    this.addSql(`drop table if exists "notifications"."preferences" cascade;`);
    this.addSql(`drop table if exists "notifications"."tenant_settings" cascade;`);
    this.addSql(`drop table if exists "notifications"."webhook_deliveries" cascade;`);
    this.addSql(`drop table if exists "notifications"."webhook_endpoints" cascade;`);
  }
}
