// The store's PubSub topics and messages. A node that commits a change tells every node (itself
// included) which rows changed; each node re-reads them into its memory and then tells its own
// pages precisely what changed for shoppers. Carts have a topic each, for all of a shopper's tabs.

import type { Level } from "./levels.ts";

/** Cluster-wide, after a commit: re-read these rows. */
export const COMMITTED_TOPIC = "store:committed";
export interface Committed {
  readonly products?: readonly number[];
  readonly items?: readonly number[];
}

/** Node-local, after the re-read: each change shoppers see, one message per change (pages follow INVENTORY_CHANGES_TOPIC). */
export const INVENTORY_TOPIC = "store:inventory";
export type InventoryEvent =
  | { readonly type: "released"; readonly productId: number }
  | { readonly type: "scheduled"; readonly productId: number; readonly releaseAt: string | null }
  | { readonly type: "level"; readonly productId: number; readonly itemId: number; readonly level: Level; readonly previous: Level }
  /** The whole inventory was loaded again (after an outage): re-read everything. */
  | { readonly type: "reloaded" };

/**
 * Node-local, once per re-read that changed what shoppers see: every event of that re-read
 * together. Pages follow this topic, so a re-read that moved five levels costs each page one
 * message, one render and one frame (a burst's commits that arrive during a re-read are read by
 * the next one: coalescing that adds no wait).
 */
export const INVENTORY_CHANGES_TOPIC = "store:inventory:changes";
export interface InventoryChanges {
  readonly events: readonly InventoryEvent[];
}

/**
 * Node-local, after a re-read that found counts lower: units sold (by any node or tool) and when
 * this node saw it. Apart from INVENTORY_TOPIC, so a sale that changes no level wakes no page.
 */
export const SALES_TOPIC = "store:sales";
export interface Sales {
  readonly units: number;
  /** Epoch milliseconds of the re-read. */
  readonly at: number;
}

/** Cluster-wide: a cart changed (item added or removed, emptied by checkout). */
export const cartTopic = (cartId: string) => `store:cart:${cartId}`;
/** The event name on a cart's topic. */
export const CART_CHANGED = "changed";
export interface CartChanged {
  readonly cartId: string;
}
