// Sneakers23's tables (drizzle-orm, PostgreSQL): the catalog (products, their items, one stock
// row per item), shoppers' carts, and the orders a checkout writes. Migrations in migrations/
// are generated from this file with drizzle-kit.

import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const products = pgTable(
  "products",
  {
    id: serial("id").primaryKey(),
    sku: text("sku").notNull(),
    order: integer("display_order").notNull(),
    brand: text("brand").notNull(),
    name: text("name").notNull(),
    color: text("color").notNull(),
    /** Whole US dollars. */
    price: integer("price").notNull(),
    mainImageUrl: text("main_image_url").notNull(),
    released: boolean("released").notNull().default(false),
    releaseAt: timestamp("release_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("products_sku_unique").on(t.sku),
    index("products_display_order_idx").on(t.order),
    check("products_price_positive", sql`${t.price} >= 0`),
  ],
);

export const items = pgTable(
  "items",
  {
    id: serial("id").primaryKey(),
    sku: text("sku").notNull(),
    /** "6", "6.5", … "12". */
    size: text("size").notNull(),
    productId: integer("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
  },
  (t) => [uniqueIndex("items_sku_unique").on(t.sku), index("items_product_id_idx").on(t.productId)],
);

export const itemAvailabilities = pgTable(
  "item_availabilities",
  {
    id: serial("id").primaryKey(),
    itemId: integer("item_id")
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    availableCount: integer("available_count").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("item_availabilities_item_id_unique").on(t.itemId), check("item_availabilities_count_not_negative", sql`${t.availableCount} >= 0`)],
);

export const carts = pgTable("carts", {
  /** The shopper's random cart id, from the signed session cookie. */
  id: text("id").primaryKey(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const cartItems = pgTable(
  "cart_items",
  {
    id: serial("id").primaryKey(),
    cartId: text("cart_id")
      .notNull()
      .references(() => carts.id, { onDelete: "cascade" }),
    itemId: integer("item_id")
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("cart_items_cart_item_unique").on(t.cartId, t.itemId), index("cart_items_cart_added_idx").on(t.cartId, t.addedAt)],
);

export const orders = pgTable(
  "orders",
  {
    id: serial("id").primaryKey(),
    cartId: text("cart_id").notNull(),
    /** Sum of the items' prices at purchase, whole US dollars. */
    total: integer("total").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("orders_cart_id_idx").on(t.cartId)],
);

export const orderItems = pgTable(
  "order_items",
  {
    id: serial("id").primaryKey(),
    orderId: integer("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    itemId: integer("item_id")
      .notNull()
      .references(() => items.id),
    /** Price paid, whole US dollars. */
    price: integer("price").notNull(),
  },
  (t) => [index("order_items_order_id_idx").on(t.orderId)],
);

export const schema = { products, items, itemAvailabilities, carts, cartItems, orders, orderItems };
