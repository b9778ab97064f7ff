// Shoppers' carts, kept in the database and keyed by the cart id from the signed session: add
// (one of each size, only released and in-stock sizes, at most maxCartItems), remove, and list
// joined with live availability from the inventory's memory. Every change is published on the
// cart's topic after it commits, so all of the shopper's tabs (on every node) update.

import { and, desc, eq, sql } from "drizzle-orm";
import type { PubSub } from "../switchboard/pubsub.ts";
import type { StoreDb } from "./database.ts";
import { unavailable } from "./errors.ts";
import { CART_CHANGED, cartTopic, type CartChanged } from "./events.ts";
import type { Inventory, Item, Product } from "./inventory.ts";
import type { Level } from "./levels.ts";
import { cartItems, carts } from "./schema.ts";

export const cartMessages = {
  duplicate: "This size is already in your cart",
  soldOut: "This size is sold out",
  unreleased: "This shoe is not released yet",
  unknown: "This size does not exist",
  full: (max: number) => `Your cart is full: add up to ${countWord(max)} ${max === 1 ? "item" : "items"}`,
  failed: "Your cart could not be updated, please try again",
} as const;

export type AddRefusal = "duplicate" | "sold-out" | "unreleased" | "unknown" | "full" | "failed";

/** `error` (with "failed") is the cause: a StoreError STORE_ERR_DB_UNAVAILABLE when the database is lost. */
export type AddResult =
  | { readonly ok: true; readonly itemId: number }
  | { readonly ok: false; readonly reason: AddRefusal; readonly message: string; readonly error?: unknown };

export type RemoveResult =
  | { readonly ok: true; readonly removed: boolean }
  | { readonly ok: false; readonly reason: "failed"; readonly message: string; readonly error?: unknown };

/** One item in a cart, as the cart and checkout pages show it. */
export interface CartLine {
  readonly itemId: number;
  readonly productId: number;
  readonly brand: string;
  readonly name: string;
  readonly color: string;
  readonly size: string;
  /** Whole US dollars. */
  readonly price: number;
  readonly count: number;
  readonly level: Level;
  readonly released: boolean;
  /** Released and in stock: false shows the line as `.cart-item-out`. */
  readonly available: boolean;
  readonly addedAt: Date;
}

export interface CartsOptions {
  readonly db: StoreDb;
  /** Availability is read from the inventory's memory, never the database. */
  readonly inventory: Pick<Inventory, "item" | "product">;
  readonly pubsub: PubSub;
  /** Items one cart may hold (MAX_CART_ITEMS). */
  readonly maxItems: number;
}

type Refusal = AddResult & { ok: false };

class Refused extends Error {
  constructor(readonly result: Refusal) {
    super(result.message);
  }
}

export class Carts {
  readonly #db: StoreDb;
  readonly #inventory: Pick<Inventory, "item" | "product">;
  readonly #pubsub: PubSub;
  readonly maxItems: number;

  constructor(options: CartsOptions) {
    if (!Number.isInteger(options.maxItems) || options.maxItems < 1) {
      throw new RangeError(`maxItems must be a whole number of at least 1; received ${options.maxItems}`);
    }
    this.#db = options.db;
    this.#inventory = options.inventory;
    this.#pubsub = options.pubsub;
    this.maxItems = options.maxItems;
  }

