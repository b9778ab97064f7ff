// Sneakers23's pages: path → live view, all built on one opened store, the launch clock they
// share and this node's presence for the admin. The app registers the routes, tracks the node once
// its endpoint exists, and stops the clock and untracks the node when it closes.

import type { LiveView } from "../src/switchboard/index.ts";
import type { Store } from "../src/store/store.ts";
import { adminPage } from "./admin.ts";
import { cartComponent } from "./cart.ts";
import { checkoutPage } from "./checkout.ts";
import { Counter } from "./counter.ts";
import { LaunchClock } from "./launch-clock.ts";
import { NodePresence } from "./node-presence.ts";
import { orderCompletePage } from "./order-complete.ts";
import { productPage } from "./product-page.ts";

export interface StorePages {
  readonly routes: Record<string, LiveView<any, any>>;
  readonly clock: LaunchClock;
  readonly node: NodePresence;
}

export function storePages(store: Store): StorePages {
  const Cart = cartComponent(store);
  const clock = new LaunchClock(store.pubsub);
  clock.start();
  return {
    clock,
    node: new NodePresence(),
    routes: {
      "/": productPage(store, Cart),
      "/checkout": checkoutPage(store, Cart),
      "/checkout/complete": orderCompletePage(store),
      "/admin": adminPage(store),
      // The framework's smallest example, kept as a demo (and for the events benchmark).
      "/counter": Counter,
    },
  };
}
