// What every shopper page shares: the cart id from the signed session, the cart's lines (read
// from the database, availability from the inventory's memory), every tab of the cart kept in
// sync through the cart's topic, and the shopper's presence (page and cart) for the admin.

import type { LiveSocket, Message, MountContext } from "../src/switchboard/index.ts";
import type { CartLine } from "../src/store/cart.ts";
import { cartTopic, INVENTORY_CHANGES_TOPIC, type InventoryChanges } from "../src/store/events.ts";
import type { Store } from "../src/store/store.ts";
import { CART_NOTICE, CART_RELOAD, parseId } from "./cart.ts";

/** Presence of shopper tabs: key = cart id, one meta per open tab. */
export const SHOPPERS_TOPIC = "store:shoppers";

export interface ShopperMeta {
  readonly path: string;
  /** Item ids in the shopper's cart. */
  readonly items: readonly number[];
}

export interface ShopperAssigns {
  readonly cartId: string | null;
  readonly lines: readonly CartLine[];
  /** The last refusal or failure the shopper should read, until the next action. */
  readonly notice: string | null;
}

export const messages = {
  cartUnavailable: "Your cart cannot be loaded right now; it will be back shortly",
  noSession: "Your session has expired: reload the page to shop",
} as const;

/** The session's cart id (set by the app's initSession on the first page view), if it is a sane one. */
export function cartIdOf(session: Readonly<Record<string, unknown>>): string | null {
  const id = session.cartId;
  return typeof id === "string" && /^[A-Za-z0-9_-]{8,64}$/.test(id) ? id : null;
}

/** An empty cart's lines, shared by every page that shows one. */
const NO_LINES: readonly CartLine[] = Object.freeze([]);

export class Shopper {
  readonly #store: Store;
  readonly #path: string;
  /** The presence meta of a tab whose cart is empty (most of them), shared by all of them. */
  readonly #emptyMeta: ShopperMeta & Record<string, unknown>;

  constructor(store: Store, path: string) {
    this.#store = store;
    this.#path = path;
    this.#emptyMeta = Object.freeze({ path, items: Object.freeze([]) });
  }

  /** Reads the cart; once connected, follows it and the inventory, and tracks the tab's presence. */
  async mount(context: MountContext, socket: LiveSocket<ShopperAssigns>): Promise<void> {
    const cartId = cartIdOf(context.session);
    socket.assign({ cartId, lines: NO_LINES, notice: cartId ? null : messages.noSession });
    if (!cartId) return;
    // A first visit's cart id was made by this very request: nothing is in it yet.
    if (!context.newSession) await this.reload(socket);
    if (!socket.connected) return;
    socket.subscribe(cartTopic(cartId));
    socket.subscribe(INVENTORY_CHANGES_TOPIC);
    socket.track(SHOPPERS_TOPIC, cartId, this.#meta(socket.assigns.lines));
  }

  /** Reads the cart's lines again from the database (after any tab changed it). */
  async reload(socket: LiveSocket<ShopperAssigns>): Promise<void> {
    const { cartId } = socket.assigns;
    if (!cartId) return;
    let lines: CartLine[];
    try {
      lines = await this.#store.carts.list(cartId);
    } catch {
      socket.assign({ notice: messages.cartUnavailable });
      return;
    }
    const changed = !sameItems(socket.assigns.lines, lines);
    socket.assign({ lines: lines.length === 0 ? NO_LINES : lines, ...(socket.assigns.notice === messages.cartUnavailable ? { notice: null } : {}) });
    if (changed && socket.connected) socket.updatePresence(SHOPPERS_TOPIC, cartId, this.#meta(lines));
  }

  /**
   * Handles the messages shopper pages subscribe to; returns false for anything else. After an
   * inventory event the lines' availability is recomputed from memory (no database read).
   */
  /**
   * Whether the message was the shopper's. Synchronous for a stock change (the lines are
   * refreshed from memory), so a page's diff leaves as soon as it has rendered; a promise when
   * the cart is read again from the database.
   */
  handleInfo(message: Message, socket: LiveSocket<ShopperAssigns>): boolean | Promise<boolean> {
    const { cartId } = socket.assigns;
    if (message.topic === socket.id) {
      // From the cart component: a remove went through (read again), or was refused.
      if (message.event === CART_NOTICE) socket.assign({ notice: String(message.payload) });
      else if (message.event === CART_RELOAD) {
        socket.assign({ notice: null });
        return this.reload(socket).then(() => true);
      } else return false;
      return true;
    }
    if (cartId && message.topic === cartTopic(cartId)) return this.reload(socket).then(() => true);
    if (message.topic !== INVENTORY_CHANGES_TOPIC) return false;
    if ((message.payload as InventoryChanges).events.some((event) => event.type === "reloaded")) return this.reload(socket).then(() => true);
    socket.assign({ lines: this.#store.carts.refresh(socket.assigns.lines) });
    return true;
  }

  /** Adds an item clicked on a page; a refusal becomes the shopper's notice. */
  async add(socket: LiveSocket<ShopperAssigns>, rawItemId: unknown): Promise<void> {
    const { cartId } = socket.assigns;
    if (!cartId) return socket.assign({ notice: messages.noSession });
    const result = await this.#store.carts.add(cartId, parseId(rawItemId));
    socket.assign({ notice: result.ok ? null : result.message });
    if (result.ok) await this.reload(socket);
  }

  #meta(lines: readonly CartLine[]): ShopperMeta & Record<string, unknown> {
    if (lines.length === 0) return this.#emptyMeta;
    return { path: this.#path, items: lines.map((line) => line.itemId) };
  }
}

function sameItems(a: readonly CartLine[], b: readonly CartLine[]): boolean {
  return a.length === b.length && a.every((line, i) => line.itemId === b[i]!.itemId);
}
