// The admin dashboard `/admin`, for sessions the credentials check marked { admin: true } only:
// shoppers and nodes from Presence (diffs coalesced into at most ten re-reads a second), stock and
// release state from the inventory, the sales chart sliding each second; release and schedule.

import { defineLive, html, type LiveSocket } from "../src/switchboard/index.ts";
import { storeError, StoreError } from "../src/store/errors.ts";
import { INVENTORY_CHANGES_TOPIC, SALES_TOPIC, type InventoryChanges } from "../src/store/events.ts";
import type { Product } from "../src/store/inventory.ts";
import type { Store } from "../src/store/store.ts";
import { adminDashboard } from "../templates/admin.ts";
import { CLOCK_TOPIC } from "./launch-clock.ts";
import { NODES_TOPIC, nodesIn, sameNodes, type NodeRow } from "./node-presence.ts";
import { SHOPPERS_TOPIC } from "./shopper.ts";
import { countShoppers, noShoppers, sameNumbers, type ShopperCounts } from "./shopper-counts.ts";

export const ADMIN_PATH = "/admin";
export const ADMIN_TITLE = "Sneakers23 Admin";
/** Presence diffs and sales wait this long, together, before the page re-reads them. */
export const FLUSH_MS = 100;
const FLUSH = "flush";

export interface AdminAssigns {
  /** False for a session that did not pass the credentials check: it is redirected, shown nothing. */
  readonly admin: boolean;
  readonly products: readonly Product[];
  readonly shoppers: ShopperCounts;
  readonly sales: readonly number[];
  readonly totalSales: number;
  readonly nodes: readonly NodeRow[];
  /** What changed since the last read (STALE_* bits); a FLUSH is on its way while it is not 0. */
  readonly stale: number;
}

/** What a FLUSH re-reads: each only when its topic spoke, so a burst of sales never recounts 10,000 shoppers. */
const STALE_SHOPPERS = 1;
const STALE_NODES = 2;
const STALE_SALES = 4;

interface AdminEvents {
  [name: string]: Record<string, string | string[] | undefined>;
  release: { product?: string };
  /** `release_at` from a datetime-local input, read as UTC; empty clears the schedule. */
  schedule: { product?: string; release_at?: string };
  clear: { product?: string };
}

type Socket = LiveSocket<AdminAssigns>;

const nothing: AdminAssigns = { admin: false, products: [], shoppers: noShoppers, sales: [], totalSales: 0, nodes: [], stale: 0 };