  /**
   * Adds one item. Availability comes from the inventory's memory; the limits are checked with
   * the cart's row locked, so two tabs adding at once never exceed maxItems.
   */
  async add(cartId: string, itemId: number): Promise<AddResult> {
    const refusal = this.#refusalFromMemory(itemId);
    if (refusal) return refusal;
    try {
      await this.#db.transaction(async (tx) => {
        // Creates the cart or takes its row lock until commit: adds to one cart run one at a time.
        await tx.insert(carts).values({ id: cartId }).onConflictDoUpdate({ target: carts.id, set: { updatedAt: sql`now()` } });
        const held = await tx.select({ itemId: cartItems.itemId }).from(cartItems).where(eq(cartItems.cartId, cartId));
        if (held.some((row) => row.itemId === itemId)) throw new Refused(refuse("duplicate"));
        if (held.length >= this.maxItems) throw new Refused({ ok: false, reason: "full", message: cartMessages.full(this.maxItems) });
        await tx.insert(cartItems).values({ cartId, itemId });
      });
    } catch (error) {
      if (error instanceof Refused) return error.result;
      return { ok: false, reason: "failed", message: cartMessages.failed, error: unavailable("add to the cart", error) };
    }
    this.#published(cartId);
    return { ok: true, itemId };
  }

  async remove(cartId: string, itemId: number): Promise<RemoveResult> {
    let removed: boolean;
    try {
      const rows = await this.#db
        .delete(cartItems)
        .where(and(eq(cartItems.cartId, cartId), eq(cartItems.itemId, itemId)))
        .returning({ id: cartItems.id });
      removed = rows.length > 0;
    } catch (error) {
      return { ok: false, reason: "failed", message: cartMessages.failed, error: unavailable("remove from the cart", error) };
    }
    if (removed) this.#published(cartId);
    return { ok: true, removed };
  }

  /** The cart's items, newest first, with live availability. Throws when the database fails. */
  async list(cartId: string): Promise<CartLine[]> {
    const rows = await this.#db
      .select({ itemId: cartItems.itemId, addedAt: cartItems.addedAt })
      .from(cartItems)
      .where(eq(cartItems.cartId, cartId))
      .orderBy(desc(cartItems.addedAt), desc(cartItems.id));
    const lines: CartLine[] = [];
    for (const row of rows) {
      const item = this.#inventory.item(row.itemId);
      const product = item && this.#inventory.product(item.productId);
      if (item && product) lines.push(cartLine(item, product, row.addedAt));
    }
    return lines;
  }

  /**
   * The same lines with availability read again from the inventory's memory (after a stock or
   * release change); a line that did not change, and the array when none did, stay identical.
   */
  refresh(lines: readonly CartLine[]): readonly CartLine[] {
    let changed = false;
    const next = lines.map((line) => {
      const item = this.#inventory.item(line.itemId);
      const product = item && this.#inventory.product(item.productId);
      if (!item || !product) return line;
      const fresh = cartLine(item, product, line.addedAt);
      if (sameLine(line, fresh)) return line;
      changed = true;
      return fresh;
    });
    return changed ? next : lines;
  }

  #refusalFromMemory(itemId: number): Refusal | null {
    const item = this.#inventory.item(itemId);
    if (!item) return refuse("unknown");
    if (!item.released) return refuse("unreleased");
    if (item.count <= 0) return refuse("sold-out");
    return null;
  }

  #published(cartId: string): void {
    publishCartChanged(this.#pubsub, cartId);
  }
}

/** Tells every tab of the cart that it changed (after the change committed). */
export function publishCartChanged(pubsub: PubSub, cartId: string): void {
  pubsub.broadcast(cartTopic(cartId), CART_CHANGED, { cartId } satisfies CartChanged);
}

function cartLine(item: Item, product: Product, addedAt: Date): CartLine {
  return {
    itemId: item.id,
    productId: product.id,
    brand: product.brand,
    name: product.name,
    color: product.color,
    size: item.size,
    price: product.price,
    count: item.count,
    level: item.level,
    released: item.released,
    available: item.released && item.count > 0,
    addedAt,
  };
}

function sameLine(a: CartLine, b: CartLine): boolean {
  return a.count === b.count && a.level === b.level && a.released === b.released && a.price === b.price && a.brand === b.brand && a.name === b.name && a.color === b.color;
}

const refusalMessages: Record<Exclude<AddRefusal, "full" | "failed">, string> = {
  duplicate: cartMessages.duplicate,
  "sold-out": cartMessages.soldOut,
  unreleased: cartMessages.unreleased,
  unknown: cartMessages.unknown,
};

function refuse(reason: keyof typeof refusalMessages): Refusal {
  return { ok: false, reason, message: refusalMessages[reason] };
}

const words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
function countWord(n: number): string {
  return words[n] ?? String(n);
}
