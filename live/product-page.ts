// The product page `/`: every product in display order with its sizes' stock levels, live, and
// the shopper's cart beside them. Clicking a size adds it to the cart. A scheduled launch counts
// down each second on the node's launch clock, which the page follows only while it needs it.

import { defineLive, html, liveComponent, type LiveSocket } from "../src/switchboard/index.ts";
import { INVENTORY_CHANGES_TOPIC } from "../src/store/events.ts";
import type { Product } from "../src/store/inventory.ts";
import type { Store } from "../src/store/store.ts";
import { productList } from "../templates/product.ts";
import { connectionLost } from "../templates/layout.ts";
import type { CartComponent } from "./cart.ts";
import { CLOCK_TOPIC } from "./launch-clock.ts";
import { Shopper, type ShopperAssigns } from "./shopper.ts";

export const TITLE = "Sneakers23";

export interface ProductPageAssigns extends ShopperAssigns {
  readonly products: readonly Product[];
  /** The time countdowns are shown for (ms); moves with the launch clock. */
  readonly now: number;
  readonly counting: boolean;
}

interface ProductPageEvents {
  [name: string]: Record<string, string | string[] | undefined>;
  add: { item?: string };
}

export function productPage(store: Store, Cart: CartComponent) {
  const shopper = new Shopper(store, "/");
  return defineLive<ProductPageAssigns, ProductPageEvents>({
    title: TITLE,
    async mount(context, socket) {
      socket.assign({ products: store.inventory.products(), now: Date.now(), counting: false });
      await shopper.mount(context, socket);
      followClock(socket);
    },
    handleEvent: {
      add: (value, socket) => shopper.add(socket, value.item),
    },
    // Synchronous for stock and clock changes: thousands of pages each render and send at once.
    handleInfo(message, socket) {
      if (message.topic === CLOCK_TOPIC) return socket.assign({ now: message.payload as number });
      const handled = shopper.handleInfo(message, socket);
      if (message.topic === INVENTORY_CHANGES_TOPIC) {
        socket.assign({ products: store.inventory.products() });
        followClock(socket);
      }
      if (handled instanceof Promise) return handled.then(() => {});
    },
    render: (assigns) => html`
      <div class="page">
        ${productList(assigns.products, assigns.now)}
        <aside>
          ${liveComponent(Cart, { id: "cart", cartId: assigns.cartId, lines: assigns.lines, notice: assigns.notice, checkoutHref: "/checkout" })}
        </aside>
        ${connectionLost()}
      </div>`,
  });
}

/** Follows the launch clock while a launch is scheduled (connected pages only). */
function followClock(socket: LiveSocket<ProductPageAssigns>): void {
  const scheduled = socket.assigns.products.some((product) => !product.released && product.releaseAt !== null);
  if (!socket.connected || scheduled === socket.assigns.counting) return;
  if (scheduled) socket.subscribe(CLOCK_TOPIC);
  else socket.unsubscribe(CLOCK_TOPIC);
  socket.assign({ counting: scheduled, now: Date.now() });
}
