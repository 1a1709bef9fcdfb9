import { Migration } from '@mikro-orm/migrations';

/**
 * Password reset tokens (hand-written: the routes use SQL, so there is no entity to diff). Only the
 * SHA-256 of a token is stored; a token is used once (`used_at`) and expires 30 minutes after issue.
 */
export class Migration20261123153614_password_reset extends Migration {
  override name = 'Migration20261123153614_password_reset';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "identity"."password_reset_tokens" ("id" uuid not null, "tenant_id" uuid not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "identity"."password_reset_tokens" add constraint "password_reset_tokens_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(
      `create index "password_reset_tokens_user_index" on "identity"."password_reset_tokens" ("tenant_id", "user_id") where "used_at" is null;`,
    );
    this.addSql(
      `alter table "identity"."password_reset_tokens" add constraint "password_reset_tokens_tenant_fk" foreign key ("tenant_id") references "identity"."tenants" ("id") deferrable initially deferred;`,
    );
    this.addSql(
      `alter table "identity"."password_reset_tokens" add constraint "password_reset_tokens_user_fk" foreign key ("user_id") references "identity"."users" ("id") deferrable initially deferred;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "identity"."password_reset_tokens" cascade;`);
  }
}