export function adminPage(store: Store) {
  const readShoppers = (socket: Socket) =>
    socket.assign({ shoppers: countShoppers(socket.presence.list(SHOPPERS_TOPIC), socket.assigns.products, socket.assigns.shoppers) });
  const readNodes = (socket: Socket) => {
    const nodes = nodesIn(socket.presence.list(NODES_TOPIC), socket.presence.node);
    if (!sameNodes(nodes, socket.assigns.nodes)) socket.assign({ nodes });
  };
  /** The chart, and the stock with it: a count that moves within a level makes no inventory event. */
  const readSales = (socket: Socket, now: number) => {
    const sales = store.sales.series(now);
    socket.assign({
      sales: sameNumbers(sales, socket.assigns.sales) ? socket.assigns.sales : sales,
      totalSales: store.sales.total,
      products: store.inventory.products(),
    });
  };

  /** Runs an operator's action; its message, or what went wrong, becomes the flash. */
  const act = async (socket: Socket, action: () => Promise<string>) => {
    socket.clearFlash();
    try {
      socket.putFlash("info", await action());
    } catch (error) {
      socket.putFlash("error", problem(error));
    }
    socket.assign({ products: store.inventory.products() });
  };

  return defineLive<AdminAssigns, AdminEvents>({
    title: ADMIN_TITLE,
    // The operator watches a launch while its sales reach every shopper's page: the dashboard's
    // messages go before the pages' when they wait for a turn of the loop.
    priority: "high",
    mount(context, socket) {
      if (context.session.admin !== true) {
        // A shopper's page token joining /admin: the browser loads the page, through the check.
        socket.assign(nothing);
        return socket.redirect(ADMIN_PATH);
      }
      socket.assign({ ...nothing, admin: true, products: store.inventory.products() });
      readShoppers(socket);
      readNodes(socket);
      readSales(socket, Date.now());
      if (!socket.connected) return;
      for (const topic of [SHOPPERS_TOPIC, NODES_TOPIC, INVENTORY_CHANGES_TOPIC, SALES_TOPIC, CLOCK_TOPIC]) socket.subscribe(topic);
    },
    handleEvent: {
      release: (value, socket) => act(socket, () => store.operations.release(productId(value.product))),
      schedule: (value, socket) => act(socket, () => store.operations.schedule(productId(value.product), releaseAt(value.release_at))),
      clear: (value, socket) => act(socket, () => store.operations.schedule(productId(value.product), null)),
    },
    handleInfo(message, socket) {
      if (!socket.assigns.admin) return;
      if (message.topic === socket.id && message.event === FLUSH) {
        const { stale } = socket.assigns;
        socket.assign({ stale: 0 });
        if (stale & STALE_SALES) readSales(socket, Date.now());
        if (stale & STALE_SHOPPERS) readShoppers(socket);
        if (stale & STALE_NODES) readNodes(socket);
      } else if (message.topic === INVENTORY_CHANGES_TOPIC) {
        socket.assign({ products: store.inventory.products() });
        if ((message.payload as InventoryChanges).events.some((event) => event.type === "reloaded")) readShoppers(socket);
      } else if (message.topic === CLOCK_TOPIC) {
        readSales(socket, message.payload as number);
      } else {
        // A presence diff (shoppers, nodes) or a sale: thousands may come in a second; one re-read
        // of what they touched.
        const kind = message.topic === SHOPPERS_TOPIC ? STALE_SHOPPERS : message.topic === NODES_TOPIC ? STALE_NODES : message.topic === SALES_TOPIC ? STALE_SALES : 0;
        const { stale } = socket.assigns;
        if (kind === 0 || (stale & kind) !== 0) return;
        socket.assign({ stale: stale | kind });
        if (stale === 0) socket.sendInfo(FLUSH, null, FLUSH_MS);
      }
    },
    render: (assigns, { flash }) => (assigns.admin ? adminDashboard(assigns, flash) : html`<main class="admin"></main>`),
  });
}

/** A product id from the page, or STORE_ERR_UNKNOWN_PRODUCT naming what was sent. */
function productId(raw: unknown): number {
  const text = typeof raw === "string" ? raw.trim() : null;
  if (text === null || !/^\d{1,9}$/.test(text)) throw storeError("STORE_ERR_UNKNOWN_PRODUCT", JSON.stringify(raw ?? ""));
  return Number(text);
}

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/** A datetime-local value as UTC (or an ISO time with its zone); empty is null (clear). */
export function releaseAt(raw: unknown): Date | null {
  if (typeof raw === "string" && raw.trim() === "") return null;
  const text = typeof raw === "string" ? raw.trim() : "";
  const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(text);
  const at = LOCAL_TIME.test(text) ? new Date(zoned ? text : `${text}Z`) : null;
  // Without a zone the date must read back the same: no 31 February rolling into March.
  const valid = at !== null && !Number.isNaN(at.getTime()) && (zoned || at.toISOString().startsWith(text.slice(0, 16)));
  if (!valid) throw storeError("STORE_ERR_RELEASE_AT", JSON.stringify(raw));
  return at;
}

/** What the admin reads when an action fails: the store's message (with its code), or the error's. */
function problem(error: unknown): string {
  if (error instanceof StoreError) return error.message;
  return `The action failed: ${error instanceof Error ? error.message : String(error)}`;
}
