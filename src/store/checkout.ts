// Checkout: a cart becomes an order in one transaction. The cart's row is locked, each item is
// sold by one conditional decrement (in item id order, so concurrent checkouts never deadlock),
// and any item that cannot be sold rolls everything back. Only after the commit are the
// inventory change and the emptied cart published; a rolled-back checkout publishes nothing.

import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { PubSub } from "../switchboard/pubsub.ts";
import { publishCartChanged } from "./cart.ts";
import type { StoreDb } from "./database.ts";
import { unavailable } from "./errors.ts";
import type { Inventory } from "./inventory.ts";
import { cartItems, carts, itemAvailabilities, items, orderItems, orders, products } from "./schema.ts";

export const checkoutMessages = {
  outOfStock: "Your cart has out-of-stock shoes",
  empty: "Your cart is empty",
  failed: "Your purchase could not be completed",
} as const;

export type CheckoutRefusal = "out-of-stock" | "empty" | "unreleased" | "failed";

export interface OrderLine {
  readonly itemId: number;
  readonly productId: number;
  readonly brand: string;
  readonly name: string;
  readonly color: string;
  readonly size: string;
  /** Price paid, whole US dollars. */
  readonly price: number;
}

export interface Order {
  readonly id: number;
  readonly cartId: string;
  /** Whole US dollars. */
  readonly total: number;
  readonly createdAt: Date;
  readonly items: readonly OrderLine[];
}

export type PurchaseResult =
  | { readonly ok: true; readonly order: Order }
  | {
      readonly ok: false;
      readonly reason: CheckoutRefusal;
      readonly message: string;
      /** The items that stopped the purchase (sold out or unreleased). */
      readonly itemIds: readonly number[];
      /** The database error behind "failed". */
      readonly error?: unknown;
    };

type Refusal = PurchaseResult & { ok: false };

class Refused extends Error {
  constructor(readonly result: Refusal) {
    super(result.message);
  }
}

export interface CheckoutOptions {
  readonly db: StoreDb;
  /** Told of the sold items after the commit; every node then re-reads them. */
  readonly inventory: Pick<Inventory, "committed">;
  readonly pubsub: PubSub;
}

export class Checkout {
  readonly #db: StoreDb;
  readonly #inventory: Pick<Inventory, "committed">;
  readonly #pubsub: PubSub;

  constructor(options: CheckoutOptions) {
    this.#db = options.db;
    this.#inventory = options.inventory;
    this.#pubsub = options.pubsub;
  }

  /** Buys everything in the cart, or nothing. */
  async purchase(cartId: string): Promise<PurchaseResult> {
    let order: Order;
    try {
      order = await this.#db.transaction(async (tx) => {
        const [cart] = await tx.select({ id: carts.id }).from(carts).where(eq(carts.id, cartId)).for("update");
        if (!cart) throw new Refused(refusal("empty"));
        const lines = await orderLines(tx, cartId);
        if (lines.length === 0) throw new Refused(refusal("empty"));
        const unreleased = lines.filter((line) => !line.released).map((line) => line.itemId);
        if (unreleased.length > 0) throw new Refused(refusal("unreleased", unreleased));
        for (const line of lines) {
          if (!(await sellOne(tx, line.itemId))) throw new Refused(refusal("out-of-stock", [line.itemId]));
        }
        const total = lines.reduce((sum, line) => sum + line.price, 0);
        const [written] = await tx.insert(orders).values({ cartId, total }).returning({ id: orders.id, createdAt: orders.createdAt });
        await tx.insert(orderItems).values(lines.map((line) => ({ orderId: written!.id, itemId: line.itemId, price: line.price })));
        await tx.delete(cartItems).where(eq(cartItems.cartId, cartId));
        return { id: written!.id, cartId, total, createdAt: written!.createdAt, items: lines.map(withoutReleased) };
      });
    } catch (error) {
      if (error instanceof Refused) return error.result;
      return { ok: false, reason: "failed", message: checkoutMessages.failed, itemIds: [], error: unavailable("complete the purchase", error) };
    }
    await this.#published(order);
    return { ok: true, order };
  }

  /** One of the cart's orders (for the order-complete page), or null. */
  async order(cartId: string, orderId: number): Promise<Order | null> {
    const [row] = await this.#db
      .select()
      .from(orders)
      .where(and(eq(orders.id, orderId), eq(orders.cartId, cartId)));
    if (!row) return null;
    const lines = await this.#db
      .select(lineColumns)
      .from(orderItems)
      .innerJoin(items, eq(items.id, orderItems.itemId))
      .innerJoin(products, eq(products.id, items.productId))
      .where(eq(orderItems.orderId, orderId))
      .orderBy(asc(orderItems.id));
    return { id: row.id, cartId: row.cartId, total: row.total, createdAt: row.createdAt, items: lines.map(({ paid, ...line }) => ({ ...line, price: paid })) };
  }

  async #published(order: Order): Promise<void> {
    // The inventory's own failures (e.g. its re-read) are its business: the sale has committed.
    try {
      await this.#inventory.committed({ items: order.items.map((line) => line.itemId) });
    } catch {}
    publishCartChanged(this.#pubsub, order.cartId);
  }
}

/**
 * One sale: the conditional decrement (Inventory.sell's, here usable inside a transaction). True
 * when a unit was taken, false when the size was already sold out; the count never goes below 0.
 */
export async function sellOne(db: StoreDb, itemId: number): Promise<boolean> {
  const rows = await db
    .update(itemAvailabilities)
    .set({ availableCount: sql`${itemAvailabilities.availableCount} - 1`, updatedAt: sql`now()` })
    .where(and(eq(itemAvailabilities.itemId, itemId), gt(itemAvailabilities.availableCount, 0)))
    .returning({ itemId: itemAvailabilities.itemId });
  return rows.length > 0;
}

const lineColumns = {
  itemId: items.id,
  productId: products.id,
  brand: products.brand,
  name: products.name,
  color: products.color,
  size: items.size,
  paid: orderItems.price,
};

type Tx = Parameters<Parameters<StoreDb["transaction"]>[0]>[0];

/** The cart's items with the database's prices and release state, in item id order. */
function orderLines(tx: Tx, cartId: string) {
  return tx
    .select({
      itemId: items.id,
      productId: products.id,
      brand: products.brand,
      name: products.name,
      color: products.color,
      size: items.size,
      price: products.price,
      released: products.released,
    })
    .from(cartItems)
    .innerJoin(items, eq(items.id, cartItems.itemId))
    .innerJoin(products, eq(products.id, items.productId))
    .where(eq(cartItems.cartId, cartId))
    .orderBy(asc(items.id));
}

function withoutReleased({ released: _, ...line }: OrderLine & { released: boolean }): OrderLine {
  return line;
}

function refusal(reason: Exclude<CheckoutRefusal, "failed">, itemIds: readonly number[] = []): Refusal {
  const message = reason === "out-of-stock" ? checkoutMessages.outOfStock : reason === "empty" ? checkoutMessages.empty : checkoutMessages.failed;
  return { ok: false, reason, message, itemIds };
}
