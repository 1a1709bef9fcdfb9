import { Migration } from '@mikro-orm/migrations';

/**
 * Recipes: what selling a product (its variant, its modifiers) takes out of the inventory. Runs
 * after `Migration20261208150000_inventory` (its items are referenced). What the entity cannot say:
 * - composite tenant keys to the product, the variant, the modifier (cascade: a recipe line goes
 *   with what it belongs to) and the inventory item (restrict: an item in a recipe stays);
 * - a line belongs to the product, or one of its variants, or one of its modifiers (at most one
 *   of `variant_id`, `modifier_id`); a quantity > 0 (thousandths of the item's base unit);
 * - an item once per product/variant/modifier (`nulls not distinct`).
 */
const FKS: Array<[column: string, parent: string, onDelete: 'cascade' | 'restrict']> = [
  ['product_id', 'products', 'cascade'],
  ['variant_id', 'product_variants', 'cascade'],
  ['modifier_id', 'modifiers', 'cascade'],
  ['item_id', 'inventory_items', 'restrict'],
];

export class Migration20261208160000_recipes extends Migration {
  override name = 'Migration20261208160000_recipes';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "pos"."recipe_lines" ("id" uuid not null, "tenant_id" uuid not null, "product_id" uuid not null, "variant_id" uuid null, "modifier_id" uuid null, "item_id" uuid not null, "quantity" bigint not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "recipe_lines_tenant_id_index" on "pos"."recipe_lines" ("tenant_id");`);
    this.addSql(`create index "recipe_lines_product_id_index" on "pos"."recipe_lines" ("product_id");`);
    this.addSql(`create index "recipe_lines_item_id_index" on "pos"."recipe_lines" ("item_id");`);
    for (const [column, parent, onDelete] of FKS)
      this.addSql(
        `alter table "pos"."recipe_lines" add constraint "recipe_lines_tenant_${column}_foreign" foreign key ("tenant_id", "${column}")
          references "pos"."${parent}" ("tenant_id", "id") on update cascade on delete ${onDelete} deferrable initially deferred;`,
      );
    this.addSql(
      `alter table "pos"."recipe_lines" add constraint "recipe_lines_check" check ("quantity" > 0
        and num_nonnulls("variant_id", "modifier_id") <= 1);`,
    );
    this.addSql(
      `create unique index "recipe_lines_unique" on "pos"."recipe_lines" ("tenant_id", "product_id", "variant_id", "modifier_id", "item_id") nulls not distinct;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "pos"."recipe_lines" cascade;`);
  }
}
