import { Migration } from '@mikro-orm/migrations';

/**
 * Sessions end and retired keys lose their private half (issue 13):
 * - `refresh_tokens.session_expires_at`: when the session (refresh family) ends, fixed at login and
 *   copied by every rotation. Existing families end 30 days (the default) after their first token.
 * - `signing_keys.private_jwk_encrypted` is null once a key retires; keys already retired lose it now.
 */
export class Migration20261201173141_session_end_key_retirement extends Migration {
  override name = 'Migration20261201173141_session_end_key_retirement';

  override up(): void | Promise<void> {
    this.addSql(`alter table "identity"."refresh_tokens" add column "session_expires_at" timestamptz null;`);
    this.addSql(
      `update "identity"."refresh_tokens" r set "session_expires_at" = f."started" + interval '30 days' from (select "family_id", min("created_at") as "started" from "identity"."refresh_tokens" group by "family_id") f where f."family_id" = r."family_id";`,
    );
    this.addSql(`alter table "identity"."refresh_tokens" alter column "session_expires_at" set not null;`);
    this.addSql(`alter table "identity"."signing_keys" alter column "private_jwk_encrypted" drop not null;`);
    this.addSql(
      `update "identity"."signing_keys" set "private_jwk_encrypted" = null where "retired_at" is not null;`,
    );
  }

  override down(): void | Promise<void> {
    // Retired keys' private halves are gone for good; their rows cannot go back under "not null".
    this.addSql(`delete from "identity"."signing_keys" where "private_jwk_encrypted" is null;`);
    this.addSql(`alter table "identity"."signing_keys" alter column "private_jwk_encrypted" set not null;`);
    this.addSql(`alter table "identity"."refresh_tokens" drop column "session_expires_at";`);
  }
}
